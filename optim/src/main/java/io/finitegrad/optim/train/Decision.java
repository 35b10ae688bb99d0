package io.finitegrad.optim.train;

/**
 * What a {@link TrainingListener} wants after an epoch: carry on, or stop training cleanly with a
 * reason that {@link History#stopReason()} records (Keras's {@code model.stop_training = True},
 * without an exception). Immutable.
 *
 * @throws IllegalArgumentException from {@link #stop} for a null or blank reason
 */
public final class Decision {
    /** Carry on training. */
    public static final Decision CONTINUE = new Decision(null);

    private final String reason;

    private Decision(String reason) {
        this.reason = reason;
    }

    /** Stop after this epoch; {@code reason} says why (e.g. which metric stopped improving). */
    public static Decision stop(String reason) {
        if (reason == null || reason.isBlank()) {
            throw new IllegalArgumentException("Decision.stop: a reason is required, got '" + reason + "'");
        }
        return new Decision(reason);
    }

    /** True if training should stop after this epoch. */
    public boolean stops() {
        return reason != null;
    }

    /** Why training should stop; null for {@link #CONTINUE}. */
    public String reason() {
        return reason;
    }

    @Override
    public String toString() {
        return stops() ? "stop: " + reason : "continue";
    }
}
