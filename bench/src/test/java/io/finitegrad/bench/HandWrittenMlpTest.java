package io.finitegrad.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.finitegrad.autodiff.Var;
import io.finitegrad.core.Gemm;
import io.finitegrad.layers.Dense;
import io.finitegrad.layers.Sequential;
import io.finitegrad.optim.Adam;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.Test;

/**
 * The hand-written step does what finitegrad's step does, so the benchmarks compare like with like:
 * on config C, three steps from the same weights give the same losses, gradients and updated
 * weights within 1e-12.
 */
class HandWrittenMlpTest {
    private static final double TOL = 1e-12;

    @Test
    @SuppressWarnings("try") // the pin is opened for its effect on the products
    void handWrittenStepMatchesFinitegradsStepOnConfigC() throws Exception {
        for (boolean viaGemm : new boolean[] {false, true}) {
            try (Gemm.Pin pin = Gemm.use(Gemm.Kernel.JAVA)) {
                compare(viaGemm);
            }
        }
    }

    @Test
    void theFirstLossIsTheFixturesCrossEntropy() {
        // an untrained 3-class model starts near log 3: the loss is a mean over rows, not a sum
        double loss = new HandWrittenMlp(MlpFixture.of(MlpFixture.Config.C), false).step();
        assertTrue(Math.abs(loss - Math.log(3)) < 1.5, "loss " + loss);
    }

    private static void compare(boolean viaGemm) {
        MlpFixture f = MlpFixture.of(MlpFixture.Config.C);
        Sequential model = f.model();
        Adam adam = MlpFixture.adam(model);
        Var x = f.input(), y = f.target();
        HandWrittenMlp hand = new HandWrittenMlp(f, viaGemm);
        for (int step = 0; step < 3; step++) {
            double expected = MlpStepBench.step(model, adam, x, y);
            double actual = hand.step();
            String at = (viaGemm ? "via Gemm" : "CommonOps") + ", step " + step;
            assertEquals(expected, actual, TOL, "loss, " + at);
            for (int l = 0; l < f.config().layers(); l++) {
                Dense d = (Dense) model.layers().get(l);
                same(d.weight().gradData(), hand.weightGradient(l), "dW" + l + ", " + at);
                same(d.bias().gradData(), hand.biasGradient(l), "db" + l + ", " + at);
                same(d.weight().read(), hand.weight(l), "W" + l + " after Adam, " + at);
                same(d.bias().read(), hand.bias(l), "b" + l + " after Adam, " + at);
            }
        }
    }

    private static void same(DMatrixRMaj expected, DMatrixRMaj actual, String what) {
        assertEquals(expected.numRows + "x" + expected.numCols, actual.numRows + "x" + actual.numCols, what);
        double worst = 0;
        boolean anyNonZero = false;
        for (int i = 0; i < expected.getNumElements(); i++) {
            worst = Math.max(worst, Math.abs(expected.data[i] - actual.data[i]));
            anyNonZero |= expected.data[i] != 0;
        }
        assertTrue(anyNonZero, what + " is all zeros: nothing compared");
        assertTrue(worst <= TOL, what + ": largest difference " + worst);
    }
}
