package io.finitegrad.examples.nanlab;

import io.finitegrad.optim.train.TrainingListener;
import java.util.function.Function;

/**
 * What a scenario run is given by the command that runs it: the seed every random choice derives
 * from, and the training progress display (a terminal progress bar, or nothing when the output is
 * not a terminal or {@code --quiet} was given). Immutable.
 */
public final class Lab {
    private final long seed;
    private final Function<String, TrainingListener> progress;

    /**
     * @param seed the seed of the run's data, initialisation and batch order
     * @param progress a fresh progress listener for a task name
     * @throws IllegalArgumentException if {@code progress} is null
     */
    public Lab(long seed, Function<String, TrainingListener> progress) {
        if (progress == null) throw new IllegalArgumentException("Lab: progress is null");
        this.seed = seed;
        this.progress = progress;
    }

    /** A lab with this seed and no progress display (tests). */
    public static Lab quiet(long seed) {
        return new Lab(seed, task -> new TrainingListener() { });
    }

    public long seed() { return seed; }

    /** A fresh progress listener labelled {@code task}, to add to a trainer. */
    public TrainingListener progress(String task) {
        return progress.apply(task);
    }
}
