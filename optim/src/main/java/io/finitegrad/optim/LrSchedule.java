package io.finitegrad.optim;

/**
 * A learning rate as a function of a 0-based step count (the {@link io.finitegrad.optim.train.Trainer}
 * counts epochs, as PyTorch's schedulers usually do). Factories for the common shapes; any schedule
 * can be preceded by a linear warm-up with {@link #withWarmup(int)}.
 *
 * <pre>{@code
 * LrSchedule s = LrSchedule.cosine(0.01, 100, 1e-4).withWarmup(5);
 * optimizer.setLr(s.lr(epoch));
 * }</pre>
 *
 * <p>The factories' schedules print as the call that made them
 * ({@code LrSchedule.stepDecay(lr = 0.1, stepSize = 10, gamma = 0.5)}), so a message about a
 * learning rate can name its schedule; {@link #describe(LrSchedule)} names any schedule.
 *
 * @throws IllegalArgumentException from the factories for non-positive rates, periods or factors
 *     (message names the parameter and value), and from {@link #lr(int)} for a negative step
 */
@FunctionalInterface
public interface LrSchedule {
    /** The learning rate at step {@code t} (0-based). */
    double lr(int t);

    /** Always {@code lr}. */
    static LrSchedule constant(double lr) {
        Hyper.positive("LrSchedule.constant", "lr", lr);
        return new NamedSchedule("LrSchedule.constant(lr = " + lr + ")", t -> check(t, lr));
    }

    /** {@code lr * gamma^(t / stepSize)} (integer division), as PyTorch's StepLR. */
    static LrSchedule stepDecay(double lr, int stepSize, double gamma) {
        Hyper.positive("LrSchedule.stepDecay", "lr", lr);
        Hyper.positive("LrSchedule.stepDecay", "stepSize", stepSize);
        Hyper.positive("LrSchedule.stepDecay", "gamma", gamma);
        return new NamedSchedule("LrSchedule.stepDecay(lr = " + lr + ", stepSize = " + stepSize + ", gamma = " + gamma + ")",
                t -> check(t, lr * Math.pow(gamma, t / stepSize)));
    }

    /**
     * Cosine annealing from {@code lr} at t = 0 to {@code minLr} at t = {@code period} (and minLr
     * after), as PyTorch's CosineAnnealingLR without restarts:
     * {@code minLr + (lr - minLr) * (1 + cos(pi * t / period)) / 2}.
     */
    static LrSchedule cosine(double lr, int period, double minLr) {
        Hyper.positive("LrSchedule.cosine", "lr", lr);
        Hyper.positive("LrSchedule.cosine", "period", period);
        Hyper.nonNegative("LrSchedule.cosine", "minLr", minLr);
        if (minLr > lr) {
            throw new IllegalArgumentException("LrSchedule.cosine: minLr must be <= lr (" + lr + "), got " + minLr);
        }
        return new NamedSchedule("LrSchedule.cosine(lr = " + lr + ", period = " + period + ", minLr = " + minLr + ")",
                t -> check(t, t >= period ? minLr : minLr + (lr - minLr) * (1 + Math.cos(Math.PI * t / period)) / 2));
    }

    /**
     * Linear warm-up over the first {@code steps} steps, then this schedule shifted to start after
     * it: {@code lr(0) * (t + 1) / (steps + 1)} for t < steps, {@code lr(t - steps)} afterwards.
     */
    default LrSchedule withWarmup(int steps) {
        Hyper.positive("LrSchedule.withWarmup", "steps", steps);
        LrSchedule after = this;
        return new NamedSchedule(NamedSchedule.describe(after) + ".withWarmup(" + steps + ")",
                t -> check(t, t < steps ? after.lr(0) * (t + 1) / (steps + 1) : after.lr(t - steps)));
    }

    /**
     * The schedule as messages name it: a factory's call ({@code LrSchedule.cosine(lr = 0.01, ...)}),
     * the {@code toString()} of a class of your own that defines one, or for a lambda the class it
     * was written in ({@code a lambda in com.example.Train}).
     */
    static String describe(LrSchedule s) {
        return NamedSchedule.describe(s);
    }

    private static double check(int t, double lr) {
        if (t < 0) throw new IllegalArgumentException("LrSchedule.lr: step must be >= 0, got " + t);
        return lr;
    }
}
