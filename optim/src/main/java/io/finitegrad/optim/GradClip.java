package io.finitegrad.optim;

import io.finitegrad.autodiff.Var;
import java.util.List;
import org.ejml.data.DMatrixRMaj;

/**
 * Gradient clipping, in place on the parameters' gradients, as PyTorch's {@code clip_grad_norm_}
 * and {@code clip_grad_value_}. Parameters without a gradient are ignored.
 *
 * <p>{@link #byGlobalNorm} scales by {@code maxNorm / norm} (PyTorch adds 1e-6 to the norm; without
 * it the clipped norm is maxNorm to rounding). A non-finite norm never scales anything: by default
 * the gradients are left as they are (so {@link Optimizer#step()} refuses them with the guard's
 * report), or, when asked, an exception names the parameters at fault.
 *
 * @throws IllegalArgumentException for a null/empty parameter list or a maxNorm/limit that is not
 *     > 0 and finite
 */
public final class GradClip {
    private GradClip() {
    }

    /**
     * The global L2 norm of all gradients, computed without overflow for large finite values
     * (scaled by the largest magnitude); NaN or +Inf if any gradient is non-finite.
     */
    public static double globalNorm(List<Var> params) {
        checkParams("GradClip.globalNorm", params);
        double maxAbs = 0;
        for (int k = 0, nk = params.size(); k < nk; k++) {
            DMatrixRMaj g = params.get(k).readGrad();
            if (g == null) continue;
            double[] d = g.data;
            for (int i = 0, n = g.getNumElements(); i < n; i++) {
                double a = Math.abs(d[i]);
                if (a > maxAbs) maxAbs = a;
                else if (a != a) return Double.NaN;
            }
        }
        if (maxAbs == 0) return 0;
        if (!Double.isFinite(maxAbs)) return maxAbs;
        double inv = 1 / maxAbs;
        double sum = 0;
        for (int k = 0, nk = params.size(); k < nk; k++) {
            DMatrixRMaj g = params.get(k).readGrad();
            if (g == null) continue;
            double[] d = g.data;
            for (int i = 0, n = g.getNumElements(); i < n; i++) {
                double s = d[i] * inv;
                sum += s * s;
            }
        }
        return maxAbs * Math.sqrt(sum);
    }

    /** {@link #byGlobalNorm(List, double, boolean)} that leaves non-finite gradients unscaled rather than failing. */
    public static double byGlobalNorm(List<Var> params, double maxNorm) {
        return byGlobalNorm(params, maxNorm, false);
    }

    /**
     * Scales all gradients together so that their global L2 norm is at most {@code maxNorm};
     * gradients already within it are untouched.
     *
     * @return the global norm before clipping
     * @throws NonFiniteGradientException if {@code errorIfNonFinite} and the norm is NaN/Inf, naming
     *     every parameter with a non-finite gradient and carrying the guard's report
     */
    public static double byGlobalNorm(List<Var> params, double maxNorm, boolean errorIfNonFinite) {
        Hyper.positive("GradClip.byGlobalNorm", "maxNorm", maxNorm);
        double norm = globalNorm(params);
        if (!Double.isFinite(norm)) {
            if (errorIfNonFinite) throw nonFinite(params, norm);
            return norm;
        }
        if (norm > maxNorm) {
            double scale = maxNorm / norm;
            for (int k = 0, nk = params.size(); k < nk; k++) {
                DMatrixRMaj g = params.get(k).gradData();
                if (g == null) continue;
                double[] d = g.data;
                for (int i = 0, n = g.getNumElements(); i < n; i++) d[i] *= scale;
            }
        }
        return norm;
    }

    /** Clamps every gradient element to [-limit, limit]; NaN stays NaN (clipping must not hide it). */
    public static void byValue(List<Var> params, double limit) {
        Hyper.positive("GradClip.byValue", "limit", limit);
        checkParams("GradClip.byValue", params);
        for (int k = 0, nk = params.size(); k < nk; k++) {
            DMatrixRMaj g = params.get(k).gradData();
            if (g == null) continue;
            double[] d = g.data;
            for (int i = 0, n = g.getNumElements(); i < n; i++) {
                double x = d[i];
                if (x > limit) d[i] = limit;
                else if (x < -limit) d[i] = -limit;
            }
        }
    }

    private static NonFiniteGradientException nonFinite(List<Var> params, double norm) {
        NonFiniteGradients bad = NonFiniteGradients.of(params);
        return new NonFiniteGradientException("GradClip.byGlobalNorm: the total gradient norm is " + norm
                + "; non-finite gradients in " + bad.describe() + ". Nothing was scaled", bad.names(), bad.firstReport());
    }

    private static void checkParams(String who, List<Var> params) {
        if (params == null || params.isEmpty()) {
            throw new IllegalArgumentException(who + ": params must be a non-empty list, got " + params);
        }
        for (int i = 0; i < params.size(); i++) {
            if (params.get(i) == null) throw new IllegalArgumentException(who + ": params[" + i + "] is null");
        }
    }
}
