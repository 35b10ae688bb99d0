package io.finitegrad.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import io.finitegrad.autodiff.Cause;
import io.finitegrad.autodiff.GradCheck;
import io.finitegrad.autodiff.NanReport;
import io.finitegrad.autodiff.NonFiniteException;
import io.finitegrad.autodiff.ShapeException;
import io.finitegrad.autodiff.Var;
import io.finitegrad.core.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class NormalizationTest {

    /** sum(y * c) for a fixed random c, so that no gradient is identically zero by symmetry. */
    private static Supplier<Var> projected(Layer m, Var x, Tensor c) {
        Var cv = Var.constant(c);
        return () -> m.forward(x).mul(cv).sum();
    }

    @Test
    void batchNormGradCheckInTrainingMode() {
        qt().withExamples(TestSupport.fewerExamples(2))
                .forAll(integers().between(3, 6), integers().between(1, 4), longs().all())
                .checkAssert((batch, features, seed) -> {
                    Random rng = new Random(seed);
                    BatchNorm bn = new BatchNorm("bn", features, 1e-5, 0.1);
                    TestSupport.fill(bn.parameters().get(0), TestSupport.uniform(rng, 1, features, 0.5, 2));
                    TestSupport.fill(bn.parameters().get(1), TestSupport.gaussian(rng, 1, features, 1));
                    Var x = Var.param("x", TestSupport.gaussian(rng, batch, features, 2));
                    List<Var> params = new ArrayList<>(bn.parameters());
                    params.add(x);
                    GradCheck.Result r = GradCheck.check(projected(bn, x, TestSupport.gaussian(rng, batch, features, 1)), params);
                    TestSupport.assertGradCheck(r, "BatchNorm " + batch + "x" + features);
                });
    }

    @Test
    void layerNormGradCheck() {
        qt().withExamples(TestSupport.fewerExamples(2))
                .forAll(integers().between(1, 4), integers().between(3, 6), longs().all())
                .checkAssert((batch, features, seed) -> {
                    Random rng = new Random(seed);
                    LayerNorm ln = new LayerNorm("ln", features, 1e-5);
                    TestSupport.fill(ln.parameters().get(0), TestSupport.uniform(rng, 1, features, 0.5, 2));
                    TestSupport.fill(ln.parameters().get(1), TestSupport.gaussian(rng, 1, features, 1));
                    Var x = Var.param("x", TestSupport.gaussian(rng, batch, features, 2));
                    List<Var> params = new ArrayList<>(ln.parameters());
                    params.add(x);
                    GradCheck.Result r = GradCheck.check(projected(ln, x, TestSupport.gaussian(rng, batch, features, 1)), params);
                    TestSupport.assertGradCheck(r, "LayerNorm " + batch + "x" + features);
                });
    }

    @Test
    void batchNormTrainingNormalisesEachFeatureAndUpdatesRunningStatsAsPyTorch() {
        double[][] x = {{1, 10}, {2, 20}, {4, 40}, {5, 50}};
        double eps = 1e-5, momentum = 0.1;
        BatchNorm bn = new BatchNorm("bn", 2, eps, momentum);
        Tensor y = bn.forward(Var.input("x", Tensor.of(x))).value();
        for (int j = 0; j < 2; j++) {
            double mean = 0, var = 0;
            for (double[] row : x) mean += row[j] / 4;
            for (double[] row : x) var += (row[j] - mean) * (row[j] - mean) / 4; // biased, for normalising
            for (int i = 0; i < 4; i++) assertEquals((x[i][j] - mean) / Math.sqrt(var + eps), y.get(i, j), 1e-12);
            assertEquals(momentum * mean, bn.runningMean().get(0, j), 1e-12);
            assertEquals((1 - momentum) * 1 + momentum * var * 4 / 3, bn.runningVar().get(0, j), 1e-12); // unbiased
        }
        Tensor rm = bn.runningMean(), rv = bn.runningVar();

        bn.eval();
        double[] probe = {3, 30};
        Tensor e = bn.forward(Var.input("x", Tensor.row(probe))).value();
        for (int j = 0; j < 2; j++) {
            assertEquals((probe[j] - rm.get(0, j)) / Math.sqrt(rv.get(0, j) + eps), e.get(0, j), 1e-12);
        }
        assertEquals(rm, bn.runningMean(), "eval must not update the running statistics");
    }

    @Test
    void batchNormRunningStatsConvergeToTheDataStatistics() {
        Random rng = new Random(12);
        BatchNorm bn = new BatchNorm("bn", 1, 1e-5, 0.1);
        for (int step = 0; step < 300; step++) {
            Tensor batch = TestSupport.gaussian(rng, 32, 1, 3).map(v -> v + 5); // N(5, 9)
            bn.forward(Var.input("x", batch));
        }
        assertEquals(5, bn.runningMean().item(), 0.3);
        assertEquals(9, bn.runningVar().item(), 1.5);
    }

    @Test
    void batchNormTrainingNeedsTwoRowsAndMatchingFeatures() {
        BatchNorm bn = new BatchNorm("bn", 3, 1e-5, 0.1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> bn.forward(Var.input("x", Tensor.ones(1, 3))));
        assertTrue(e.getMessage().contains("bn") && e.getMessage().contains("1x3"), e.getMessage());
        bn.eval();
        assertEquals("1x3", bn.forward(Var.input("x", Tensor.ones(1, 3))).shape());
        e = assertThrows(ShapeException.class, () -> bn.forward(Var.input("x", Tensor.ones(4, 2))));
        assertTrue(e.getMessage().contains("4x2") && e.getMessage().contains("x 3"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new BatchNorm(3, -1e-5, 0.1));
        assertThrows(IllegalArgumentException.class, () -> new BatchNorm(3, 1e-5, 1.5));
    }

    @Test
    void layerNormNormalisesEachRow() {
        LayerNorm ln = new LayerNorm("ln", 4, 1e-5);
        double[] row = {1, 2, 3, 10};
        Tensor y = ln.forward(Var.input("x", Tensor.of(1, 4, row))).value();
        double mean = 4, var = (9 + 4 + 1 + 36) / 4.0;
        for (int j = 0; j < 4; j++) assertEquals((row[j] - mean) / Math.sqrt(var + 1e-5), y.get(0, j), 1e-12);
    }

    /** A constant row has variance 0: with epsilon it normalises to 0, without it to 0/0. */
    @Test
    void layerNormWithoutEpsilonTurnsAConstantRowInto0Over0AndTheGuardSaysWhere() {
        Tensor x = Tensor.of(new double[][] {{1, 2, 4}, {5, 5, 5}});
        Tensor safe = new LayerNorm("ln_eps", 3, 1e-5).forward(Var.input("x", x)).value();
        assertTrue(safe.isFinite());
        assertEquals(0.0, safe.get(1, 0), 0);

        LayerNorm ln = new LayerNorm("ln_raw", 3, 0.0);
        NonFiniteException e = assertThrows(NonFiniteException.class, () -> ln.forward(Var.input("x", x)));
        NanReport r = e.report();
        assertEquals("ln_raw/normalize/div", r.label());
        assertEquals("div", r.op());
        assertEquals(Cause.ZERO_DIV_ZERO, r.cause());
        assertEquals(1, r.row());
    }
}
