package io.finitegrad.layers;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.finitegrad.autodiff.Var;
import io.finitegrad.autodiff.proptest.TensorGens;
import io.finitegrad.core.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.quicktheories.core.Gen;

/** Seeded test data and the example budget for expensive properties. */
final class TestSupport {
    private TestSupport() {
    }

    /**
     * The layers' gradient checks accept, per element, |analytic - numeric| <= ABSOLUTE + RELATIVE *
     * max(|analytic|, |numeric|): the relative error of 1e-6 the old per-parameter rule asked for, and
     * for gradients that are themselves essentially zero (a saturated tanh, a bias whose weights
     * cancel), where central differences only resolve their round-off (~1e-16 |loss| / h), the old
     * rule's absolute 1e-9.
     */
    static final double RELATIVE = 1e-6;
    static final double ABSOLUTE = 1e-9;

    /** A fraction of QT_EXAMPLES for properties that build many graphs, never fewer than 10. */
    static int fewerExamples(int divisor) {
        return Math.max(10, Integer.getInteger("QT_EXAMPLES", 100) / divisor);
    }

    /** Tensors of one shape with elements uniform in [-halfWidth, halfWidth] (shrinking towards 0). */
    static Gen<Tensor> uniformTensors(int rows, int cols, double halfWidth) {
        return TensorGens.tensors(rows, cols, TensorGens.uniform(-halfWidth, halfWidth));
    }

    /**
     * A sequence stored as one (length * batch) x cols tensor, split into its steps: rows
     * {@code t * batch} to {@code (t + 1) * batch - 1} are step t, an input named {@code prefix + t}.
     */
    static List<Var> steps(String prefix, Tensor stacked, int batch) {
        double[] v = stacked.toFlatArray();
        int cols = stacked.cols(), length = stacked.rows() / batch;
        List<Var> xs = new ArrayList<>(length);
        for (int t = 0; t < length; t++) {
            xs.add(Var.input(prefix + t, Tensor.of(batch, cols, Arrays.copyOfRange(v, t * batch * cols, (t + 1) * batch * cols))));
        }
        return xs;
    }

    static Tensor gaussian(Random rng, int rows, int cols, double std) {
        double[] v = new double[rows * cols];
        for (int i = 0; i < v.length; i++) v[i] = rng.nextGaussian() * std;
        return Tensor.of(rows, cols, v);
    }

    /** Overwrites a parameter's values in place (to test at a generic point, not at ones/zeros). */
    static void fill(Var p, Tensor t) {
        System.arraycopy(t.toFlatArray(), 0, p.write().data, 0, t.size());
    }

    static double norm(Tensor t) {
        double s = 0;
        for (double v : t.toFlatArray()) s += v * v;
        return Math.sqrt(s);
    }

    /** True if any pre-activation is within {@code margin} of a ReLU kink, where no derivative exists. */
    static boolean nearKink(Tensor pre, double margin) {
        for (double v : pre.toFlatArray()) if (Math.abs(v) < margin) return true;
        return false;
    }
}
