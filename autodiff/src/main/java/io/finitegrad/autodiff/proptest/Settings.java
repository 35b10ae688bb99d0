package io.finitegrad.autodiff.proptest;

/** The run-wide seed and example count from QuickTheories' system properties, or the kit's defaults. */
final class Settings {
    private Settings() {
    }

    static long seed() {
        String s = System.getProperty("QT_SEED");
        if (s == null || s.isBlank()) return StabilityProperty.DEFAULT_SEED;
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("QT_SEED must be a whole number, got '" + s + "'", e);
        }
    }

    static int examples() {
        String s = System.getProperty("QT_EXAMPLES");
        if (s == null || s.isBlank()) return StabilityProperty.DEFAULT_EXAMPLES;
        try {
            int n = Integer.parseInt(s.trim());
            if (n < 1) throw new IllegalArgumentException("QT_EXAMPLES must be >= 1, got " + n);
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("QT_EXAMPLES must be a whole number, got '" + s + "'", e);
        }
    }
}
