package io.finitegrad.autodiff;

import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.booleans;
import static org.quicktheories.generators.SourceDSL.integers;

import io.finitegrad.autodiff.proptest.GradientProperties;
import io.finitegrad.autodiff.proptest.TensorGens;
import io.finitegrad.core.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.BinaryOperator;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.quicktheories.core.Gen;

/**
 * For every op on {@link Var} and every {@link NaiveOps} formula, backward agrees with central finite
 * differences on random shapes and random finite inputs.
 *
 * <p>Ops whose operands can all be cut from one input tensor (every unary op, and the broadcasting
 * binary ops, whose operands sit side by side in it) are checked with the kit's
 * {@link GradientProperties#gradCheck} (relative error below 1e-6 at every example, kinks skipped),
 * over {@link TensorGens} tensors of shapes up to 4x4. The ops whose operands need three
 * independent sizes or a random mask (matmul, concatenation, where, a two-layer net, the two-target
 * losses) keep their own generator of shapes, with {@link TensorGens} values, and
 * {@link GradAssert}'s rule; their non-scalar outputs are reduced by a weighted sum with fixed
 * non-zero weights, so every output element reaches the loss with its own weight.
 */
class OpGradientPropertiesTest {

    // ---- value domains -------------------------------------------------------------------------

    private static final Gen<Double> ANY = TensorGens.uniform(-2, 2);
    /** For log, sqrt and fractional or negative powers. */
    private static final Gen<Double> POSITIVE = TensorGens.uniform(0.25, 3);
    /** Denominators: either sign, |x| in [0.5, 2], so 1/x^2 stays moderate. */
    private static final Gen<Double> NONZERO = TensorGens.logUniform(0.5, 2);
    private static final Gen<Double> PROBABILITY = TensorGens.uniform(0.1, 0.9);
    private static final Gen<Double> UNIT = TensorGens.uniform(0, 1);

    // ---- ops on one input tensor, through the kit ------------------------------------------------

    /** One kit gradient check: the input tensors, the function of them, and where its derivative jumps. */
    record KitCase(String name, Gen<Tensor> inputs, UnaryOperator<Var> f, double... kinks) {
        void check() {
            GradientProperties.gradCheck(name, inputs, f).kinksAt(kinks).check();
        }
    }

    /** Tensors of R x C, R and C in 1..4. */
    private static Gen<Tensor> rc(Gen<Double> values) {
        return TensorGens.tensors(TensorGens.shapes(4, 4), values);
    }

    private static KitCase unary(String name, Gen<Double> values, UnaryOperator<Var> f, double... kinks) {
        return new KitCase(name, rc(values), f, kinks);
    }

    private static Var block(Var x, int r0, int r1, int c0, int c1) {
        return x.sliceRows(r0, r1).sliceCols(c0, c1);
    }

    /**
     * Where two operands of an R x C-based pair of shapes sit in one input tensor: the input's shape
     * for R x C, and how to cut the operands back out of it (entries neither operand uses get a
     * zero gradient both ways).
     */
    record Layout(String name, UnaryOperator<TensorGens.Shape> input, Function<Var, Var[]> cut) {
        Gen<Tensor> inputs(Gen<Double> values) {
            return TensorGens.tensors(TensorGens.shapes(4, 4).map(input::apply), values);
        }
    }

