package io.finitegrad.autodiff;

import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.booleans;
import static org.quicktheories.generators.SourceDSL.doubles;
import static org.quicktheories.generators.SourceDSL.integers;

import io.finitegrad.core.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.quicktheories.core.Gen;
import org.quicktheories.core.RandomnessSource;

/**
 * For every op on {@link Var} and every {@link NaiveOps} formula, backward agrees with central finite
 * differences ({@link GradCheck}, relative error below 1e-6 under the rule in {@link GradAssert}) on
 * random shapes and random finite inputs. Non-scalar outputs are
 * reduced by a weighted sum with fixed non-zero weights, so every output element reaches the loss
 * with its own weight.
 */
class OpGradientPropertiesTest {
    /** Inputs of kinked functions stay this far from the kink, well beyond GradCheck's step (~1e-5). */
    private static final double KINK_MARGIN = 1e-3;

    /** Sizes drawn per example: R rows, K an inner/extra size, C columns, each 1..4. */
    record Dims(int r, int k, int c) {
    }

    /** How one operand's values are drawn. */
    interface Domain {
        double draw(RandomnessSource in);
    }

    interface Shape {
        int[] of(Dims d);
    }

    record Operand(Shape shape, Domain domain) {
    }

    /** Builds the op's output from the parameters (one per operand) and the example's mask. */
    interface Body {
        Var apply(Var[] p, Example e);
    }

    record Case(String name, List<Operand> operands, Body body) {
    }

