package io.finitegrad.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.finitegrad.autodiff.op.Cause;
import io.finitegrad.autodiff.FiniteGuard;
import io.finitegrad.autodiff.NaiveOps;
import io.finitegrad.autodiff.NanReport;
import io.finitegrad.autodiff.NonFiniteException;
import io.finitegrad.autodiff.op.Phase;
import io.finitegrad.autodiff.op.ShapeException;
import io.finitegrad.autodiff.proptest.GradientProperties;
import io.finitegrad.autodiff.proptest.TensorGens;
import io.finitegrad.autodiff.Var;
import io.finitegrad.core.Tensor;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.stream.Stream;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

@SuppressWarnings("try") // the guard scope is opened for its effect only
class LossesTest {

    private static Tensor oneHot(int[] classes, int cols) {
        double[] y = new double[classes.length * cols];
        for (int r = 0; r < classes.length; r++) y[r * cols + classes[r]] = 1;
        return Tensor.of(classes.length, cols, y);
    }

    /**
     * One example for every loss: logits z, probabilities p in [0.05, 0.95], regression targets t,
     * 0/1 targets y and a class per row (one-hot as {@code hot}).
     */
    record Example(Tensor z, Tensor p, Tensor t, Tensor y, int[] classes) {
        Tensor hot() {
            return oneHot(classes, z.cols());
        }

        @Override
        public String toString() {
            return "z " + TensorGens.describe(z) + ", p " + TensorGens.describe(p) + ", t " + TensorGens.describe(t)
                    + ", y " + TensorGens.describe(y) + ", classes " + java.util.Arrays.toString(classes);
        }
    }

    static Gen<Example> examples() {
        Gen<TensorGens.Shape> shapes = Generate.range(1, 4).zip(Generate.range(2, 5), TensorGens.Shape::new);
        return shapes.flatMap(sh -> {
            int rows = sh.rows(), cols = sh.cols();
            Gen<int[]> classes = Generate.intArrays(Generate.constant(rows), Generate.range(0, cols - 1));
            return TestSupport.uniformTensors(rows, cols, 4).zip(TensorGens.tensors(rows, cols, TensorGens.uniform(0.05, 0.95)),
                    TestSupport.uniformTensors(rows, cols, 2),
                    TensorGens.tensors(rows, cols, Generate.pick(List.of(0.0, 1.0))), classes, Example::new);
        });
    }

    /** A loss of one parameter (the logits, or the probabilities) on an example. */
    record Case(String name, boolean ofProbabilities, BiFunction<Var, Example, Var> loss) {
    }

    private static final List<Case> CASES = List.of(
            new Case("mse", false, (z, e) -> Losses.mse(z, Var.input("t", e.t()))),
            new Case("bceWithLogits", false, (z, e) -> Losses.bceWithLogits(z, Var.input("y", e.y()))),
            new Case("softmaxCrossEntropy", false, (z, e) -> Losses.softmaxCrossEntropy(z, Var.input("onehot", e.hot()))),
            new Case("softmaxCrossEntropy[]", false, (z, e) -> Losses.softmaxCrossEntropy(z, e.classes())),
            new Case("naiveSoftmaxCrossEntropy", false, (z, e) -> Losses.naiveSoftmaxCrossEntropy(z, Var.input("onehot", e.hot()))),
            new Case("naiveSoftmaxCrossEntropy eps", false,
                    (z, e) -> Losses.naiveSoftmaxCrossEntropy(z, Var.input("onehot", e.hot()), 1e-3)),
            new Case("naiveSoftmaxCrossEntropy[]", false, (z, e) -> Losses.naiveSoftmaxCrossEntropy(z, e.classes())),
            new Case("bce", true, (p, e) -> Losses.bce(p, Var.input("y", e.y()))),
            new Case("bce eps", true, (p, e) -> Losses.bce(p, Var.input("y", e.y()), 1e-3)));

