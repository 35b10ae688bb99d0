package io.finitegrad.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.finitegrad.autodiff.Var;
import io.finitegrad.autodiff.proptest.GradientProperties;
import io.finitegrad.autodiff.proptest.TensorGens;
import io.finitegrad.core.Tensor;
import io.finitegrad.layers.Activation;
import io.finitegrad.layers.Init;
import io.finitegrad.layers.RNN;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

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

    /**
     * For exploding RNNs of two sizes and input sequences of 5 to 60 steps, one SGD step after
     * clipping to norm 0.5 stays finite (loss, gradients, parameters) and the clipped norm never
     * exceeds 0.5. A batch is the sequence as a (2 * steps) x 3 tensor: rows 2t and 2t + 1 are step t.
     */
    @Test
    void aClippedTrainingStepStaysFiniteAndClippedNormNeverExceedsMaxNorm() {
        Gen<Tensor> sequences = TensorGens.tensors(
                TensorGens.shapes(56, 1).map(s -> new TensorGens.Shape(2 * (4 + s.rows()), 3)), TensorGens.uniform(-1, 1));
        for (int hidden : new int[] {3, 10}) {
            RNN rnn = new RNN("rnn", 3, hidden, Activation.IDENTITY, Init.XAVIER_UNIFORM, Init.STANDARD_NORMAL, new Random(hidden));
            List<Var> ps = rnn.parameters();
            SGD sgd = new SGD(ps, 0.1);
            GradientProperties.trainingStepStaysFinite("clipped SGD on an exploding RNN, hidden " + hidden, sequences, ps,
                    seq -> {
                        double[] v = seq.toFlatArray();
                        List<Var> xs = new ArrayList<>();
                        for (int t = 0; t < seq.rows() / 2; t++) {
                            xs.add(Var.input("x" + t, Tensor.of(2, 3, Arrays.copyOfRange(v, 6 * t, 6 * t + 6))));
                        }
                        List<Var> hs = rnn.forward(xs);
                        return hs.get(hs.size() - 1).sum();
                    })
                    .update(() -> {
                        GradClip.byGlobalNorm(ps, 0.5);
                        assertTrue(norm(ps) <= 0.5 * (1 + 1e-12), "norm " + norm(ps));
                        sgd.step();
                    })
                    .examples(Math.max(10, Integer.getInteger("QT_EXAMPLES", 100) / 10))
                    .check();
        }
    }
}
