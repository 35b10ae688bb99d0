package io.finitegrad.autodiff.proptest;

import io.finitegrad.autodiff.FiniteGuard;
import io.finitegrad.autodiff.GuardScope;
import io.finitegrad.core.Emulation;
import io.finitegrad.core.Precision;
import io.finitegrad.core.Tensor;
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
 * <p><b>In a format.</b> Checked inside {@code Precision.emulate(p)}, a property asks "is this
 * stable in p?": the graph computes in p, the generators without a range draw p's values
 * ({@link TensorGens}), and a tensor input is rounded to p before the check, so that a reference
 * sees the input the graph sees; an input with an element beyond p's range (infinite in p) is
 * outside every claim and left out. "Finite" in a claim then means representable in p: a
 * reference value beyond p's largest finite value is not one (see each property). The gradient
 * checks are the exception: they compute in float64 whatever the scope, like
 * {@link io.finitegrad.autodiff.GradCheck}.
 *
 * @param <T> the input type
 * @param <P> the concrete property, for chaining
 */
@SuppressWarnings("try") // the pass-over and float64 scopes are opened for their effect
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
     * Checks the property on the examples, shrinking the first failure. QuickTheories shrinks it
     * towards the generator's simple values, stopping wherever its last simpler try passed (1024.0
     * for an exp that overflows from 709.78...). A 1x1 tensor input is then refined: bisected over the
     * doubles between its value and the nearest value nearer 0 at which the property held during the
     * run (an example or a shrink candidate), until it fails and its neighbouring double towards 0
     * does not fail the same way (the same guard entry: phase, op, cause, element; without a report,
     * the same problem up to its first colon). So where a property fails on one side of a threshold
     * (exp overflowing above 709.78), a 1x1 input is reported at the threshold's first failing
     * double, whatever the seed; it stays as shrunk when nothing nearer 0 held. Larger tensors and
     * other inputs (your own records) are reported as QuickTheories shrank them.
     *
     * @return what was checked: examples run and compared, elements compared and left out
     * @throws PropertyFailure with the shrunk input, the problem and the guard's report
     * @throws IllegalStateException if no example compared anything (every input outside the
     *     property's claim, every element left out): a property that passes vacuously would hide
     *     the very inputs it was written for
     */
    public final PropertyResult check() {
        long s = seed != null ? seed : Settings.seed();
        begin();
        Tally tally = new Tally();
        int[] runs = {0, 0};
        Refinement refinement = new Refinement();
        // the runner calls the user's function back: its frames are not where the user wrote the graph
        try (GuardScope runner = FiniteGuard.passOverFrames("org.quicktheories")) {
            Runner.run(name, inputs, x -> {
                int before = tally.compared();
                verifyInFormat(x, tally);
                refinement.held(x);
                runs[0]++;
                if (tally.compared() > before) runs[1]++;
            }, (smallest, violation) -> refined(smallest, violation, refinement), s, examples != null ? examples : Settings.examples());
        }
        if (runs[1] == 0) {
            Precision p = Precision.current();
            String beyond = p.isNative() ? "" : "; inputs beyond " + p.label() + "'s range (|x| > " + p.maxFinite() + ")";
            throw new IllegalStateException(name + " checked nothing: none of " + PropertyResult.count(runs[0], "example")
                    + " (seed " + s + ") had anything to compare, " + PropertyResult.count(tally.skipped(), "element")
                    + " left out (" + outsideClaim() + beyond
                    + "); draw inputs where it is defined");
        }
        return new PropertyResult(name, s, runs[0], runs[1], tally);
    }

    @SuppressWarnings("unchecked") // a Tensor input means T is Tensor
    private Object refined(Object smallest, Violation found, Refinement refinement) {
        if (!(smallest instanceof Tensor t)) return smallest;
        String kind = found.kind();
        return refinement.refine(t, candidate -> {
            try {
                verifyInFormat((T) candidate, new Tally());
                return false;
            } catch (Violation v) {
                return v.kind().equals(kind); // another failure is not this one's boundary
            } catch (RuntimeException | AssertionError e) {
                return false; // another kind of failure is not the one being refined
            }
        });
    }

    /**
     * {@link #verify} in the thread's format: a tensor input rounded to it first (one with an
     * element the format cannot hold is left out), the check in float64 for a property that
     * {@link #computesInFloat64()}.
     */
    @SuppressWarnings("unchecked") // a Tensor input means T is Tensor
    private void verifyInFormat(T input, Tally tally) {
        Precision p = Precision.current();
        T in = input;
        if (!p.isNative() && input instanceof Tensor t) {
            double[] d = t.toFlatArray();
            for (int k = 0; k < d.length; k++) {
                double r = p.round(d[k]);
                if (Double.isFinite(d[k]) && !Double.isFinite(r)) {
                    tally.skipped(d.length); // not a value the format can hold: nothing is claimed there
                    return;
                }
                d[k] = r;
            }
            in = (T) Tensor.of(t.rows(), t.cols(), d);
        }
        if (!computesInFloat64()) {
            verify(in, tally);
            return;
        }
        try (Emulation float64 = Precision.emulate(Precision.FLOAT64)) {
            verify(in, tally);
        }
    }

    /** True for a property that checks in float64 whatever format the thread emulates (the gradient checks). */
    boolean computesInFloat64() {
        return false;
    }

    /** Called once at the start of every {@link #check()}, before the first example. */
    void begin() {
    }

    /**
     * Checks one example, counting in {@code tally} the elements it compared and left out (an
     * example outside the property's claim compares nothing); throws {@link Violation} when the
     * property does not hold.
     */
    abstract void verify(T input, Tally tally);

    /** What the property leaves out, for the message of a check that compared nothing. */
    abstract String outsideClaim();

    @SuppressWarnings("unchecked") // P is this class by construction
    private P self() {
        return (P) this;
    }
}
