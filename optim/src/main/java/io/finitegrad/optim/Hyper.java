package io.finitegrad.optim;

/** Hyperparameter checks shared by optimisers, clipping and schedules; each message names the owner, parameter and value. */
final class Hyper {
    private Hyper() {
    }

    static double positive(String owner, String name, double v) {
        if (!(v > 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(owner + ": " + name + " must be > 0 and finite, got " + v);
        }
        return v;
    }

    static double nonNegative(String owner, String name, double v) {
        if (!(v >= 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(owner + ": " + name + " must be >= 0 and finite, got " + v);
        }
        return v;
    }

    /** 0 <= v < 1, as Adam's betas must be. */
    static double unitOpen(String owner, String name, double v) {
        if (!(v >= 0 && v < 1)) {
            throw new IllegalArgumentException(owner + ": " + name + " must be in [0, 1), got " + v);
        }
        return v;
    }

    /** 0 <= v <= 1. */
    static double unitClosed(String owner, String name, double v) {
        if (!(v >= 0 && v <= 1)) {
            throw new IllegalArgumentException(owner + ": " + name + " must be in [0, 1], got " + v);
        }
        return v;
    }

    static int positive(String owner, String name, int v) {
        if (v <= 0) throw new IllegalArgumentException(owner + ": " + name + " must be > 0, got " + v);
        return v;
    }
}