    private static final List<Layout> PAIRS = List.of(
            new Layout("RxC,RxC", s -> new TensorGens.Shape(s.rows(), 2 * s.cols()),
                    x -> new Var[] {x.sliceCols(0, x.cols() / 2), x.sliceCols(x.cols() / 2, x.cols())}),
            new Layout("RxC,1xC", s -> new TensorGens.Shape(s.rows() + 1, s.cols()),
                    x -> new Var[] {x.sliceRows(0, x.rows() - 1), x.sliceRows(x.rows() - 1, x.rows())}),
            new Layout("1xC,RxC", s -> new TensorGens.Shape(1 + s.rows(), s.cols()),
                    x -> new Var[] {x.sliceRows(0, 1), x.sliceRows(1, x.rows())}),
            new Layout("RxC,Rx1", s -> new TensorGens.Shape(s.rows(), s.cols() + 1),
                    x -> new Var[] {x.sliceCols(0, x.cols() - 1), x.sliceCols(x.cols() - 1, x.cols())}),
            new Layout("Rx1,RxC", s -> new TensorGens.Shape(s.rows(), 1 + s.cols()),
                    x -> new Var[] {x.sliceCols(0, 1), x.sliceCols(1, x.cols())}),
            new Layout("RxC,1x1", s -> new TensorGens.Shape(s.rows() + 1, s.cols()),
                    x -> new Var[] {x.sliceRows(0, x.rows() - 1), block(x, x.rows() - 1, x.rows(), 0, 1)}),
            new Layout("1x1,RxC", s -> new TensorGens.Shape(1 + s.rows(), s.cols()),
                    x -> new Var[] {block(x, 0, 1, 0, 1), x.sliceRows(1, x.rows())}),
            new Layout("Rx1,1xC", s -> new TensorGens.Shape(s.rows() + 1, s.cols() + 1),
                    x -> new Var[] {block(x, 0, x.rows() - 1, 0, 1), block(x, x.rows() - 1, x.rows(), 1, x.cols())}));

    private static KitCase binary(String name, Layout l, Gen<Double> values, BinaryOperator<Var> f) {
        return new KitCase(name + " (" + l.name() + ")", l.inputs(values), x -> {
            Var[] ab = l.cut().apply(x);
            return f.apply(ab[0], ab[1]);
        });
    }

