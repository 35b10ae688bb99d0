package io.finitegrad.autodiff.proptest;

import io.finitegrad.autodiff.FiniteGuard;
import io.finitegrad.autodiff.GuardScope;
import org.quicktheories.core.Gen;

/**
 * A property over inputs from a generator, checked by {@link #check()}: the common part of every
 * property in {@link GradientProperties}. Deterministic by default: seed {@value #DEFAULT_SEED} and
 * {@value #DEFAULT_EXAMPLES} examples. The system properties {@code QT_SEED} and
 * {@code QT_EXAMPLES} (QuickTheories' own) replace those defaults, and {@link #seed} and
 * {@link #examples} on a property replace both: {@code mvn verify -DQT_EXAMPLES=5000} runs more
 * everywhere, and a failure's seed, passed back with {@code .seed(...)} or {@code -DQT_SEED},
 * reproduces it.
 *
 * @param <T> the input type
 * @param <P> the concrete property, for chaining
 */
@SuppressWarnings("try") // the pass-over scope is opened for its effect
public abstract class StabilityProperty<T, P extends StabilityProperty<T, P>> {
    /** The seed used when neither {@link #seed} nor {@code -DQT_SEED} is given. */
    public static final long DEFAULT_SEED = 20261124L;
    /** Examples tried when neither {@link #examples} nor {@code -DQT_EXAMPLES} is given. */
    public static final int DEFAULT_EXAMPLES = 200;

    private final String name;
    private final Gen<T> inputs;
    private Long seed;
    private Integer examples;

    StabilityProperty(String name, Gen<T> inputs) {
        if (inputs == null) throw new IllegalArgumentException(name + ": the input generator is null");
        this.name = name;
        this.inputs = inputs;
    }

    /** Runs with this seed (a failure prints the seed it was found with). */
    public final P seed(long seed) {
        this.seed = seed;
        return self();
    }

    /**
     * Tries this many examples.
     *
     * @throws IllegalArgumentException if {@code n < 1}
     */
    public final P examples(int n) {
        if (n < 1) throw new IllegalArgumentException(name + ": examples must be >= 1, got " + n);
        this.examples = n;
        return self();
    }

    /** The property's name as failures show it. */
    public final String name() {
        return name;
    }

    /**
     * Checks the property on the examples, shrinking the first failure.
     *
     * @throws PropertyFailure with the shrunk input, the problem and the guard's report
     * @throws IllegalStateException if no example was checked at all (a property that passes
     *     vacuously would hide the very inputs it was written for)
     */
    public final void check() {
        long s = seed != null ? seed : Settings.seed();
        begin();
        int[] checked = {0};
        // the runner calls the user's function back: its frames are not where the user wrote the graph
        try (GuardScope runner = FiniteGuard.passOverFrames("org.quicktheories")) {
            Runner.run(name, inputs, x -> {
                if (verify(x)) checked[0]++;
            }, s, examples != null ? examples : Settings.examples());
        }
        if (checked[0] == 0) {
            throw new IllegalStateException(name + " checked nothing: every example (seed " + s + ") was outside the"
                    + " function's finite domain or at a kink; draw inputs where it is defined");
        }
    }

    /** Called once at the start of every {@link #check()}, before the first example. */
    void begin() {
    }

    /**
     * Checks one example: false if the property claims nothing about it (outside the function's
     * finite domain, at a kink); throws {@link Violation} when it does not hold.
     */
    abstract boolean verify(T input);

    @SuppressWarnings("unchecked") // P is this class by construction
    private P self() {
        return (P) this;
    }
}
