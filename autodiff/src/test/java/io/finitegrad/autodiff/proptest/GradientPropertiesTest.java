package io.finitegrad.autodiff.proptest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.finitegrad.autodiff.NaiveOps;
import io.finitegrad.autodiff.Var;
import io.finitegrad.autodiff.op.Cause;
import io.finitegrad.autodiff.op.Op;
import io.finitegrad.core.Tensor;
import java.util.List;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.quicktheories.core.Gen;

/**
 * Each property passes on a correct op and fails on a planted broken one, and the failure names
 * the shrunk input, the node and the cause.
 */
class GradientPropertiesTest {
    /** Softplus with a stable forward and a textbook VJP, g * e^x / (1 + e^x): NaN once e^x overflows. */
    static final class NaiveVjpSoftplus implements Op {
        private final boolean fixed;

        NaiveVjpSoftplus(boolean fixed) {
            this.fixed = fixed;
        }

        public String name() { return fixed ? "fixedSoftplus" : "mySoftplus"; }

        public DMatrixRMaj forward(DMatrixRMaj[] x) {
            DMatrixRMaj y = x[0].createLike();
            for (int i = 0; i < y.data.length; i++) {
                double v = x[0].data[i];
                y.data[i] = Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)));
            }
            return y;
        }

        public DMatrixRMaj vjp(int i, DMatrixRMaj[] x, DMatrixRMaj y, DMatrixRMaj g) {
            DMatrixRMaj d = x[0].createLike();
            for (int k = 0; k < d.data.length; k++) {
                double v = x[0].data[k];
                double e = Math.exp(fixed ? -Math.abs(v) : v);
                double s = fixed ? (v >= 0 ? 1 / (1 + e) : e / (1 + e)) : e / (1 + e);
                d.data[k] = g.data[k] * s;
            }
            return d;
        }
    }

    /** x^3 whose VJP forgot a factor: 2x^2 instead of 3x^2. */
    static final class WrongCube implements Op {
        public String name() { return "cube"; }

        public DMatrixRMaj forward(DMatrixRMaj[] x) {
            DMatrixRMaj y = x[0].createLike();
            for (int i = 0; i < y.data.length; i++) y.data[i] = x[0].data[i] * x[0].data[i] * x[0].data[i];
            return y;
        }

        public DMatrixRMaj vjp(int i, DMatrixRMaj[] x, DMatrixRMaj y, DMatrixRMaj g) {
            DMatrixRMaj d = x[0].createLike();
            for (int k = 0; k < d.data.length; k++) d.data[k] = g.data[k] * 2 * x[0].data[k] * x[0].data[k];
            return d;
        }
    }

    /** The identity with a VJP that is always NaN. */
    static final Op NAN_VJP = new Op() {
        public String name() { return "nanVjp"; }
        public DMatrixRMaj forward(DMatrixRMaj[] x) { return x[0].copy(); }
        public DMatrixRMaj vjp(int i, DMatrixRMaj[] x, DMatrixRMaj y, DMatrixRMaj g) {
            DMatrixRMaj d = g.createLike();
            java.util.Arrays.fill(d.data, Double.NaN);
            return d;
        }
    };

    /**
     * Failing properties are searched with this seed whatever -DQT_SEED says, so that a test that
     * expects a failure (and its shrunk input) does not depend on the run's seed.
     */
    private static final long SEED = 20261123L;

    private static final Gen<Tensor> EDGY_SCALARS = TensorGens.scalars(TensorGens.edgeBiased());

    private static PropertyFailure fails(Executable check) {
        return assertThrows(PropertyFailure.class, check);
    }

    private static void assertMentions(PropertyFailure f, String... parts) {
        for (String p : parts) assertTrue(f.getMessage().contains(p), "expected '" + p + "' in:\n" + f.getMessage());
    }

    // ---- finite gradients ----------------------------------------------------------------------

    @Test
    void finiteGradientsFailsOnANaiveVjpWithTheShrunkInputTheNodeAndTheCause() {
        PropertyFailure f = fails(() -> GradientProperties.finiteGradients("mySoftplus", EDGY_SCALARS,
                x -> Var.apply(new NaiveVjpSoftplus(false), x)).seed(SEED).check());
        assertEquals("1x1 [[709.7827128933841]]", f.input(), "shrunk to the first x whose e^x overflows");
        assertNotNull(f.report());
        assertEquals(Cause.UNDEFINED, f.report().cause());
        assertEquals("mySoftplus", f.report().op());
        assertMentions(f, "finiteGradients(mySoftplus) does not hold", "input (shrunk): 1x1 [[709.7827128933841]]",
                "gradient at (0, 0) is NaN", "entry point (BACKWARD): mySoftplus", "UNDEFINED", "remedy:",
                "GradientPropertiesTest.java", "reproduce: .seed(" + f.seed() + "L)");
    }

    @Test
    void finiteGradientsPassesOnTheFixedVjpAndOnTheBuiltInOps() {
        GradientProperties.finiteGradients("fixedSoftplus", EDGY_SCALARS, x -> Var.apply(new NaiveVjpSoftplus(true), x)).check();
        GradientProperties.finiteGradients("softplus", EDGY_SCALARS, Var::softplus).check();
        GradientProperties.finiteGradients("sigmoid", EDGY_SCALARS, Var::sigmoid).check();
        GradientProperties.finiteGradients("logSoftmax", TensorGens.tensors(2, 3, TensorGens.edgeBiased()), Var::logSoftmax).check();
    }

    @Test
    void anInfiniteExactDerivativePasses() {
        // sqrt'(0) = 1/(2 sqrt(0)) is infinite: the computed Inf is correct, and 0 is an edge value
        Gen<Tensor> nonNegative = TensorGens.scalars(TensorGens.positive(TensorGens.edgeBiased()));
        GradientProperties.finiteGradients("sqrt", nonNegative, Var::sqrt).check();
        GradientProperties.finiteGradients("sqrt", nonNegative, Var::sqrt).derivative(v -> 0.5 / Math.sqrt(v)).check();
    }

    @Test
    void aMaskedBranchsInfinityReturningInBackwardFails() {
        // the masked log(x) is -Inf at x = 0; its gradient comes back as 0 * (1/0) = NaN although
        // the output never depends on it: the double-where bug, whose exact gradient is 0
        Tensor selectOther = Tensor.scalar(0);
        Gen<Tensor> xs = TensorGens.scalars(TensorGens.positive(TensorGens.edgeValues()));
        PropertyFailure f = fails(() -> GradientProperties.finiteGradients("maskedLog", xs,
                x -> x.log().where(selectOther, Var.constant(0))).seed(SEED).check());
        assertEquals("1x1 [[0.0]]", f.input());
        assertEquals(Cause.LOG_OF_ZERO, f.report().cause());
        assertMentions(f, "log", "LOG_OF_ZERO", "then:");
        PropertyFailure withReference = fails(() -> GradientProperties.finiteGradients("maskedLog", xs,
                x -> x.log().where(selectOther, Var.constant(0))).reference(x -> Tensor.zeros(1, 1)).seed(SEED).check());
        assertMentions(withReference, "where the exact one is 0.0");
    }

    @Test
    void anIntermediatesInfiniteLocalDerivativeFails() {
        // log(softmax(x)): d log(p)/dp = 1/p overflows for p ~ 1e-309, but the gradient to x is finite
        Gen<Tensor> logits = TensorGens.tensors(1, 2, TensorGens.edgeBiased(TensorGens.uniform(-1000, 1000)));
        PropertyFailure f = fails(() -> GradientProperties.finiteGradients("naiveLogSoftmax", logits, NaiveOps::logSoftmax).seed(SEED).check());
        assertMentions(f, "naiveLogSoftmax/log", "OVERFLOW");
        // a method reference into the library: the site is the test's line that ran the property,
        // not a frame of the property-test runner that called it back
        assertTrue(f.report().site().startsWith("GradientPropertiesTest.java:"), f.report().site());
    }

    @Test
    void elementsWithoutACentralDifferenceAreLeftOut() {
        // at MAX_VALUE, x + h overflows: there is no central difference to compare with
        GradientProperties.gradCheck("identity", TensorGens.scalars(TensorGens.edgeBiased()), x -> x.mul(1)).check();
    }

    record Batch(Tensor x, Tensor y) {
    }

    @Test
    void aModelsParametersAreCheckedTogetherAndAWrongVjpInsideIsCaught() {
        Var w = Var.param("w", Tensor.of(2, 2, 0.5, -0.3, 0.2, 0.8));
        Var b = Var.param("b", Tensor.row(0.1, -0.1));
        Gen<Batch> batches = TensorGens.tensors(3, 2, TensorGens.uniform(-2, 2))
                .zip(TensorGens.tensors(3, 2, TensorGens.uniform(-1, 1)), Batch::new);
        GradientProperties.gradCheck("tanhLayer", batches, e -> List.of(w, b),
                e -> Var.input("x", e.x()).matmul(w).add(b).tanh().sub(Var.constant(e.y())).square().mean()).check();
        PropertyFailure f = fails(() -> GradientProperties.gradCheck("cubeLayer", batches, e -> List.of(w, b),
                e -> Var.apply(new WrongCube(), Var.input("x", e.x()).matmul(w).add(b)).mean()).seed(SEED).check());
        // shrunk to x = 0, where only the bias's gradient is wrong
        assertMentions(f, "gradCheck(cubeLayer) does not hold", "'b' at (0, 0): analytic 0.01, central difference 0.015");
        IllegalArgumentException twice = assertThrows(IllegalArgumentException.class, () -> GradientProperties.gradCheck("dup",
                batches, e -> List.of(w, Var.param("w", Tensor.scalar(1))), e -> w.sum()).check());
        assertTrue(twice.getMessage().contains("two parameters are named 'w'"), twice.getMessage());
    }

    @Test
    void skipIfLeavesOutTheExamplesItNames() {
        // relu(x w - 0.5) has its kink inside the model, at x = 0.5 for w = 1
        Var w = Var.param("w", Tensor.column(1.0));
        Gen<Tensor> xs = TensorGens.scalars(org.quicktheories.generators.Generate.pick(List.of(0.25, 0.5, 0.75)));
        fails(() -> GradientProperties.gradCheck("relu", xs, x -> List.of(w),
                x -> Var.input("x", x).matmul(w).sub(0.5).relu().sum()).seed(SEED).check());
        GradientProperties.gradCheck("relu", xs, x -> List.of(w), x -> Var.input("x", x).matmul(w).sub(0.5).relu().sum())
                .skipIf(x -> Math.abs(x.item() - 0.5) < 1e-4).check();
    }

    // ---- gradient check ------------------------------------------------------------------------

    @Test
    void gradCheckCatchesAWrongVjpAndListsTheWorstElements() {
        PropertyFailure f = fails(() -> GradientProperties.gradCheck("cube", TensorGens.tensors(2, 2, TensorGens.uniform(-2, 2)),
                x -> Var.apply(new WrongCube(), x)).seed(SEED).check());
        assertNull(f.report(), "a wrong finite gradient has no NaN/Inf entry");
        assertMentions(f, "gradCheck(cube) does not hold", "gradients differ at", "analytic", "central difference");
        GradientProperties.gradCheck("pow3", TensorGens.tensors(2, 2, TensorGens.uniform(-2, 2)), x -> x.pow(3)).check();
    }

    @Test
    void gradCheckSkipsTheKinksItIsTold() {
        Gen<Tensor> xs = TensorGens.tensors(2, 2, TensorGens.edgeBiased(TensorGens.uniform(-3, 3)).map(v -> Math.max(-3, Math.min(3, v))));
        PropertyFailure atKink = fails(() -> GradientProperties.gradCheck("relu", xs, Var::relu).seed(SEED).check());
        assertTrue(atKink.input().contains("0.0"), atKink.input());
        GradientProperties.gradCheck("relu", xs, Var::relu).kinksAt(0).check();
    }

    @Test
    void gradCheckCatchesAVjpThatMixesUpElements() {
        // the transpose of a square matrix with the gradient passed back untransposed
        Op badTranspose = new Op() {
            public String name() { return "badTranspose"; }
            public DMatrixRMaj forward(DMatrixRMaj[] x) {
                DMatrixRMaj y = new DMatrixRMaj(x[0].numCols, x[0].numRows);
                org.ejml.dense.row.CommonOps_DDRM.transpose(x[0], y);
                return y;
            }
            public DMatrixRMaj vjp(int i, DMatrixRMaj[] x, DMatrixRMaj y, DMatrixRMaj g) {
                return g.copy();
            }
        };
        fails(() -> GradientProperties.gradCheck("badTranspose", TensorGens.tensors(2, 2, TensorGens.uniform(-1, 1)),
                x -> Var.apply(badTranspose, x)).seed(SEED).check());
        GradientProperties.gradCheck("transpose", TensorGens.tensors(2, 2, TensorGens.uniform(-1, 1)), Var::transpose).check();
    }

    // ---- stability against a reference ---------------------------------------------------------

    /** log(sum(exp(row))) from the row's max, in plain doubles: finite for every finite row. */
    private static Tensor logSumExpReference(Tensor x) {
        double[][] a = x.toArray();
        double[] out = new double[a.length];
        for (int r = 0; r < a.length; r++) {
            double m = Double.NEGATIVE_INFINITY, s = 0;
            for (double v : a[r]) m = Math.max(m, v);
            for (double v : a[r]) s += Math.exp(v - m);
            out[r] = m + Math.log(s);
        }
        return Tensor.column(out);
    }

    @Test
    void stableAgainstAReferenceFailsOnTheNaiveFormulaAndPassesOnTheStableOne() {
        Gen<Tensor> rows = TensorGens.tensors(2, 3, TensorGens.edgeBiased(TensorGens.uniform(-1000, 1000)));
        GradientProperties.stableAgainst("logSumExp", rows, Var::logSumExp, GradientPropertiesTest::logSumExpReference)
                .tolerance(1e-12).check();
        PropertyFailure f = fails(() -> GradientProperties.stableAgainst("naiveLogSumExp", rows, NaiveOps::logSumExp,
                GradientPropertiesTest::logSumExpReference).seed(SEED).check());
        assertEquals(Cause.EXP_OVERFLOW, f.report().cause());
        assertMentions(f, "naiveLogSumExp/exp", "EXP_OVERFLOW", "where the reference is", "709.78");
    }

    // ---- naive vs stable ----------------------------------------------------------------------

    @Test
    void naiveAndStableTwinsAgreeWhereBothAreFinite() {
        Gen<Tensor> logits = TensorGens.tensors(2, 3, TensorGens.uniform(-700, 700));
        GradientProperties.naiveMatchesStable("softmax", logits, NaiveOps::softmax, Var::softmax).check();
        GradientProperties.naiveMatchesStable("sigmoid", TensorGens.scalars(TensorGens.edgeBiased()), NaiveOps::sigmoid, Var::sigmoid).check();
        PropertyFailure f = fails(() -> GradientProperties.naiveMatchesStable("softmax", logits, NaiveOps::softmax,
                x -> x.softmax().mul(1 + 1e-6)).seed(SEED).check());
        assertMentions(f, "naiveMatchesStable(softmax) does not hold", "value at (0, 0): naive");
    }

    @Test
    void aNaiveFormulaThatIsFiniteButWrongFails() {
        // exp(709.78) is finite, but two of them overflow the sum: the naive softmax returns 0 for a
        // probability of 1/2 without any NaN or Inf in its output; every pair of edge values is tried
        Gen<Tensor> edges = TensorGens.tensors(1, 2, TensorGens.edgeValues());
        PropertyFailure f = fails(() -> GradientProperties.naiveMatchesStable("softmax", edges, NaiveOps::softmax, Var::softmax)
                .examples(2000).seed(SEED).check());
        assertEquals("1x2 [[709.782712893384, 709.782712893384]]", f.input());
        assertMentions(f, "naive 0.0, stable 0.5");
    }

    // ---- finite over an interval ---------------------------------------------------------------

    @Test
    void finiteThroughoutNamesTheFirstBreakingInputAndPassesOnTheStableTwin() {
        GradientProperties.finiteThroughout("logSumExp", x -> Var.concatCols(x, Var.constant(0)).logSumExp(), -1e4, 1e4).check();
        PropertyFailure f = fails(() -> GradientProperties.finiteThroughout("naiveLogSumExp",
                x -> NaiveOps.logSumExp(Var.concatCols(x, Var.constant(0))), 0, 1e4).check());
        assertEquals("x = 709.7827128933841", f.input());
        assertEquals(Cause.EXP_OVERFLOW, f.report().cause());
        assertMentions(f, "finiteThroughout(naiveLogSumExp) does not hold (searched from 0.0 to 10000.0)",
                "the value is non-finite from x = 709.7827128933841; finite up to x = 709.782712893384", "naiveLogSumExp/exp");
        assertTrue(!f.getMessage().contains("reproduce"), "a deterministic search has no seed to give");
    }

    // ---- a training step -----------------------------------------------------------------------

    @Test
    void aTrainingStepStaysFiniteOnScaledInputsAndNotOnHugeOnes() {
        Var w = Var.param("w", Tensor.column(0.5, -0.25));
        Tensor before = w.value();
        Gen<Tensor> small = TensorGens.tensors(4, 2, TensorGens.uniform(-10, 10));
        GradientProperties.trainingStepStaysFinite("linear", small, List.of(w), x -> Var.input("x", x).matmul(w).sub(1).square().mean()).check();
        assertEquals(before, w.value(), "the parameters are put back");

        Gen<Tensor> huge = TensorGens.tensors(4, 2, TensorGens.logUniform(1, 1e300));
        PropertyFailure f = fails(() -> GradientProperties.trainingStepStaysFinite("linear", huge, List.of(w),
                x -> Var.input("x", x).matmul(w).sub(1).square().mean()).seed(SEED).check());
        assertMentions(f, "trainingStepStaysFinite(linear) does not hold", "the loss is Infinity", "pow", "OVERFLOW");
        assertArrayEquals(before.toFlatArray(), w.value().toFlatArray(), "put back after a failure too");
    }

    @Test
    void aStepThatOverflowsTheParametersFails() {
        // the loss x * w and its gradient x are finite; -1.7e308 - 1e308 * x is not
        Var w = Var.param("w", Tensor.column(-1.7e308));
        PropertyFailure f = fails(() -> GradientProperties.trainingStepStaysFinite("big", TensorGens.scalars(TensorGens.uniform(0.5, 1)),
                List.of(w), x -> Var.input("x", x).matmul(w).sum()).sgd(1e308).seed(SEED).check());
        assertMentions(f, "'w' at (0, 0) is -Infinity after the step (SGD at learning rate 1.0E308)");
        assertNotNull(f.report(), "the step is replayed under the guard");
        RuntimeException refused = new IllegalStateException("refused");
        PropertyFailure viaOptimizer = fails(() -> GradientProperties.trainingStepStaysFinite("opt",
                TensorGens.scalars(TensorGens.uniform(1, 2)), List.of(w), x -> Var.input("x", x).matmul(w).sum()).update(() -> {
                    throw refused;
                }).seed(SEED).check());
        assertMentions(viaOptimizer, "the update threw java.lang.IllegalStateException: refused");
    }

    // ---- determinism and configuration ---------------------------------------------------------

    @Test
    void aFailureIsReproducedFromItsSeed() {
        Gen<Tensor> xs = TensorGens.tensors(1, 3, TensorGens.edgeBiased());
        PropertyFailure first = fails(() -> GradientProperties.finiteGradients("mySoftplus", xs,
                x -> Var.apply(new NaiveVjpSoftplus(false), x)).seed(99).check());
        PropertyFailure again = fails(() -> GradientProperties.finiteGradients("mySoftplus", xs,
                x -> Var.apply(new NaiveVjpSoftplus(false), x)).seed(first.seed()).check());
        assertEquals(99, first.seed());
        assertEquals(first.input(), again.input());
        assertEquals(first.examples(), again.examples());
    }

    @Test
    void theSeedAndExampleCountComeFromTheSystemPropertiesUnlessGiven() {
        String seed = System.getProperty("QT_SEED"), examples = System.getProperty("QT_EXAMPLES");
        try {
            System.setProperty("QT_SEED", "12345");
            System.setProperty("QT_EXAMPLES", "3");
            PropertyFailure f = fails(() -> GradientProperties.finiteGradients("alwaysNaN", EDGY_SCALARS, x -> Var.apply(NAN_VJP, x)).check());
            assertTrue(f.examples() <= 3, f.examples() + " examples");
            assertEquals(12345, f.seed());
            System.clearProperty("QT_SEED");
            System.clearProperty("QT_EXAMPLES");
            assertEquals(StabilityProperty.DEFAULT_SEED, Settings.seed());
            assertEquals(StabilityProperty.DEFAULT_EXAMPLES, Settings.examples());
            System.setProperty("QT_EXAMPLES", "many");
            IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, Settings::examples);
            assertTrue(bad.getMessage().contains("QT_EXAMPLES") && bad.getMessage().contains("many"), bad.getMessage());
        } finally {
            restore("QT_SEED", seed);
            restore("QT_EXAMPLES", examples);
        }
    }

    private static void restore(String key, String value) {
        if (value == null) System.clearProperty(key);
        else System.setProperty(key, value);
    }

    @Test
    void aPropertyThatCheckedNothingSaysSoInsteadOfPassing() {
        // exp overflows for every input drawn: finiteGradients claims nothing outside exp's finite range
        Gen<Tensor> huge = TensorGens.scalars(TensorGens.uniform(1e3, 1e4));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> GradientProperties.finiteGradients("exp", huge, Var::exp).check());
        assertTrue(e.getMessage().contains("finiteGradients(exp) checked nothing"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> GradientProperties.gradCheck("relu",
                TensorGens.scalars(TensorGens.uniform(0, 0)), Var::relu).kinksAt(0).check());
    }

    @Test
    void badSettingsNameTheProperty() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GradientProperties.finiteGradients("mine", EDGY_SCALARS, Var::exp).examples(0));
        assertTrue(e.getMessage().contains("finiteGradients(mine)") && e.getMessage().contains("0"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> GradientProperties.gradCheck("g", EDGY_SCALARS, Var::exp).tolerance(-1, 0));
        assertThrows(IllegalArgumentException.class, () -> GradientProperties.finiteGradients("n", null, Var::exp));
        assertThrows(IllegalArgumentException.class, () -> GradientProperties.trainingStepStaysFinite("t", EDGY_SCALARS,
                List.of(Var.input("x", Tensor.scalar(1))), x -> Var.constant(x)));
    }
}