    private static List<KitCase> kitCases() {
        List<KitCase> cs = new ArrayList<>();
        // Broadcasting both ways: same shape, row vector, column vector, scalar, row against column.
        for (Layout l : PAIRS) {
            cs.add(binary("add", l, ANY, Var::add));
            cs.add(binary("sub", l, ANY, Var::sub));
            cs.add(binary("mul", l, ANY, Var::mul));
            cs.add(binary("div", l, NONZERO, Var::div));
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
        cs.add(unary("abs", ANY, Var::abs, 0));
        cs.add(unary("sigmoid", TensorGens.uniform(-5, 5), Var::sigmoid));
        cs.add(unary("tanh", TensorGens.uniform(-3, 3), Var::tanh));
        cs.add(unary("relu", ANY, Var::relu, 0));
        cs.add(unary("leakyRelu(0.01)", ANY, x -> x.leakyRelu(0.01), 0));
        cs.add(unary("leakyRelu(0.3)", ANY, x -> x.leakyRelu(0.3), 0));
        cs.add(unary("softplus", TensorGens.uniform(-5, 5), Var::softplus));
        cs.add(unary("clamp(-0.5, 0.5)", ANY, x -> x.clamp(-0.5, 0.5), -0.5, 0.5));

        cs.add(unary("transpose", ANY, Var::transpose));
        Gen<Tensor> tall = TensorGens.tensors(TensorGens.shapes(8, 4), ANY), wide = TensorGens.tensors(TensorGens.shapes(4, 8), ANY);
        cs.add(new KitCase("sliceRows (drop the first half of the rows)", tall, x -> x.sliceRows(x.rows() / 2, x.rows())));
        cs.add(unary("sliceRows (first row)", ANY, x -> x.sliceRows(0, 1)));
        cs.add(new KitCase("sliceCols (drop the last half of the columns)", wide, x -> x.sliceCols(0, (x.cols() + 1) / 2)));
        cs.add(new KitCase("sliceCols (drop the first half of the columns)", wide, x -> x.sliceCols(x.cols() / 2, x.cols())));

        cs.add(unary("sum", ANY, Var::sum));
        cs.add(unary("mean", ANY, Var::mean));
        cs.add(unary("sumRows", ANY, Var::sumRows));
        cs.add(unary("sumCols", ANY, Var::sumCols));
        cs.add(unary("meanRows", ANY, Var::meanRows));
        cs.add(unary("meanCols", ANY, Var::meanCols));

        Gen<Double> logits = TensorGens.uniform(-3, 3);
        cs.add(unary("softmax", logits, Var::softmax));
        cs.add(unary("logSoftmax", logits, Var::logSoftmax));
        cs.add(unary("logSumExp", logits, Var::logSumExp));

        cs.add(unary("NaiveOps.softmax", logits, NaiveOps::softmax));
        cs.add(unary("NaiveOps.logSoftmax", logits, NaiveOps::logSoftmax));
        cs.add(unary("NaiveOps.sigmoid", TensorGens.uniform(-5, 5), NaiveOps::sigmoid));
        cs.add(unary("NaiveOps.logSumExp", logits, NaiveOps::logSumExp));
        cs.add(unary("NaiveOps.softplus", TensorGens.uniform(-5, 5), NaiveOps::softplus));

        // Reused nodes: gradients from several consumers must be summed.
        cs.add(unary("x * x", ANY, x -> x.mul(x)));
        cs.add(unary("x + exp(x)", ANY, x -> x.add(x.exp())));
        cs.add(unary("y = tanh(x) consumed by mul, sigmoid and square", ANY, x -> {
            Var y = x.tanh();
            return y.mul(y.sigmoid()).add(y.square());
        }));
        // One-hot constant targets: with free soft targets the true gradient softmax * sum(y) - y can
        // vanish (tied logits, uniform targets) and the relative error then measures only the
        // finite-difference truncation.
        cs.add(unary("softmax cross-entropy from logits, one-hot targets", logits,
                x -> Var.constant(oneHot(x.rows(), x.cols())).mul(x.logSoftmax()).sum().neg()));
        return cs;
    }

    /** Row r hot at column (2r + 1) mod C. */
    private static Tensor oneHot(int rows, int cols) {
        double[] y = new double[rows * cols];
        for (int r = 0; r < rows; r++) y[r * cols + (2 * r + 1) % cols] = 1;
        return Tensor.of(rows, cols, y);
    }

    @TestFactory
    Stream<DynamicTest> backwardAgreesWithGradCheck() {
        return kitCases().stream().map(c -> DynamicTest.dynamicTest(c.name(), c::check));
    }

    // ---- ops of several independently sized operands, through their own generator ---------------

    /** Sizes drawn per example: R rows, K an inner/extra size, C columns, each 1..4. */
    record Dims(int r, int k, int c) {
    }

    interface Shape {
        int[] of(Dims d);
    }

    record Operand(Shape shape, Gen<Double> values) {
    }

    /** Builds the op's output from the parameters (one per operand) and the example's mask. */
    interface Body {
        Var apply(Var[] p, Example e);
    }

    record Case(String name, List<Operand> operands, Body body) {
    }

    record Example(Dims dims, Tensor[] operands, Tensor mask) {
        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder(dims.toString());
            for (int i = 0; i < operands.length; i++) {
                sb.append(", p").append(i).append(' ').append(operands[i].shape()).append(' ')
                        .append(Arrays.toString(operands[i].toFlatArray()));
            }
            return sb.append(", mask ").append(Arrays.toString(mask.toFlatArray())).toString();
        }
    }

    private static final Shape RC = d -> new int[] {d.r(), d.c()};
    private static final Shape RK = d -> new int[] {d.r(), d.k()};
    private static final Shape KC = d -> new int[] {d.k(), d.c()};
    private static final Shape CK = d -> new int[] {d.c(), d.k()};
    private static final Shape ROW = d -> new int[] {1, d.c()};
    private static final Shape COL = d -> new int[] {d.r(), 1};
    private static final Shape ONE = d -> new int[] {1, 1};

    private static Operand p(Shape s, Gen<Double> values) {
        return new Operand(s, values);
    }

    private static Case pair(String name, Operand a, Operand b, BinaryOperator<Var> f) {
        return new Case(name, List.of(a, b), (v, e) -> f.apply(v[0], v[1]));
    }

