package io.finitegrad.autodiff;

import io.finitegrad.core.Precision;

/**
 * When {@link Warnings} speak up; immutable, change one value with the {@code with...} methods.
 * The defaults ({@link #defaults()}): a layer's gradient norm above 1e4, or 100x the median of its
 * last 10 steps (once 10 are known), or (recurrent layers) 100x larger at the first time step than at the last, is exploding;
 * a layer's gradient norm below 1e-4 of the largest layer's is vanishing; values or gradients within
 * 4 orders of magnitude of the overflow of the format computed in lack headroom (largest magnitude
 * above ~1.8e304 in float64, 3.4e34 in float32, 6.55 in float16).
 *
 * @param explodingNorm a layer's parameter-gradient L2 norm above this is exploding
 * @param growthFactor a norm this many times the median of the previous {@code growthWindow} is exploding
 * @param growthWindow how many earlier backward passes the growth check looks back over
 * @param recurrentRatio a recurrent layer's state gradient this many times larger at its first step than at its last is exploding
 * @param vanishingRatio a layer's norm below this fraction of the largest layer's is vanishing
 * @param headroomOrders fewer orders of magnitude than this between the largest magnitude and overflow is a warning
 * @throws IllegalArgumentException naming the parameter and value if a threshold is not positive
 *     and finite, a factor is not above 1, the window is below 1, or the ratio is not in (0, 1)
 */
public record WarningThresholds(double explodingNorm, double growthFactor, int growthWindow, double recurrentRatio,
                                double vanishingRatio, double headroomOrders) {

    public WarningThresholds {
        positive("explodingNorm", explodingNorm);
        aboveOne("growthFactor", growthFactor);
        if (growthWindow < 1) throw new IllegalArgumentException("WarningThresholds: growthWindow must be >= 1, got " + growthWindow);
        aboveOne("recurrentRatio", recurrentRatio);
        if (!(vanishingRatio > 0 && vanishingRatio < 1)) {
            throw new IllegalArgumentException("WarningThresholds: vanishingRatio must be in (0, 1), got " + vanishingRatio);
        }
        positive("headroomOrders", headroomOrders);
    }

    /** The defaults: 1e4, 100x in 10 steps, 100x first/last step, 1e-4, 4 orders. */
    public static WarningThresholds defaults() {
        return new WarningThresholds(1e4, 100, 10, 100, 1e-4, 4);
    }

    public WarningThresholds withExplodingNorm(double norm) {
        return new WarningThresholds(norm, growthFactor, growthWindow, recurrentRatio, vanishingRatio, headroomOrders);
    }

    /** Exploding when a norm is {@code factor} times the median of the previous {@code window} passes. */
    public WarningThresholds withGrowth(double factor, int window) {
        return new WarningThresholds(explodingNorm, factor, window, recurrentRatio, vanishingRatio, headroomOrders);
    }

    public WarningThresholds withRecurrentRatio(double ratio) {
        return new WarningThresholds(explodingNorm, growthFactor, growthWindow, ratio, vanishingRatio, headroomOrders);
    }

    public WarningThresholds withVanishingRatio(double ratio) {
        return new WarningThresholds(explodingNorm, growthFactor, growthWindow, recurrentRatio, ratio, headroomOrders);
    }

    public WarningThresholds withHeadroomOrders(double orders) {
        return new WarningThresholds(explodingNorm, growthFactor, growthWindow, recurrentRatio, vanishingRatio, orders);
    }

    /** The largest magnitude that still has {@link #headroomOrders()} orders of headroom in float64. */
    double headroomLimit() {
        return headroomLimit(Precision.FLOAT64);
    }

    /**
     * The largest magnitude that still has {@link #headroomOrders()} orders of headroom in format
     * {@code p}: 6.55 in float16 with the default 4 orders.
     */
    double headroomLimit(Precision p) {
        return p.maxFinite() / Math.pow(10, headroomOrders);
    }

    private static void positive(String what, double v) {
        if (!(v > 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException("WarningThresholds: " + what + " must be > 0 and finite, got " + v);
        }
    }

    private static void aboveOne(String what, double v) {
        if (!(v > 1) || Double.isInfinite(v)) {
            throw new IllegalArgumentException("WarningThresholds: " + what + " must be > 1 and finite, got " + v);
        }
    }
}
