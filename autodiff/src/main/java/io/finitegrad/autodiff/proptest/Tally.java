package io.finitegrad.autodiff.proptest;

/**
 * What a property really compared, counted while it checks examples: an example counts as checked
 * only if it compared at least one element, so a property whose every element was left out cannot
 * pass. Owned by the {@link StabilityProperty} running the check; the properties only add to it.
 */
final class Tally {
    private int compared;
    private int skipped;

    /** {@code n} elements were compared (and held). */
    void compared(int n) {
        compared += n;
    }

    /** {@code n} elements were left out: nothing to compare them against. */
    void skipped(int n) {
        skipped += n;
    }

    int compared() {
        return compared;
    }

    int skipped() {
        return skipped;
    }
}