    private static List<Case> cases() {
        List<Case> cs = new ArrayList<>();
        // where: each branch broadcast from a row, column or scalar, on either side
        Shape[][] wherePairs = {{RC, RC}, {ROW, RC}, {RC, ROW}, {COL, RC}, {RC, COL}, {ONE, RC}, {RC, ONE}};
        String[] whereNames = {"RxC,RxC", "1xC,RxC", "RxC,1xC", "Rx1,RxC", "RxC,Rx1", "1x1,RxC", "RxC,1x1"};
        for (int i = 0; i < wherePairs.length; i++) {
            cs.add(new Case("where (" + whereNames[i] + ")", List.of(p(wherePairs[i][0], ANY), p(wherePairs[i][1], ANY)),
                    (v, e) -> v[0].where(e.mask(), v[1])));
        }
        cs.add(pair("matmul", p(RK, ANY), p(KC, ANY), Var::matmul));
        cs.add(pair("matmul with transpose", p(RK, ANY), p(CK, ANY), (a, b) -> a.matmul(b.transpose())));
        cs.add(pair("concatRows", p(RC, ANY), p(KC, ANY), (a, b) -> Var.concatRows(a, b)));
        cs.add(pair("concatRows of three, one reused", p(RC, ANY), p(KC, ANY), (a, b) -> Var.concatRows(a, b, a)));
        cs.add(pair("concatCols", p(RK, ANY), p(RC, ANY), (a, b) -> Var.concatCols(a, b)));
        cs.add(pair("concatCols of three, one reused", p(RK, ANY), p(RC, ANY), (a, b) -> Var.concatCols(b, a, b)));
        cs.add(pair("NaiveOps.crossEntropy", p(RC, PROBABILITY), p(RC, UNIT), NaiveOps::crossEntropy));
        cs.add(pair("NaiveOps.binaryCrossEntropy", p(RC, PROBABILITY), p(RC, UNIT), NaiveOps::binaryCrossEntropy));
        // Small entries keep x @ W + b within |z| <= 1.5: a saturated tanh has a gradient so small
        // (1e-5 at z = 6) that finite-difference roundoff, not backward, would decide the check.
        Gen<Double> small = TensorGens.uniform(-0.5, 0.5);
        cs.add(new Case("two-layer net tanh(x @ W + b) @ V", List.of(p(RK, small), p(KC, small), p(ROW, small), p(CK, ANY)),
                (v, e) -> v[0].matmul(v[1]).add(v[2]).tanh().matmul(v[3])));
        return cs;
    }

    private static Gen<Example> examples(Case c) {
        Gen<Integer> size = integers().between(1, 4);
        Gen<Boolean> bit = booleans().all();
        return in -> {
            Dims d = new Dims(size.generate(in), size.generate(in), size.generate(in));
            Tensor[] operands = new Tensor[c.operands().size()];
            for (int i = 0; i < operands.length; i++) {
                Operand o = c.operands().get(i);
                int[] s = o.shape().of(d);
                operands[i] = TensorGens.tensors(s[0], s[1], o.values()).generate(in);
            }
            double[] mask = new double[d.r() * d.c()];
            for (int j = 0; j < mask.length; j++) mask[j] = bit.generate(in) ? 1 : 0;
            return new Example(d, operands, Tensor.of(d.r(), d.c(), mask));
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
        Var[] params = new Var[e.operands().length];
        for (int i = 0; i < params.length; i++) params[i] = Var.param("p" + i, e.operands()[i]);
        Var out = c.body().apply(params, e);
        Var w = Var.constant(weights(out.rows(), out.cols()));
        GradAssert.agrees(() -> c.body().apply(params, e).mul(w).sum(), List.of(params), GradAssert.scale(out, w), c.name());
    }

    @TestFactory
    Stream<DynamicTest> backwardOfOpsOnSeveralOperandsAgreesWithGradCheck() {
        return cases().stream().map(c -> DynamicTest.dynamicTest(c.name(),
                () -> qt().forAll(examples(c)).checkAssert(e -> assertBackwardMatchesFiniteDifferences(c, e))));
    }
}
