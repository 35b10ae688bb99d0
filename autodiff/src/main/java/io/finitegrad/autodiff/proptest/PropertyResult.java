package io.finitegrad.autodiff.proptest;

/**
 * What a property that held really checked: how many examples it ran, on how many it compared
 * something, and how many elements it compared and left out. Each property's Javadoc says what it
 * compares and what it leaves out (an element without a finite central difference, one whose
 * reference is not finite...). Returned by {@link StabilityProperty#check()}; a property that
 * compared nothing throws instead of returning one.
 */
public final class PropertyResult {
    private final String property;
    private final long seed;
    private final int examples;
    private final int checked;
    private final int compared;
    private final int skipped;

    PropertyResult(String property, long seed, int examples, int checked, Tally tally) {
        this.property = property;
        this.seed = seed;
        this.examples = examples;
        this.checked = checked;
        this.compared = tally.compared();
        this.skipped = tally.skipped();
    }

    /** The property's name, e.g. {@code "gradCheck(mySoftplus)"}. */
    public String property() { return property; }

    /** The seed the examples were drawn with. */
    public long seed() { return seed; }

    /** Examples run (QuickTheories never repeats one, so a generator of few values gives fewer than asked). */
    public int examples() { return examples; }

    /** Examples on which at least one element was compared; the others were outside the property's claim. */
    public int checked() { return checked; }

    /** Elements compared over all examples (values, gradient elements: what the property compares). */
    public int compared() { return compared; }

    /** Elements left out over all examples, for the reasons the property's Javadoc gives. */
    public int skipped() { return skipped; }

    @Override
    public String toString() {
        return property + " held on " + checked + " of " + count(examples, "example") + " (seed " + seed + "): "
                + count(compared, "element") + " compared, " + skipped + " left out";
    }

    /** {@code 1 element}, {@code 2 elements}. */
    static String count(int n, String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
    }
}
