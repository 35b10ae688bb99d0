package io.finitegrad.optim.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.finitegrad.autodiff.EarlyWarning;
import io.finitegrad.autodiff.FiniteGuard;
import io.finitegrad.autodiff.Var;
import io.finitegrad.autodiff.op.Cause;
import io.finitegrad.core.Precision;
import io.finitegrad.core.Tensor;
import io.finitegrad.layers.Layer;
import io.finitegrad.layers.Losses;
import io.finitegrad.optim.SGD;
import io.finitegrad.optim.data.Dataset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Static and dynamic loss scaling in the Trainer (the GradScaler part of issue 17): the API's
 * checks, exactness of a power-of-two scale, growth, halving and skipping on an overflow, and
 * divergence that scaling must not hide.
 */
@SuppressWarnings("try") // guard scopes opened for their effect
class LossScalingTest {
    /** Every step's scale and skip, as the listener hears them. */
    static final class Scales implements TrainingListener {
        final List<Double> scales = new ArrayList<>();
        final List<Boolean> skips = new ArrayList<>();
        final List<Double> norms = new ArrayList<>();
        final List<EarlyWarning> warnings = new ArrayList<>();

        @Override
        public void afterStep(int epoch, int batch, double loss, double gradNorm) {
            norms.add(gradNorm);
        }

        @Override
        public void onLossScale(int epoch, int batch, double scale, boolean skipped) {
            scales.add(scale);
            skips.add(skipped);
        }

        @Override
        public void onWarning(int epoch, int batch, EarlyWarning warning) {
            warnings.add(warning);
        }
    }

    /** 8 rows of 2 features in [0, 1), targets x @ (1, -1). */
    static Dataset line() {
        double[][] x = new double[8][2];
        double[] y = new double[8];
        java.util.Random rng = new java.util.Random(4);
        for (int i = 0; i < 8; i++) {
            x[i][0] = Math.round(rng.nextDouble() * 64) / 64.0; // exact in float16
            x[i][1] = Math.round(rng.nextDouble() * 64) / 64.0;
            y[i] = x[i][0] - x[i][1];
        }
        return Dataset.of(Tensor.of(x), Tensor.column(y));
    }

    private static Var weights() {
        return Var.param("w", Tensor.of(2, 1, 0.25, 0.5));
    }

    private static Trainer.Builder sgd(Var w, int epochs, int batch) {
        return Trainer.builder(LinearModel.of(w), Losses::mse, new SGD(List.of(w), 0.1))
                .epochs(epochs).batchSize(batch).seed(1).quiet(true);
    }

    @Test
    void aStaticScaleMustBeAPowerOfTwoAndIsNamedWhenItIsNot() {
        for (double bad : new double[] {1000, 0, -1024, Double.NaN, Double.POSITIVE_INFINITY, 3}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> sgd(weights(), 1, 8).lossScale(bad));
            assertTrue(e.getMessage().contains("lossScale") && e.getMessage().contains(String.valueOf(bad)), e.getMessage());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> sgd(weights(), 1, 8).dynamicLossScale(3, 10));
        assertTrue(e.getMessage().contains("3.0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> sgd(weights(), 1, 8).dynamicLossScale(4, 0));
        assertTrue(e.getMessage().contains("growth interval") && e.getMessage().contains("0"), e.getMessage());
        sgd(weights(), 1, 8).lossScale(0.5).lossScale(1024).dynamicLossScale(1, 1); // powers of two, below 1 too
    }

    @Test
    void aScaleThatIsInfinityInTheFormatIsRefusedBeforeTheFirstStep() {
        Var w = weights();
        Trainer t = sgd(w, 1, 8).precision(Precision.FLOAT16).lossScale(65536).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.fit(line()));
        assertTrue(e.getMessage().contains("2^16") && e.getMessage().contains("float16")
                && e.getMessage().contains("2^15"), e.getMessage());
        assertEquals(0, w.version(), "no step");
    }

    /** Scaling by a power of two and back is exact where nothing underflows or overflows. */
    @Test
    void aStaticScaleGivesTheSameGradientsAndParametersAsNoScale() {
        for (Precision p : new Precision[] {Precision.FLOAT64, Precision.FLOAT32, Precision.FLOAT16}) {
            Var plain = weights(), scaled = weights();
            Scales a = new Scales(), b = new Scales();
            History hp = sgd(plain, 5, 4).precision(p).listener(a).build().fit(line());
            History hs = sgd(scaled, 5, 4).precision(p).lossScale(1024).listener(b).build().fit(line());
            assertEquals(a.norms, b.norms, p + ": gradient norms");
            assertArrayEquals(plain.value().toFlatArray(), scaled.value().toFlatArray(), 0, p + ": parameters");
            assertEquals(hp.last().loss(), hs.last().loss(), 0, p.label());
            assertEquals(List.of(1.0, 1.0, 1.0, 1.0, 1.0), hp.lossScales());
            assertEquals(List.of(1024.0, 1024.0, 1024.0, 1024.0, 1024.0), hs.lossScales());
            assertEquals(List.of(0, 0, 0, 0, 0), hs.skippedSteps());
            assertTrue(a.scales.isEmpty(), "no loss-scale callbacks without scaling");
            assertEquals(10, b.scales.size());
            assertTrue(b.scales.stream().allMatch(s -> s == 1024.0) && b.skips.stream().noneMatch(s -> s));
        }
    }

