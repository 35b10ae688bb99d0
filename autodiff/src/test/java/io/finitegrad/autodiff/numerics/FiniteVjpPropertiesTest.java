package io.finitegrad.autodiff.numerics;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;

import io.finitegrad.autodiff.op.Op;
import io.finitegrad.autodiff.ops.Arithmetic;
import io.finitegrad.autodiff.ops.Elementwise;
import io.finitegrad.autodiff.proptest.TensorGens;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.quicktheories.core.Gen;

/**
 * For every elementwise op, a finite upstream gradient and operands drawn log-uniformly over the
 * whole double range (random signs, subnormals included): wherever the exact vector-Jacobian
 * product is representable, the computed one is finite, and within 1e-12 relative of it (a few
 * subnormal units where the exact value is itself subnormal). The exact value is computed in
 * BigDecimal, with exponentials split as {@code exp(z) = exp(z/4)^4} so that no double factor
 * leaves the range. The ops are called directly (forward, then vjp), away from the guard, since
 * forward values may legitimately overflow while the gradient stays finite.
 */
class FiniteVjpPropertiesTest {
    private static final MathContext MC = MathContext.DECIMAL128;
    private static final BigDecimal MAX = new BigDecimal(Double.MAX_VALUE), MIN_NORMAL = new BigDecimal(Double.MIN_NORMAL);
    private static final BigDecimal REL = new BigDecimal("1e-12"), SUBNORMAL_SLACK = new BigDecimal(Double.MIN_VALUE).multiply(BigDecimal.valueOf(4));

    /** The exact VJP to operand {@code i}, or null when it is not a real number (0 * Inf, a negative base). */
    interface Exact {
        BigDecimal at(int i, BigDecimal g, double[] x);
    }

    /**
     * One op, how its operands are drawn (positive only, or either sign; magnitudes up to
     * 2^maxExponent) and its exact VJP. The exponential family draws up to 2^11: beyond |x| = 2048
     * every gradient is 0 or infinite, and the interesting band (the saturation edges) would be rare.
     */
    record Case(String name, Supplier<Op> op, int arity, boolean positive, int maxExponent, Exact exact) {
        Case(String name, Supplier<Op> op, int arity, boolean positive, Exact exact) {
            this(name, op, arity, positive, Double.MAX_EXPONENT, exact);
        }
    }

    private static BigDecimal big(double v) {
        return new BigDecimal(v);
    }

    /** {@code e^z} as an exact product of four doubles, or null when {@code e^(z/4)} leaves the normal range. */
    private static BigDecimal exp(double z) {
        double h = Math.exp(z / 4);
        if (!(h >= Double.MIN_NORMAL && h <= Double.MAX_VALUE)) return null;
        return big(h).pow(4, MC);
    }

    /** {@code e^-|x| / (1 + e^-|x|)^2}: sigmoid'(x). */
    private static BigDecimal sigmoidDerivative(double x) {
        BigDecimal e = exp(-Math.abs(x));
        if (e == null) return null;
        BigDecimal q = BigDecimal.ONE.add(e);
        return e.divide(q.multiply(q), MC);
    }

    /** {@code x^(p-1)} for an integer or half-integer p - 1, exactly enough. */
    private static BigDecimal powPm1(double x, double p) {
        double pm1 = p - 1;
        int whole = (int) Math.floor(pm1);
        BigDecimal r = big(x).pow(whole, MC);
        if (pm1 != whole) r = r.multiply(big(x).sqrt(MC), MC);
        return r;
    }