    /** Every loss against central differences, with respect to its logits (or probabilities), on shapes up to 4x5. */
    @TestFactory
    Stream<DynamicTest> gradCheckPassesForEveryLoss() {
        return CASES.stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> {
            // one parameter per example: the loss the check rebuilds must read the same leaf
            Map<Example, Var> params = new IdentityHashMap<>();
            Function<Example, Var> param = e -> params.computeIfAbsent(e, x -> Var.param(c.ofProbabilities() ? "p" : "z",
                    c.ofProbabilities() ? x.p() : x.z()));
            GradientProperties.gradCheck(c.name(), examples(), e -> List.of(param.apply(e)), e -> c.loss().apply(param.apply(e), e))
                    .tolerance(TestSupport.RELATIVE, TestSupport.ABSOLUTE)
                    .examples(TestSupport.fewerExamples(2))
                    .check();
        }));
    }

    /** Row r's class is (2r + 1) mod cols: a target fixed by the shape, so the kit's input is the logits alone. */
    private static Var hotFor(Var logits) {
        int[] c = new int[logits.rows()];
        for (int r = 0; r < c.length; r++) c[r] = (2 * r + 1) % logits.cols();
        return Var.input("y", oneHot(c, logits.cols()));
    }

    /** A checkerboard of 0/1 targets of the logits' shape. */
    private static Var bitsFor(Var logits) {
        double[] y = new double[logits.rows() * logits.cols()];
        for (int k = 0; k < y.length; k++) y[k] = (k / logits.cols() + k % logits.cols()) % 2;
        return Var.input("y", Tensor.of(logits.rows(), logits.cols(), y));
    }

    private static Gen<Tensor> logits(Gen<Double> values) {
        return TensorGens.tensors(TensorGens.shapes(4, 5), values);
    }

    /**
     * Where the naive losses are accurate (no exp overflow or underflow to subnormals: logits within
     * +-30 for softmax, +-5 for the sigmoid, whose 1 - p cancels), they agree with the stable ones
     * in value and gradient. The absolute slack covers log(p) for p rounded to 1 (a few 1e-16).
     */
    @Test
    void naiveLossesMatchTheStableOnesWhereBothAreFinite() {
        GradientProperties.naiveMatchesStable("softmaxCrossEntropy", logits(TensorGens.uniform(-30, 30)),
                z -> Losses.naiveSoftmaxCrossEntropy(z, hotFor(z)), z -> Losses.softmaxCrossEntropy(z, hotFor(z)))
                .tolerance(1e-9, 1e-14).check();
        GradientProperties.naiveMatchesStable("binary cross-entropy", logits(TensorGens.uniform(-5, 5)),
                z -> Losses.bce(NaiveOps.sigmoid(z), bitsFor(z)), z -> Losses.bceWithLogits(z, bitsFor(z)))
                .tolerance(1e-9, 1e-14).check();
    }

    /** The true softmax cross-entropy against {@link #hotFor}, per row (m - z_t) + log(sum(exp(z - m))), scaled before summing. */
    private static Tensor trueCrossEntropy(Tensor z) {
        double loss = 0;
        int rows = z.rows();
        for (int r = 0; r < rows; r++) {
            double m = Double.NEGATIVE_INFINITY, s = 0;
            for (int c = 0; c < z.cols(); c++) m = Math.max(m, z.get(r, c));
            for (int c = 0; c < z.cols(); c++) s += Math.exp(z.get(r, c) - m);
            loss += (m / rows - z.get(r, (2 * r + 1) % z.cols()) / rows) + Math.log(s) / rows;
        }
        return Tensor.of(1, 1, loss);
    }

    /** The true mean of softplus(z) - z y against {@link #bitsFor}: softplus(-z) where y = 1, each term scaled before summing. */
    private static Tensor trueBinaryCrossEntropy(Tensor z) {
        double loss = 0;
        int n = z.rows() * z.cols();
        for (int r = 0; r < z.rows(); r++) {
            for (int c = 0; c < z.cols(); c++) {
                double v = (r + c) % 2 == 1 ? -z.get(r, c) : z.get(r, c);
                loss += (Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)))) / n;
            }
        }
        return Tensor.of(1, 1, loss);
    }

    /**
     * Over logits of any magnitude and either sign (exp's limits, where squares overflow, subnormals,
     * the largest finite values), the stable losses are finite wherever the true loss is, and so are
     * their gradients.
     */
    @Test
    void stableLossesAndTheirGradientsAreFiniteForLogitsOfAnyMagnitude() {
        Gen<Tensor> any = logits(TensorGens.edgeBiased(TensorGens.logUniform()));
        UnaryOperator<Var> ce = z -> Losses.softmaxCrossEntropy(z, hotFor(z)), bce = z -> Losses.bceWithLogits(z, bitsFor(z));
        GradientProperties.stableAgainst("softmaxCrossEntropy", any, ce, LossesTest::trueCrossEntropy).check();
        GradientProperties.stableAgainst("bceWithLogits", any, bce, LossesTest::trueBinaryCrossEntropy).check();
        GradientProperties.finiteGradients("softmaxCrossEntropy", any, ce).check();
        GradientProperties.finiteGradients("bceWithLogits", any, bce).check();
    }

    @Test
    void aTargetNeverMeetsTheMinusInfinityOfAFarOffLogit() {
        // found by the property below: log-softmax of 1e300 - MAX is beyond -MAX, and 0 * -Infinity
        // used to make the loss NaN; the true loss, -log(softmax)[1], is 0 to double precision
        Var z = Var.param("z", Tensor.row(0, Double.MAX_VALUE, -1e300));
        Var loss = Losses.softmaxCrossEntropy(z, new int[] {1});
        assertEquals(0.0, loss.item());
        loss.backward();
        assertArrayEquals(new double[] {0, 0, 0}, z.grad().toFlatArray(), 1e-300);
    }

    @Test
    void valuesMatchHandComputedPyTorchDefaults() {
        assertEquals(3.5, Losses.mse(Var.input("p", Tensor.of(2, 2, 1, 2, 3, 4)), Var.input("t", Tensor.ones(2, 2))).item(), 1e-15);
        // mean over the two elements of softplus(-2) (y = 1) and softplus(-1) (z = -1, y = 0)
        double bce = (Math.log1p(Math.exp(-2)) + Math.log1p(Math.exp(-1))) / 2;
        assertEquals(bce, Losses.bceWithLogits(Var.input("z", Tensor.row(2, -1)), Var.input("y", Tensor.row(1, 0))).item(), 1e-15);
        double p = 1 / (1 + Math.exp(-2)), q = 1 / (1 + Math.exp(1));
        assertEquals(bce, Losses.bce(Var.input("p", Tensor.row(p, q)), Var.input("y", Tensor.row(1, 0))).item(), 1e-14);
        // mean over rows: row 0 class 2, row 1 class 0
        Var z = Var.input("z", Tensor.of(2, 3, 1, 2, 3, 0, 0, 0));
        double ce = ((Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3)) - 3) + Math.log(3)) / 2;
        assertEquals(ce, Losses.softmaxCrossEntropy(z, new int[] {2, 0}).item(), 1e-15);
        assertEquals(ce, Losses.naiveSoftmaxCrossEntropy(z, new int[] {2, 0}).item(), 1e-15);
        assertEquals(ce, Losses.softmaxCrossEntropy(z, Var.input("y", oneHot(new int[] {2, 0}, 3))).item(), 1e-15);
    }

    @Test
    void lossesAreScopedAndReturn1x1() {
        Var z = Var.param("z", Tensor.of(2, 2, 1, -1, 0.5, 2));
        Var y = Var.input("y", Tensor.of(2, 2, 1, 0, 0, 1));
        List<Var> losses = List.of(Losses.mse(z, y), Losses.bceWithLogits(z, y), Losses.softmaxCrossEntropy(z, y),
                Losses.naiveSoftmaxCrossEntropy(z, y), Losses.bce(z.sigmoid(), y));
        List<String> scopes = List.of("mse/", "bceWithLogits/", "softmaxCrossEntropy/", "naiveSoftmaxCrossEntropy/", "bce/");
        for (int i = 0; i < losses.size(); i++) {
            assertEquals("1x1", losses.get(i).shape());
            assertTrue(losses.get(i).name().startsWith(scopes.get(i)), losses.get(i).name());
        }
    }

    /** Logits of magnitude 1e4 in both signs, targets in both classes. */
    private static Var hugeLogits() {
        return Var.param("z", Tensor.of(2, 3, 1e4, -1e4, 0, -1e4, 1e4, 3));
    }

    @Test
    void stableLossesStayFiniteOnHugeLogitsWhereTheNaiveOnesDoNot() {
        Var hot = Var.input("y", oneHot(new int[] {1, 1}, 3));
        Var bits = Var.input("b", Tensor.of(2, 3, 0, 1, 0, 1, 0, 1));
        // guard on (THROW): the stable losses and their gradients are finite
        Var z = hugeLogits();
        Var ce = Losses.softmaxCrossEntropy(z, hot);
        ce.backward();
        assertEquals((2e4 + 0) / 2, ce.item(), 1e-9); // row 0: the target's logit is 2e4 below the max
        assertTrue(z.grad().isFinite());
        Var z2 = hugeLogits();
        Var bce = Losses.bceWithLogits(z2, bits);
        bce.backward();
        // per element softplus(z) - z y: 1e4 (z=1e4, y=0), 1e4 (z=-1e4, y=1), log 2 (z=0), 1e4 (z=-1e4, y=1),
        // 1e4 (z=1e4, y=0), softplus(3) - 3 = log1p(exp(-3)) (z=3, y=1)
        assertEquals((4e4 + Math.log(2) + Math.log1p(Math.exp(-3))) / 6, bce.item(), 1e-9);
        assertTrue(z2.grad().isFinite());

        try (FiniteGuard.Scope off = FiniteGuard.mode(FiniteGuard.Mode.OFF)) {
            Var z3 = hugeLogits();
            assertFalse(Double.isFinite(Losses.naiveSoftmaxCrossEntropy(z3, hot).item()));
            assertFalse(Double.isFinite(Losses.bce(NaiveOps.sigmoid(z3), bits).item()));
            assertTrue(Double.isFinite(Losses.softmaxCrossEntropy(z3, hot).item()));
            assertTrue(Double.isFinite(Losses.bceWithLogits(z3, bits).item()));
        }
    }

    @Test
    void guardNamesTheNaiveSoftmaxCrossEntropysLogAsTheEntryPoint() {
        // exp(-1e4) underflows to 0 without overflowing anything, so the log is where -Inf enters
        Var z = Var.param("z", Tensor.of(2, 2, 0, -1e4, -1e4, 0));
        Var hot = Var.input("y", oneHot(new int[] {0, 0}, 2));
        assertTrue(Double.isFinite(Losses.softmaxCrossEntropy(z, hot).item()));
        NonFiniteException e = assertThrows(NonFiniteException.class, () -> Losses.naiveSoftmaxCrossEntropy(z, hot));
        NanReport r = e.report();
        assertEquals("log", r.op());
        assertEquals("naiveSoftmaxCrossEntropy/log", r.label());
        assertEquals(Cause.LOG_OF_ZERO, r.cause());
        assertEquals(Phase.FORWARD, r.phase());
        // the epsilon patch stays finite
        assertTrue(Double.isFinite(Losses.naiveSoftmaxCrossEntropy(z, hot, 1e-12).item()));
    }

    @Test
    void guardNamesTheNaiveBceLogWhenASigmoidSaturates() {
        Var z = Var.param("z", Tensor.row(1e4, 2));
        Var y = Var.input("y", Tensor.row(1, 0));
        NonFiniteException e = assertThrows(NonFiniteException.class, () -> Losses.bce(NaiveOps.sigmoid(z), y));
        assertEquals("log", e.report().op());
        assertEquals("bce/log_1", e.report().label(), "the second log of the scope, log(1 - p)");
        assertEquals(Cause.LOG_OF_ZERO, e.report().cause());
        assertTrue(Double.isFinite(Losses.bce(NaiveOps.sigmoid(z), y, 1e-12).item()));
        assertTrue(Double.isFinite(Losses.bceWithLogits(z, y).item()));
    }

    @Test
    void shapeMismatchesNameTheLossAndBothShapes() {
        Var a = Var.input("pred", Tensor.ones(2, 3));
        Var b = Var.input("target", Tensor.ones(3, 2));
        List<BiFunction<Var, Var, Var>> losses = List.of(Losses::mse, Losses::bceWithLogits, Losses::softmaxCrossEntropy,
                Losses::bce, Losses::naiveSoftmaxCrossEntropy);
        List<String> names = List.of("mse", "bceWithLogits", "softmaxCrossEntropy", "bce", "naiveSoftmaxCrossEntropy");
        for (int i = 0; i < losses.size(); i++) {
            BiFunction<Var, Var, Var> loss = losses.get(i);
            ShapeException e = assertThrows(ShapeException.class, () -> loss.apply(a, b));
            String m = e.getMessage();
            assertTrue(m.startsWith(names.get(i) + ":") && m.contains("2x3") && m.contains("3x2")
                    && m.contains("'pred'") && m.contains("'target'"), m);
        }
    }

    @Test
    void classIndicesAreChecked() {
        Var z = Var.input("logits", Tensor.ones(2, 3));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Losses.softmaxCrossEntropy(z, new int[] {0, 3}));
        assertTrue(e.getMessage().contains("class index 3 at row 1") && e.getMessage().contains("[0, 3)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Losses.softmaxCrossEntropy(z, new int[] {-1, 0}));
        assertTrue(e.getMessage().contains("-1"), e.getMessage());
        e = assertThrows(ShapeException.class, () -> Losses.softmaxCrossEntropy(z, new int[] {0, 1, 2}));
        assertTrue(e.getMessage().contains("2 indices, got 3"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Losses.bce(z, z, -1e-8));
        assertTrue(e.getMessage().contains("eps"), e.getMessage());
    }
}