    @Test
    void aDynamicScaleDoublesAfterTheGrowthIntervalUpToTheFormatsLargestPowerOfTwo() {
        Scales s = new Scales();
        History h = sgd(weights(), 5, 4).dynamicLossScale(2, 3).listener(s).build().fit(line());
        assertEquals(List.of(2.0, 2.0, 2.0, 4.0, 4.0, 4.0, 8.0, 8.0, 8.0, 16.0), s.scales);
        // the scale after each epoch's second step: step 3 doubled it to 4, step 6 to 8, step 9 to 16
        assertEquals(List.of(2.0, 4.0, 8.0, 8.0, 16.0), h.lossScales());
        assertEquals(List.of(0, 0, 0, 0, 0), h.skippedSteps());
        Scales f = new Scales();
        sgd(weights(), 3, 8).precision(Precision.FLOAT16).dynamicLossScale(16384, 1).listener(f).build().fit(line());
        assertEquals(List.of(16384.0, 32768.0, 32768.0), f.scales, "2^16 is Infinity in float16: the scale stops at 2^15");
    }

    @Test
    void theDefaultDynamicScaleStartsAt2To16And2To15InFloat16() {
        for (Precision p : Precision.values()) {
            Scales s = new Scales();
            sgd(weights(), 1, 8).precision(p).dynamicLossScale().listener(s).build().fit(line());
            assertEquals(p == Precision.FLOAT16 ? 32768.0 : 65536.0, s.scales.get(0), p.label());
        }
    }

    /**
     * One row of features 64 makes the float16 gradient of w overflow at scales 2^15 to 2^8 (a
     * matmul's vjp beyond 65,504): each such step is skipped and the scale halves, and training
     * then goes on at the scale that fits (skipping again, once, when the gradient grows).
     */
    @Test
    void aDynamicScaleRecoversFromAnOverflowByHalvingAndSkipping() {
        Dataset d = line();
        double[][] x = d.features().toArray();
        x[0][0] = 64;
        x[0][1] = 64;
        Dataset hot = Dataset.of(Tensor.of(x), d.targets());
        for (FiniteGuard.Mode mode : new FiniteGuard.Mode[] {FiniteGuard.Mode.THROW, FiniteGuard.Mode.WARN}) {
            Var w = weights();
            Scales s = new Scales();
            History h;
            try (FiniteGuard.Scope g = FiniteGuard.mode(mode)) {
                h = Trainer.builder(LinearModel.of(w), Losses::mse, new SGD(List.of(w), 0.0002)).epochs(20)
                        .batchSize(8).quiet(true).precision(Precision.FLOAT16).dynamicLossScale().listener(s)
                        .build().fit(hot);
            }
            int skipped = 0;
            while (s.skips.get(skipped)) skipped++;
            assertTrue(skipped > 0, mode + ": the first step overflowed: " + s.scales);
            assertEquals(32768.0, s.scales.get(0));
            assertEquals(20, s.scales.size(), "every epoch was one step");
            for (int i = 1; i < 20; i++) {
                double expected = s.skips.get(i - 1) ? s.scales.get(i - 1) / 2 : s.scales.get(i - 1);
                assertEquals(expected, s.scales.get(i), mode + ": a skip halves the scale, step " + i + ": " + s.scales);
            }
            long total = s.skips.stream().filter(b -> b).count();
            assertTrue(total < 15, mode + ": training went on: " + s.skips);
            assertEquals(20 - total, s.norms.size(), "only applied steps are reported as steps");
            assertEquals(total, h.skippedSteps().stream().mapToInt(Integer::intValue).sum(), h.skippedSteps().toString());
            assertEquals(1, h.skippedSteps().get(0));
            assertEquals(s.skips.get(19) ? s.scales.get(19) / 2 : s.scales.get(19), h.lossScales().get(19));
            assertTrue(h.last().loss() < h.epochs().get(skipped).loss(), "training went on: " + h);
        }
    }

    /** A gradient made infinite by a real pole (sqrt at 0), not by the scale: divergence, not a skip. */
    @Test
    void aNonOverflowNonFiniteGradientStaysDivergenceUnderADynamicScale() {
        Var w = Var.param("w", Tensor.of(2, 1, 0.0, 0.5));
        Layer model = new Layer() {
            @Override
            public Var forward(Var x) {
                return x.matmul(w.sqrt());
            }

            @Override
            public List<Var> parameters() {
                return List.of(w);
            }
        };
        Trainer t = Trainer.builder(model, Losses::mse, new SGD(List.of(w), 0.1)).epochs(3).batchSize(8)
                .quiet(true).dynamicLossScale().build();
        TrainingDivergedException e = assertThrows(TrainingDivergedException.class, () -> t.fit(line()));
        assertNotEquals(Cause.OVERFLOW, e.report().cause(), e.report().toString());
        assertNotEquals(Cause.EXP_OVERFLOW, e.report().cause());
        assertEquals(1, e.epoch());
        assertEquals(0, e.batch());
    }

    /** The same overflow under a static scale is divergence, as without one: only a dynamic scale skips. */
    @Test
    void anOverflowUnderAStaticScaleIsDivergence() {
        Dataset d = line();
        double[][] x = d.features().toArray();
        x[0][0] = 64;
        x[0][1] = 64;
        Var w = weights();
        Trainer t = Trainer.builder(LinearModel.of(w), Losses::mse, new SGD(List.of(w), 0.001)).epochs(2).batchSize(8)
                .quiet(true).precision(Precision.FLOAT16).lossScale(32768).build();
        TrainingDivergedException e = assertThrows(TrainingDivergedException.class,
                () -> t.fit(Dataset.of(Tensor.of(x), d.targets())));
        assertEquals(Cause.OVERFLOW, e.report().cause(), e.report().toString());
    }
}