    record Example(Dims dims, int[][] shapes, double[][] values, Tensor mask) {
        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder(dims.toString());
            for (int i = 0; i < values.length; i++) {
                sb.append(", p").append(i).append(' ').append(shapes[i][0]).append('x').append(shapes[i][1])
                        .append(' ').append(Arrays.toString(values[i]));
            }
            return sb.append(", mask ").append(Arrays.toString(mask.toFlatArray())).toString();
        }
    }

    // ---- domains -------------------------------------------------------------------------------

    private static Domain range(double lo, double hi, double... kinks) {
        Gen<Double> g = doubles().between(lo, hi);
        return in -> {
            double v = g.generate(in);
            for (double k : kinks) {
                if (Math.abs(v - k) < KINK_MARGIN) v = v >= k ? k + KINK_MARGIN : k - KINK_MARGIN;
            }
            return v;
        };
    }

    private static final Domain ANY = range(-2, 2);
    /** For log, sqrt and fractional or negative powers. */
    private static final Domain POSITIVE = range(0.25, 3);
    /** Denominators: either sign, |x| >= 0.5, so 1/x^2 stays moderate. */
    private static final Domain NONZERO = in -> {
        double m = doubles().between(0.5, 2).generate(in);
        return booleans().all().generate(in) ? m : -m;
    };
    private static final Domain PROBABILITY = range(0.1, 0.9);
    private static final Domain UNIT = range(0, 1);
    private static final Domain KINK_AT_0 = range(-2, 2, 0);

    // ---- shapes --------------------------------------------------------------------------------

    private static final Shape RC = d -> new int[] {d.r(), d.c()};
    private static final Shape RK = d -> new int[] {d.r(), d.k()};
    private static final Shape KC = d -> new int[] {d.k(), d.c()};
    private static final Shape CK = d -> new int[] {d.c(), d.k()};
    private static final Shape ROW = d -> new int[] {1, d.c()};
    private static final Shape COL = d -> new int[] {d.r(), 1};
    private static final Shape ONE = d -> new int[] {1, 1};

    private static Operand p(Shape s, Domain d) {
        return new Operand(s, d);
    }

    private static Case unary(String name, Domain d, java.util.function.UnaryOperator<Var> f) {
        return new Case(name, List.of(p(RC, d)), (v, e) -> f.apply(v[0]));
    }

    private static Case binary(String name, Operand a, Operand b, java.util.function.BinaryOperator<Var> f) {
        return new Case(name, List.of(a, b), (v, e) -> f.apply(v[0], v[1]));
    }

    // ---- the cases -----------------------------------------------------------------------------

    private static List<Case> cases() {
        List<Case> cs = new ArrayList<>();
        // Broadcasting both ways: same shape, row vector, column vector, scalar, row against column.
        Shape[][] pairs = {{RC, RC}, {RC, ROW}, {ROW, RC}, {RC, COL}, {COL, RC}, {RC, ONE}, {ONE, RC}, {COL, ROW}};
        String[] pairNames = {"RxC,RxC", "RxC,1xC", "1xC,RxC", "RxC,Rx1", "Rx1,RxC", "RxC,1x1", "1x1,RxC", "Rx1,1xC"};
        for (int i = 0; i < pairs.length; i++) {
            Shape a = pairs[i][0], b = pairs[i][1];
            String s = " (" + pairNames[i] + ")";
            cs.add(binary("add" + s, p(a, ANY), p(b, ANY), Var::add));
            cs.add(binary("sub" + s, p(a, ANY), p(b, ANY), Var::sub));
            cs.add(binary("mul" + s, p(a, ANY), p(b, ANY), Var::mul));
            cs.add(binary("div" + s, p(a, ANY), p(b, NONZERO), Var::div));
        }
        // where: each branch broadcast from a row, column or scalar, on either side
        Shape[][] wherePairs = {{RC, RC}, {ROW, RC}, {RC, ROW}, {COL, RC}, {RC, COL}, {ONE, RC}, {RC, ONE}};
        String[] whereNames = {"RxC,RxC", "1xC,RxC", "RxC,1xC", "Rx1,RxC", "RxC,Rx1", "1x1,RxC", "RxC,1x1"};
        for (int i = 0; i < wherePairs.length; i++) {
            cs.add(new Case("where (" + whereNames[i] + ")", List.of(p(wherePairs[i][0], ANY), p(wherePairs[i][1], ANY)),
                    (v, e) -> v[0].where(e.mask(), v[1])));
        }
        cs.add(unary("add(double)", ANY, x -> x.add(1.5)));
        cs.add(unary("sub(double)", ANY, x -> x.sub(0.7)));
        cs.add(unary("mul(double)", ANY, x -> x.mul(-1.3)));
        cs.add(unary("div(double)", ANY, x -> x.div(2.5)));
        cs.add(unary("rsub", ANY, x -> x.rsub(2.0)));
        cs.add(unary("rdiv", NONZERO, x -> x.rdiv(1.5)));
        cs.add(unary("neg", ANY, Var::neg));

        cs.add(unary("exp", ANY, Var::exp));
        cs.add(unary("log", POSITIVE, Var::log));
        cs.add(unary("sqrt", POSITIVE, Var::sqrt));
        for (double e : new double[] {0, 1, 2, 3, 0.5, 1.5, -1, -0.5, -2.5}) {
            cs.add(unary("pow(" + e + ") on positive inputs", POSITIVE, x -> x.pow(e)));
        }
        for (double e : new double[] {2, 3, -1}) {
            cs.add(unary("pow(" + e + ") on inputs of both signs", NONZERO, x -> x.pow(e)));
        }
        cs.add(unary("square", ANY, Var::square));
        cs.add(unary("abs", KINK_AT_0, Var::abs));
        cs.add(unary("sigmoid", range(-5, 5), Var::sigmoid));
        cs.add(unary("tanh", range(-3, 3), Var::tanh));
        cs.add(unary("relu", KINK_AT_0, Var::relu));
        cs.add(unary("leakyRelu(0.01)", KINK_AT_0, x -> x.leakyRelu(0.01)));
        cs.add(unary("leakyRelu(0.3)", KINK_AT_0, x -> x.leakyRelu(0.3)));
        cs.add(unary("softplus", range(-5, 5), Var::softplus));
        cs.add(unary("clamp(-0.5, 0.5)", range(-2, 2, -0.5, 0.5), x -> x.clamp(-0.5, 0.5)));

        cs.add(binary("matmul", p(RK, ANY), p(KC, ANY), Var::matmul));
        cs.add(unary("transpose", ANY, Var::transpose));
        cs.add(binary("matmul with transpose", p(RK, ANY), p(CK, ANY), (a, b) -> a.matmul(b.transpose())));
        cs.add(new Case("sliceRows (drop the first K rows)", List.of(p(d -> new int[] {d.r() + d.k(), d.c()}, ANY)),
                (v, e) -> v[0].sliceRows(e.dims().k(), e.dims().k() + e.dims().r())));
        cs.add(new Case("sliceRows (first row)", List.of(p(RC, ANY)), (v, e) -> v[0].sliceRows(0, 1)));
        cs.add(new Case("sliceCols (drop the last K columns)", List.of(p(d -> new int[] {d.r(), d.c() + d.k()}, ANY)),
                (v, e) -> v[0].sliceCols(0, e.dims().c())));
        cs.add(new Case("sliceCols (drop the first K columns)", List.of(p(d -> new int[] {d.r(), d.c() + d.k()}, ANY)),
                (v, e) -> v[0].sliceCols(e.dims().k(), e.dims().k() + e.dims().c())));
        cs.add(binary("concatRows", p(RC, ANY), p(KC, ANY), (a, b) -> Var.concatRows(a, b)));
        cs.add(binary("concatRows of three, one reused", p(RC, ANY), p(KC, ANY), (a, b) -> Var.concatRows(a, b, a)));
        cs.add(binary("concatCols", p(RK, ANY), p(RC, ANY), (a, b) -> Var.concatCols(a, b)));
        cs.add(binary("concatCols of three, one reused", p(RK, ANY), p(RC, ANY), (a, b) -> Var.concatCols(b, a, b)));

        cs.add(unary("sum", ANY, Var::sum));
        cs.add(unary("mean", ANY, Var::mean));
        cs.add(unary("sumRows", ANY, Var::sumRows));
        cs.add(unary("sumCols", ANY, Var::sumCols));
        cs.add(unary("meanRows", ANY, Var::meanRows));
        cs.add(unary("meanCols", ANY, Var::meanCols));

        cs.add(unary("softmax", range(-3, 3), Var::softmax));
        cs.add(unary("logSoftmax", range(-3, 3), Var::logSoftmax));
        cs.add(unary("logSumExp", range(-3, 3), Var::logSumExp));

        cs.add(unary("NaiveOps.softmax", range(-3, 3), NaiveOps::softmax));
        cs.add(unary("NaiveOps.logSoftmax", range(-3, 3), NaiveOps::logSoftmax));
        cs.add(unary("NaiveOps.sigmoid", range(-5, 5), NaiveOps::sigmoid));
        cs.add(unary("NaiveOps.logSumExp", range(-3, 3), NaiveOps::logSumExp));
        cs.add(unary("NaiveOps.softplus", range(-5, 5), NaiveOps::softplus));
        cs.add(binary("NaiveOps.crossEntropy", p(RC, PROBABILITY), p(RC, UNIT), NaiveOps::crossEntropy));
        cs.add(binary("NaiveOps.binaryCrossEntropy", p(RC, PROBABILITY), p(RC, UNIT), NaiveOps::binaryCrossEntropy));

        // Reused nodes: gradients from several consumers must be summed.
        cs.add(unary("x * x", ANY, x -> x.mul(x)));
        cs.add(unary("x + exp(x)", ANY, x -> x.add(x.exp())));
        cs.add(unary("y = tanh(x) consumed by mul, sigmoid and square", ANY, x -> {
            Var y = x.tanh();
            return y.mul(y.sigmoid()).add(y.square());
        }));
        // Small entries keep x @ W + b within |z| <= 1.5: a saturated tanh has a gradient so small
        // (1e-5 at z = 6) that finite-difference roundoff, not backward, would decide the check.
        Domain small = range(-0.5, 0.5);
        cs.add(new Case("two-layer net tanh(x @ W + b) @ V", List.of(p(RK, small), p(KC, small), p(ROW, small), p(CK, ANY)),
                (v, e) -> v[0].matmul(v[1]).add(v[2]).tanh().matmul(v[3])));
        // One-hot constant targets: with free soft targets the true gradient softmax * sum(y) - y can
        // vanish (tied logits, uniform targets) and the relative error then measures only the
        // finite-difference truncation.
        cs.add(new Case("softmax cross-entropy from logits, one-hot targets", List.of(p(RC, range(-3, 3))),
                (v, e) -> Var.constant(oneHot(e.dims())).mul(v[0].logSoftmax()).sum().neg()));
        return cs;
    }

    /** Row r hot at column (r + k) mod C. */
    private static Tensor oneHot(Dims d) {
        double[] y = new double[d.r() * d.c()];
        for (int r = 0; r < d.r(); r++) y[r * d.c() + (r + d.k()) % d.c()] = 1;
        return Tensor.of(d.r(), d.c(), y);
    }

    // ---- the property --------------------------------------------------------------------------

    private static Gen<Example> examples(Case c) {
        Gen<Integer> size = integers().between(1, 4);
        return in -> {
            Dims d = new Dims(size.generate(in), size.generate(in), size.generate(in));
            int n = c.operands().size();
            int[][] shapes = new int[n][];
            double[][] values = new double[n][];
            for (int i = 0; i < n; i++) {
                Operand o = c.operands().get(i);
                shapes[i] = o.shape().of(d);
                values[i] = new double[shapes[i][0] * shapes[i][1]];
                for (int j = 0; j < values[i].length; j++) values[i][j] = o.domain().draw(in);
            }
            double[] mask = new double[d.r() * d.c()];
            for (int j = 0; j < mask.length; j++) mask[j] = booleans().all().generate(in) ? 1 : 0;
            return new Example(d, shapes, values, Tensor.of(d.r(), d.c(), mask));
        };
    }

    /** Fixed weights per output shape, of either sign and never near 0. */
    static Tensor weights(int rows, int cols) {
        Random rnd = new Random(7919L * rows + cols);
        double[] w = new double[rows * cols];
        for (int i = 0; i < w.length; i++) w[i] = (rnd.nextBoolean() ? 1 : -1) * (0.5 + rnd.nextDouble());
        return Tensor.of(rows, cols, w);
    }

    static void assertBackwardMatchesFiniteDifferences(Case c, Example e) {
        Var[] params = new Var[e.values().length];
        for (int i = 0; i < params.length; i++) {
            params[i] = Var.param("p" + i, Tensor.of(e.shapes()[i][0], e.shapes()[i][1], e.values()[i]));
        }
        Var out = c.body().apply(params, e);
        Var w = Var.constant(weights(out.rows(), out.cols()));
        GradAssert.agrees(() -> c.body().apply(params, e).mul(w).sum(), List.of(params), GradAssert.scale(out, w), c.name());
    }

    @TestFactory
    Stream<DynamicTest> backwardAgreesWithGradCheck() {
        return cases().stream().map(c -> DynamicTest.dynamicTest(c.name(),
                () -> qt().forAll(examples(c)).checkAssert(e -> assertBackwardMatchesFiniteDifferences(c, e))));
    }
}
