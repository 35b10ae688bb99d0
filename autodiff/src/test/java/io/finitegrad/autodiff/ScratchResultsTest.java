package io.finitegrad.autodiff;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.finitegrad.core.StepBuffers;
import io.finitegrad.core.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every built-in op writes all of a result it takes as scratch ({@link StepBuffers#scratch}): run
 * with recycled buffers poisoned with NaN, each op's value and every gradient it sends come out bit
 * for bit as with fresh, zeroed storage, step after step. An element an op left unwritten would be
 * last step's NaN here.
 */
class ScratchResultsTest {
    /** The operands of one case: a and b 4x3 of both signs, p 4x3 positive, row 1x3, col 4x1, w 3x2. */
    record Operands(Var a, Var b, Var p, Var row, Var col, Var w) {
        Var[] all() {
            return new Var[] {a, b, p, row, col, w};
        }
    }

    private static Tensor values(int rows, int cols, int seed, boolean positive) {
        double[] v = new double[rows * cols];
        for (int i = 0; i < v.length; i++) {
            double s = Math.sin(seed * 13.7 + i * 1.3) * 1.7;
            v[i] = positive ? 0.2 + Math.abs(s) : s;
        }
        return Tensor.of(rows, cols, v);
    }

    private static Operands operands(int step) {
        return new Operands(Var.param("a", values(4, 3, 1 + step, false)), Var.param("b", values(4, 3, 7 + step, false)),
                Var.param("p", values(4, 3, 3 + step, true)), Var.param("row", values(1, 3, 5 + step, false)),
                Var.param("col", values(4, 1, 9 + step, false)), Var.param("w", values(3, 2, 11 + step, false)));
    }

    private static Map<String, Function<Operands, Var>> cases() {
        Map<String, Function<Operands, Var>> cs = new LinkedHashMap<>();
        cs.put("add, broadcast row and column", o -> o.a().add(o.row()).add(o.col()));
        cs.put("sub, broadcast", o -> o.col().sub(o.a()).sub(o.row()));
        cs.put("mul, broadcast", o -> o.a().mul(o.b()).mul(o.row()));
        cs.put("div, broadcast", o -> o.a().div(o.p()).div(o.row().abs().add(0.5)));
        cs.put("neg", o -> o.a().neg());
        cs.put("exp", o -> o.a().exp());
        cs.put("log", o -> o.p().log());
        cs.put("sqrt", o -> o.p().sqrt());
        cs.put("pow 0, 1, 2, 3, -1.5", o -> o.p().pow(0).add(o.a().pow(1)).add(o.a().pow(2)).add(o.a().pow(3))
                .add(o.p().pow(-1.5)));
        cs.put("abs", o -> o.a().abs());
        cs.put("sigmoid", o -> o.a().sigmoid());
        cs.put("tanh", o -> o.a().tanh());
        cs.put("relu", o -> o.a().relu());
        cs.put("leakyRelu", o -> o.a().leakyRelu(0.1));
        cs.put("softplus", o -> o.a().softplus());
        cs.put("clamp", o -> o.a().clamp(-0.5, 0.5));
        cs.put("matmul", o -> o.a().matmul(o.w()));
        cs.put("matmul with transpose", o -> o.a().matmul(o.b().transpose()));
        cs.put("slices and concatenations", o -> Var.concatCols(o.a().sliceCols(0, 2), Var.concatRows(o.b().sliceRows(1, 4),
                o.row()).sliceCols(1, 3)));
        cs.put("sum, mean", o -> o.a().sum().add(o.b().mean()));
        cs.put("sumRows, meanRows", o -> o.a().sumRows().mul(o.b().meanRows()));
        cs.put("sumCols, meanCols", o -> o.a().sumCols().mul(o.b().meanCols()));
        cs.put("softmax", o -> o.a().softmax());
        cs.put("logSoftmax", o -> o.a().logSoftmax());
        cs.put("logSumExp", o -> o.a().logSumExp());
        cs.put("where", o -> o.a().where(Tensor.of(4, 3, new double[] {1, 0, 1, 0, 0, 1, 1, 1, 0, 0, 0, 1}), o.b()));
        return cs;
    }

    /** Three steps of {@code sum(f(operands) * weights)}; each step's value and gradients, flattened. */
    private static double[][] run(Function<Operands, Var> f, StepBuffers buffers) {
        double[][] out = new double[3 * 7][];
        for (int step = 0; step < 3; step++) {
            if (buffers != null) buffers.nextStep();
            Operands o = operands(step);
            Var y = f.apply(o);
            Var loss = y.mul(Var.constant(values(y.rows(), y.cols(), 17, false))).sum();
            loss.backward();
            out[7 * step] = y.value().toFlatArray();
            Var[] all = o.all();
            for (int i = 0; i < all.length; i++) {
                out[7 * step + 1 + i] = all[i].readGrad() == null ? new double[0] : all[i].grad().toFlatArray();
            }
        }
        return out;
    }

    @TestFactory
    Stream<DynamicTest> poisonedScratchChangesNoBit() {
        return cases().entrySet().stream().map(c -> DynamicTest.dynamicTest(c.getKey(), () -> {
            double[][] fresh = run(c.getValue(), null);
            double[][] recycled;
            try (StepBuffers buffers = StepBuffers.recycle().poisonScratch()) {
                recycled = run(c.getValue(), buffers);
                assertTrue(buffers.reused() > 0, "nothing was recycled: the case checked no scratch");
            }
            for (int i = 0; i < fresh.length; i++) {
                assertArrayEquals(fresh[i], recycled[i], c.getKey() + ": step " + i / 7 + ", "
                        + (i % 7 == 0 ? "value" : "gradient of operand " + (i % 7 - 1)));
            }
        }));
    }
}