    private static List<Case> cases() {
        List<Case> cs = new ArrayList<>();
        cs.add(new Case("add", Arithmetic.Add::new, 2, false, (i, g, x) -> g));
        cs.add(new Case("sub", Arithmetic.Sub::new, 2, false, (i, g, x) -> i == 0 ? g : g.negate()));
        cs.add(new Case("mul", Arithmetic.Mul::new, 2, false, (i, g, x) -> g.multiply(big(x[1 - i]))));
        cs.add(new Case("div", Arithmetic.Div::new, 2, false, (i, g, x) -> i == 0
                ? g.divide(big(x[1]), MC)
                : g.multiply(big(x[0])).divide(big(x[1]).pow(2), MC).negate()));
        cs.add(new Case("neg", Elementwise.Neg::new, 1, false, (i, g, x) -> g.negate()));
        cs.add(new Case("abs", Elementwise.Abs::new, 1, false, (i, g, x) -> x[0] > 0 ? g : g.negate()));
        cs.add(new Case("relu", Elementwise.Relu::new, 1, false, (i, g, x) -> x[0] > 0 ? g : BigDecimal.ZERO));
        cs.add(new Case("leakyRelu(0.01)", () -> new Elementwise.LeakyRelu(0.01), 1, false,
                (i, g, x) -> x[0] > 0 ? g : g.multiply(big(0.01))));
        cs.add(new Case("exp", Elementwise.Exp::new, 1, false, 11, (i, g, x) -> {
            BigDecimal e = exp(x[0]);
            return e == null ? null : g.multiply(e);
        }));
        cs.add(new Case("log", Elementwise.Log::new, 1, true, (i, g, x) -> g.divide(big(x[0]), MC)));
        cs.add(new Case("sqrt", Elementwise.Sqrt::new, 1, true,
                (i, g, x) -> g.divide(big(x[0]).sqrt(MC).multiply(BigDecimal.valueOf(2)), MC)));
        for (double p : new double[] {2, 3, -1, -2, 0.5, 1.5, -0.5, -2.5}) {
            boolean fractional = p != Math.rint(p);
            cs.add(new Case("pow(" + p + ")", () -> new Elementwise.Pow(p), 1, fractional,
                    (i, g, x) -> g.multiply(big(p)).multiply(powPm1(x[0], p), MC)));
        }
        cs.add(new Case("sigmoid", Elementwise.Sigmoid::new, 1, false, 11, (i, g, x) -> {
            BigDecimal d = sigmoidDerivative(x[0]);
            return d == null ? null : g.multiply(d, MC);
        }));
        cs.add(new Case("tanh", Elementwise.Tanh::new, 1, false, 11, (i, g, x) -> {
            BigDecimal d = sigmoidDerivative(2 * x[0]); // tanh'(x) = 4 sigmoid'(2x)
            return d == null ? null : g.multiply(d, MC).multiply(BigDecimal.valueOf(4));
        }));
        cs.add(new Case("softplus", Elementwise.Softplus::new, 1, false, 11, (i, g, x) -> {
            // sigmoid(x) = e / (1 + e) with e = exp(-|x|) for x < 0, 1 / (1 + e) for x >= 0
            BigDecimal e = exp(-Math.abs(x[0]));
            if (e == null) return x[0] >= 0 ? g : BigDecimal.ZERO;
            BigDecimal q = BigDecimal.ONE.add(e);
            return (x[0] < 0 ? g.multiply(e) : g).divide(q, MC);
        }));
        return cs;
    }

    /**
     * A finite non-zero double of either sign (or positive only), log-uniform in magnitude from the
     * smallest subnormal up to the top of the binade of 2^maxExponent (just below 2^(maxExponent + 1)).
     */
    private static Gen<Double> wide(boolean positive, int maxExponent) {
        double max = maxExponent >= Double.MAX_EXPONENT ? Double.MAX_VALUE : Math.nextDown(Math.scalb(1.0, maxExponent + 1));
        Gen<Double> values = TensorGens.logUniform(Double.MIN_VALUE, max);
        return positive ? TensorGens.positive(values) : values;
    }

    private static DMatrixRMaj one(double v) {
        DMatrixRMaj m = new DMatrixRMaj(1, 1);
        m.data[0] = v;
        return m;
    }

    private static void check(Case c, double g, double[] x) {
        DMatrixRMaj[] in = new DMatrixRMaj[c.arity()];
        for (int i = 0; i < in.length; i++) in[i] = one(x[i]);
        Op op = c.op().get();
        DMatrixRMaj y = op.forward(in);
        for (int i = 0; i < in.length; i++) {
            BigDecimal exact = c.exact().at(i, big(g), x);
            if (exact == null || exact.abs().compareTo(MAX) > 0) continue; // not representable: nothing promised
            double got = op.vjp(i, in, y, one(g)).data[0];
            String at = c.name() + " operand " + i + " at x = " + java.util.Arrays.toString(x) + ", g = " + g
                    + ": exact " + exact.round(new MathContext(17)) + ", computed " + got;
            assertTrue(Double.isFinite(got), at);
            BigDecimal err = big(got).subtract(exact).abs();
            BigDecimal allowed = exact.abs().compareTo(MIN_NORMAL) >= 0 ? exact.abs().multiply(REL) : SUBNORMAL_SLACK;
            assertTrue(err.compareTo(allowed.max(SUBNORMAL_SLACK)) <= 0, at);
        }
    }

    @TestFactory
    Stream<DynamicTest> computedVjpIsFiniteAndCloseWhereTheExactOneIsRepresentable() {
        return cases().stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> {
            Gen<Double> g = wide(false, Double.MAX_EXPONENT), x = wide(c.positive(), c.maxExponent());
            qt().forAll(g, x, x).checkAssert((gv, a, b) -> check(c, gv, new double[] {a, b}));
        }));
    }
}
