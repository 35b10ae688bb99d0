package io.finitegrad.autodiff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.doubles;
import static org.quicktheories.generators.SourceDSL.integers;

import io.finitegrad.core.Emulation;
import io.finitegrad.core.Precision;
import io.finitegrad.core.Tensor;
import java.util.function.BinaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.quicktheories.core.Gen;

/**
 * Under FLOAT32 emulation one elementwise op through the graph ({@code +}, {@code -}, {@code *},
 * {@code /}, {@code sqrt}) gives exactly what Java's float arithmetic gives on the operands cast to
 * float: the inputs are rounded on entry and the double result once, which for these ops equals
 * float's own rounding (double has more than 2 x 24 + 2 bits). Reductions and matmul differ by
 * design (they accumulate in double), so they are not checked here. The second operand is an
 * input, a parameter (a float64 master read rounded) or a constant, at random. Examples: 10 x
 * {@code -DQT_EXAMPLES} per op, seed {@code -DQT_SEED}'s.
 */
@SuppressWarnings("try") // the emulation scope is opened for its effect on the body
class Float32AgreementTest {
    private static final int EXAMPLES = 10 * Integer.getInteger("QT_EXAMPLES", 100);

    /**
     * Any float (by its bits), any double of float's magnitudes, and moderate values; only those
     * finite in float, since an input rounding to Infinity is (rightly) stopped by the guard.
     */
    private static final Gen<Double> OPERAND = integers().all().map(b -> (double) Float.intBitsToFloat(b))
            .mix(integers().between(-160, 128).zip(doubles().between(-2, 2), (e, m) -> Math.scalb(m, e)), 50)
            .mix(doubles().between(-10, 10), 30)
            .assuming(v -> Float.isFinite((float) (double) v));

    private static Var operand(int kind, double v) {
        Tensor t = Tensor.scalar(v);
        return switch (kind) {
            case 0 -> Var.input("b", t);
            case 1 -> Var.param("b", t);
            default -> Var.constant(t);
        };
    }

    private static void assertSameBits(double expected, double actual, String what) {
        assertEquals(Double.doubleToRawLongBits(expected), Double.doubleToRawLongBits(actual),
                () -> what + ": graph gives " + actual + ", float gives " + expected);
    }

    private record Binary(String name, BinaryOperator<Var> graph, FloatOp f) {}

    /** The float computation, on float operands, in float. */
    @FunctionalInterface
    private interface FloatOp {
        float apply(float a, float b);
    }

    @TestFactory
    Stream<DynamicTest> binaryOpsEqualFloatArithmetic() {
        return Stream.of(
                new Binary("add", Var::add, (a, b) -> a + b),
                new Binary("sub", Var::sub, (a, b) -> a - b),
                new Binary("mul", Var::mul, (a, b) -> a * b),
                new Binary("div", Var::div, (a, b) -> a / b)).map(op -> DynamicTest.dynamicTest(op.name(), () ->
                qt().withExamples(EXAMPLES).forAll(OPERAND, OPERAND, integers().between(0, 2))
                        // a float result that overflows or is NaN would (rightly) stop the guard
                        .assuming((a, b, k) -> Float.isFinite(op.f().apply((float) (double) a, (float) (double) b)))
                        .checkAssert((a, b, k) -> {
                            double expected = op.f().apply((float) (double) a, (float) (double) b);
                            double actual;
                            try (Emulation e = Precision.emulate(Precision.FLOAT32)) {
                                actual = op.graph().apply(Var.input("a", Tensor.scalar(a)), operand(k, b)).item();
                            }
                            assertSameBits(expected, actual, op.name() + "(" + a + ", " + b + ")");
                        })));
    }

    @TestFactory
    Stream<DynamicTest> sqrtEqualsFloatSqrt() {
        return Stream.of(DynamicTest.dynamicTest("sqrt", () -> qt().withExamples(EXAMPLES)
                .forAll(OPERAND.map(Math::abs))
                .checkAssert(a -> {
                    double expected = (float) Math.sqrt((float) (double) a);
                    double actual;
                    try (Emulation e = Precision.emulate(Precision.FLOAT32)) {
                        actual = Var.input("a", Tensor.scalar(a)).sqrt().item();
                    }
                    assertSameBits(expected, actual, "sqrt(" + a + ")");
                })));
    }
}
