package io.finitegrad.layers;

import io.finitegrad.autodiff.Var;
import io.finitegrad.core.Tensor;
import java.util.Random;

/** Seeded test data and the example budget for expensive properties. */
final class TestSupport {
    private TestSupport() {
    }

    /** A fraction of QT_EXAMPLES for properties that build many graphs, never fewer than 10. */
    static int fewerExamples(int divisor) {
        return Math.max(10, Integer.getInteger("QT_EXAMPLES", 100) / divisor);
    }

    static Tensor gaussian(Random rng, int rows, int cols, double std) {
        double[] v = new double[rows * cols];
        for (int i = 0; i < v.length; i++) v[i] = rng.nextGaussian() * std;
        return Tensor.of(rows, cols, v);
    }

    static Tensor uniform(Random rng, int rows, int cols, double lo, double hi) {
        double[] v = new double[rows * cols];
        for (int i = 0; i < v.length; i++) v[i] = lo + (hi - lo) * rng.nextDouble();
        return Tensor.of(rows, cols, v);
    }

    /** Overwrites a parameter's values in place (to test at a generic point, not at ones/zeros). */
    static void fill(Var p, Tensor t) {
        System.arraycopy(t.toFlatArray(), 0, p.data().data, 0, t.size());
    }

    static double norm(Tensor t) {
        double s = 0;
        for (double v : t.toFlatArray()) s += v * v;
        return Math.sqrt(s);
    }

    static boolean allFinite(Tensor t) {
        return t.isFinite();
    }
}
