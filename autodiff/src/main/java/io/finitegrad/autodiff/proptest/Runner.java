package io.finitegrad.autodiff.proptest;

import java.util.List;
import java.util.function.Consumer;
import org.quicktheories.QuickTheory;
import org.quicktheories.api.AsString;
import org.quicktheories.core.Gen;
import org.quicktheories.core.Reporter;

/**
 * Runs one property through QuickTheories with a fixed seed and turns the smallest falsifying
 * example into a {@link PropertyFailure}.
 */
final class Runner {
    private Runner() {
    }

    static <T> void run(String property, Gen<T> inputs, Consumer<T> check, long seed, int examples) {
        QuickTheory.qt()
                .withFixedSeed(seed)
                .withExamples(examples)
                .withReporter(new FailureReporter(property))
                .forAll(inputs)
                .checkAssert(check);
    }

    private static final class FailureReporter implements Reporter {
        private final String property;

        FailureReporter(String property) {
            this.property = property;
        }

        @Override
        public void falisification(long seed, int count, Object smallest, Throwable cause, List<Object> others,
                AsString<Object> toString) {
            if (cause instanceof UsageError e) throw e;
            if (cause instanceof Violation v) {
                throw new PropertyFailure(property, toString.asString(smallest), v.getMessage(), v.report(), seed, count, null);
            }
            throw new PropertyFailure(property, toString.asString(smallest), "threw " + cause, null, seed, count, cause);
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
