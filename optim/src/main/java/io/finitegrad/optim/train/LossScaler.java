package io.finitegrad.optim.train;

import io.finitegrad.autodiff.NanReport;
import io.finitegrad.autodiff.Var;
import io.finitegrad.autodiff.op.Cause;
import io.finitegrad.core.FiniteScan;
import io.finitegrad.core.Precision;
import io.finitegrad.core.Tensor;
import java.util.List;
import org.ejml.data.DMatrixRMaj;

/**
 * The {@link Trainer}'s loss scale, static or dynamic as PyTorch's {@code GradScaler}: the backward
 * pass starts from {@code scale} instead of 1 (the loss's upstream gradient), so gradients too
 * small for the format (below 2^-24 in float16) stay representable, and they are divided by the
 * scale again in float64 before clipping and the step. A dynamic scale halves on a step whose
 * gradient overflowed (the step is skipped) and doubles after {@code growthInterval} clean steps,
 * never beyond the largest power of two of the format (2^15 in float16), whose seed would itself
 * be Infinity, nor below its smallest normal power of two (2^-14 in float16). The scale is a power of two, so scaling and unscaling are exact.
 *
 * <p>The only state is the scale and the count of clean steps since it last changed; the Trainer
 * owns the instance and tells it what happened.
 */
final class LossScaler {
    /** PyTorch's {@code growth_interval}. */
    static final int DEFAULT_GROWTH_INTERVAL = 2000;

    private final boolean dynamic;
    private final double initial;
    private final int growthInterval;
    private double scale;
    private double ceiling;
    private double floor;
    private int clean;

    private LossScaler(boolean dynamic, double initial, int growthInterval) {
        this.dynamic = dynamic;
        this.initial = initial;
        this.growthInterval = growthInterval;
    }

    /** A fixed scale. */
    static LossScaler fixed(double scale) {
        return new LossScaler(false, powerOfTwo("lossScale", scale), Integer.MAX_VALUE);
    }

    /** A dynamic scale starting at {@code initial} (NaN: the format's default, see {@link #defaultStart}). */
    static LossScaler dynamic(double initial, int growthInterval) {
        if (!Double.isNaN(initial)) powerOfTwo("dynamicLossScale", initial);
        if (growthInterval <= 0) {
            throw new IllegalArgumentException("Trainer: dynamicLossScale's growth interval must be > 0 steps, got "
                    + growthInterval);
        }
        return new LossScaler(true, initial, growthInterval);
    }

    private static double powerOfTwo(String what, double s) {
        boolean ok = s > 0 && Double.isFinite(s) && Math.getExponent(s) >= Double.MIN_EXPONENT
                && s == Math.scalb(1.0, Math.getExponent(s));
        if (!ok) {
            throw new IllegalArgumentException("Trainer: " + what + " must be a power of two > 0 (1024, 32768, 0.5: "
                    + "scaling by it is exact), got " + s);
        }
        return s;
    }

    /** GradScaler's start, 2^16, except in float16, where 2^16 is already Infinity: 2^15. */
    static double defaultStart(Precision p) {
        return Math.min(65536.0, largestPowerOfTwo(p));
    }

    private static double largestPowerOfTwo(Precision p) {
        return Math.scalb(1.0, p.maxExponent());
    }

    /**
     * Starts a fit in format {@code p}: the scale goes back to its start.
     *
     * @throws IllegalArgumentException if the scale is beyond the format's largest finite value
     *     (the seed itself would be Infinity), naming both
     */
    void begin(Precision p) {
        scale = Double.isNaN(initial) ? defaultStart(p) : initial;
        ceiling = largestPowerOfTwo(p);
        floor = Math.scalb(1.0, p.minExponent());
        clean = 0;
        if (scale > p.maxFinite()) {
            throw new IllegalArgumentException("Trainer: the loss scale " + describe(scale) + " = " + scale
                    + " is Infinity in " + p.label() + " (largest finite value " + p.maxFinite()
                    + "): use at most " + describe(ceiling));
        }
    }

    boolean isDynamic() {
        return dynamic;
    }

    /** The scale the next backward pass starts from. */
    double scale() {
        return scale;
    }

    /** The backward seed for a 1x1 loss. */
    Tensor seed() {
        return Tensor.scalar(scale);
    }

    /** Divides every gradient of {@code params} by the scale, in float64 (exact: a power of two). */
    void unscale(List<Var> params) {
        double inv = 1.0 / scale;
        for (Var p : params) {
            DMatrixRMaj g = p.gradData();
            if (g == null) continue;
            double[] d = g.data;
            for (int i = 0, n = g.getNumElements(); i < n; i++) d[i] *= inv;
        }
    }

    /** A step was applied: after {@code growthInterval} of them in a row the scale doubles (up to the ceiling). */
    void applied() {
        if (!dynamic) return;
        if (++clean >= growthInterval) {
            clean = 0;
            scale = Math.min(2 * scale, ceiling);
        }
    }

    /**
     * A gradient overflowed: the scale halves and the step is to be skipped, returning true; false
     * when the scale is already at the format's smallest normal power of two (2^-14 in float16),
     * where a smaller seed would itself underflow: no scale cures that overflow, so it is divergence.
     */
    boolean overflowed() {
        if (scale <= floor) return false;
        clean = 0;
        scale *= 0.5;
        return true;
    }

    /**
     * True if the guard's report says the gradient went non-finite by overflow (a product, a sum or
     * an exp beyond the format's range, as an accumulation overflow is reported too): what a smaller
     * scale cures. NaN data, 0 x Inf, 0/0 or an undefined op are not, and stay divergence. Without a
     * report (the guard OFF), as GradScaler decides: Inf without NaN in the gradients is an overflow.
     */
    static boolean isOverflow(NanReport report, List<Var> params) {
        if (report != null) return report.cause() == Cause.OVERFLOW || report.cause() == Cause.EXP_OVERFLOW;
        boolean inf = false;
        for (Var p : params) {
            DMatrixRMaj g = p.gradData();
            if (g == null || FiniteScan.allFinite(g)) continue;
            for (int i = 0, n = g.getNumElements(); i < n; i++) {
                if (Double.isNaN(g.data[i])) return false;
                inf |= Double.isInfinite(g.data[i]);
            }
        }
        return inf;
    }

    /** {@code 2^15}: how the progress line and messages write a scale. */
    static String describe(double scale) {
        return "2^" + Math.getExponent(scale);
    }
}
