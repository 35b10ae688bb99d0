package io.finitegrad.autodiff.proptest;

import java.util.List;
import java.util.function.Consumer;
import java.util.function.BiFunction;
import org.quicktheories.QuickTheory;
import org.quicktheories.api.AsString;
import org.quicktheories.core.Gen;
import org.quicktheories.core.Reporter;

/**
 * Runs one property through QuickTheories with a fixed seed and turns the smallest falsifying
 * example, refined by the property ({@link Refinement}), into a {@link PropertyFailure}.
 */
final class Runner {
    private Runner() {
    }

    /** Checks {@code inputs} with {@code check}, reporting the failing input as QuickTheories shrank it. */
    static <T> void run(String property, Gen<T> inputs, Consumer<T> check, long seed, int examples) {
        run(property, inputs, check, (x, v) -> x, seed, examples);
    }

    /**
     * Checks {@code inputs} with {@code check}; {@code refine} takes the shrunk failing input and its
     * violation further and returns an input that fails the same way (or the same input), which is
     * checked again for its own message.
     */
    static <T> void run(String property, Gen<T> inputs, Consumer<T> check, BiFunction<Object, Violation, Object> refine, long seed,
            int examples) {
        QuickTheory.qt()
                .withFixedSeed(seed)
                .withExamples(examples)
                .withReporter(new FailureReporter<>(property, check, refine))
                .forAll(inputs)
                .checkAssert(check);
    }

    private static final class FailureReporter<T> implements Reporter {
        private final String property;
        private final Consumer<T> check;
        private final BiFunction<Object, Violation, Object> refine;

        FailureReporter(String property, Consumer<T> check, BiFunction<Object, Violation, Object> refine) {
            this.property = property;
            this.check = check;
            this.refine = refine;
        }

        @Override
        public void falisification(long seed, int count, Object smallest, Throwable cause, List<Object> others,
                AsString<Object> toString) {
            if (cause instanceof UsageError e) throw e;
            if (cause instanceof Violation v) {
                Object refined = refine.apply(smallest, v);
                Violation w = refined == smallest ? v : recheck(refined);
                if (w == null) { // the user's function gave another answer the second time: report what QuickTheories found
                    refined = smallest;
                    w = v;
                }
                throw new PropertyFailure(property, toString.asString(refined), w.getMessage(), w.report(), seed, count, null);
            }
            throw new PropertyFailure(property, toString.asString(smallest), "threw " + cause, null, seed, count, cause);
        }

        @SuppressWarnings("unchecked") // the refined input is one of the generator's own type
        private Violation recheck(Object input) {
            try {
                check.accept((T) input);
                return null;
            } catch (Violation v) {
                return v;
            } catch (RuntimeException | AssertionError e) {
                return null;
            }
        }

        @Override
        public void falisification(long seed, int count, Object smallest, List<Object> others, AsString<Object> toString) {
            throw new PropertyFailure(property, toString.asString(smallest), "returned false", null, seed, count, null);
        }

        @Override
        public void valuesExhausted(int completed) {
            throw new IllegalStateException(property + ": the generator gave only " + completed
                    + " usable examples before its attempts ran out (too strict an assumption?)");
        }
    }
}
