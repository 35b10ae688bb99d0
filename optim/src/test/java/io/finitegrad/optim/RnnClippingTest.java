package io.finitegrad.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import io.finitegrad.autodiff.Var;
import io.finitegrad.core.Tensor;
import io.finitegrad.layers.Activation;
import io.finitegrad.layers.Init;
import io.finitegrad.layers.RNN;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A linear RNN with standard-normal recurrent weights (spectral radius about sqrt(hidden)) makes
 * backpropagation through time explode; clipping by global norm brings it back to maxNorm.
 */
class RnnClippingTest {

    private static List<Var> explode(long seed, int steps, int hidden) {
        Random rng = new Random(seed);
        RNN rnn = new RNN("rnn", 3, hidden, Activation.IDENTITY, Init.XAVIER_UNIFORM, Init.STANDARD_NORMAL, rng);
        List<Var> xs = new ArrayList<>();
        for (int t = 0; t < steps; t++) xs.add(Var.input("x" + t, Tensor.of(2, 3, rng.doubles(6, -1, 1).toArray())));
        List<Var> hs = rnn.forward(xs);
        hs.get(hs.size() - 1).sum().backward();
        return List.of(rnn.inputWeight(), rnn.recurrentWeight(), rnn.bias());
    }

    private static double norm(List<Var> ps) {
        double s = 0;
        for (Var p : ps) for (double g : p.grad().toFlatArray()) s += g * g;
        return Math.sqrt(s);
    }

    @Test
    void explodingRnnGradientsAreClippedToMaxNormAndTheStepStaysSmall() {
        List<Var> ps = explode(11, 40, 8);
        double before = norm(ps);
        assertTrue(before > 1e10, "the gradient should explode, norm " + before);
        double reported = GradClip.byGlobalNorm(ps, 1.0);
        assertEquals(before, reported, before * 1e-12);
        assertEquals(1.0, norm(ps), 1e-12);
        List<Tensor> old = ps.stream().map(Var::value).toList();
        new SGD(ps, 0.1).step();
        for (int k = 0; k < ps.size(); k++) {
            double[] a = old.get(k).toFlatArray(), b = ps.get(k).value().toFlatArray();
            for (int i = 0; i < a.length; i++) assertTrue(Math.abs(a[i] - b[i]) <= 0.1 + 1e-15);
        }
    }

    @Test
    void clippedNormNeverExceedsMaxNorm() {
        qt().withExamples(Math.max(10, Integer.getInteger("QT_EXAMPLES", 100) / 5))
                .forAll(longs().all(), integers().between(5, 60), integers().between(2, 10))
                .checkAssert((seed, steps, hidden) -> {
                    List<Var> ps = explode(seed, steps, hidden);
                    GradClip.byGlobalNorm(ps, 0.5);
                    assertTrue(norm(ps) <= 0.5 * (1 + 1e-12), "norm " + norm(ps));
                });
    }
}
