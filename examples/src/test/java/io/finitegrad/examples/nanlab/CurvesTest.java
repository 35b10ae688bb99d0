package io.finitegrad.examples.nanlab;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.finitegrad.autodiff.Var;
import io.finitegrad.core.Precision;
import io.finitegrad.core.Tensor;
import io.finitegrad.layers.Layer;
import io.finitegrad.layers.Losses;
import io.finitegrad.optim.SGD;
import io.finitegrad.optim.data.Dataset;
import io.finitegrad.optim.train.Trainer;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The per-step curves and gradnorm.png carry the loss scale when loss scaling is on, and only then. */
class CurvesTest {
    private static Layer linear(Var w) {
        return new Layer() {
            @Override
            public Var forward(Var x) {
                return x.matmul(w);
            }

            @Override
            public List<Var> parameters() {
                return List.of(w);
            }
        };
    }

    /** One hot row (64, 64) makes the float16 gradient overflow at the first scales, which halve. */
    private static CurveRecorder run(boolean dynamic) {
        Tensor x = Tensor.of(new double[][] {{64, 64}, {0.5, 0.25}, {0.25, 0.75}, {1, 0.5}});
        Dataset d = Dataset.of(x, Tensor.column(0, 0.25, -0.5, 0.5));
        Var w = Var.param("w", Tensor.of(2, 1, 0.25, 0.5));
        CurveRecorder curves = new CurveRecorder();
        Trainer.Builder b = Trainer.builder(linear(w), Losses::mse, new SGD(List.of(w), 1e-4)).epochs(12).batchSize(4)
                .quiet(true).precision(Precision.FLOAT16).listener(curves);
        if (dynamic) b.dynamicLossScale();
        b.build().fit(d);
        return curves;
    }

    @Test
    void theRecorderKeepsEachAppliedStepsScaleAndCountsTheSkippedOnes() {
        CurveRecorder c = run(true);
        double[] scales = c.lossScales();
        assertEquals(c.gradNorms().length, scales.length, "one scale per point of the norm curve");
        assertTrue(c.skippedSteps() > 0, "the hot row overflowed the first scales");
        assertEquals(12, c.skippedSteps() + scales.length, "every step applied or skipped");
        assertEquals(32768.0 / (1 << c.skippedSteps()), scales[0], "the first applied step's scale is halved once per skip");
        CurvePlot p = new CurvePlot("Gradient global norm", "norm").add("train", c.gradNorms()).lossScale(scales);
        assertEquals(List.of("train", "loss scale"), p.drawnSeries());
        assertEquals("log10 norm and loss scale", p.yAxisTitle());
    }

    @Test
    void withoutLossScalingTheCurvesAndThePlotAreAsBefore() throws IOException {
        CurveRecorder c = run(false);
        assertEquals(12, c.gradNorms().length);
        double[] nan = new double[12];
        java.util.Arrays.fill(nan, Double.NaN);
        assertArrayEquals(nan, c.lossScales());
        assertEquals(0, c.skippedSteps());
        CurvePlot p = new CurvePlot("Gradient global norm", "norm").add("train", c.gradNorms()).lossScale(c.lossScales());
        assertEquals(List.of("train"), p.drawnSeries());
        assertEquals("log10 norm", p.yAxisTitle());
        byte[] png = p.png();
        assertEquals((byte) 0x89, png[0]);
        assertEquals('P', png[1]);
    }
}
