package io.finitegrad.autodiff.op;

/**
 * An op's answer to "why is this element non-finite": the {@link Cause}, a detail line with the
 * operand values, and optionally a remedy more specific than the cause's own.
 */
public record Diagnosis(Cause cause, String detail, String remedy) {
    public Diagnosis {
        if (cause == null) throw new IllegalArgumentException("Diagnosis: cause is null");
        if (detail == null) detail = cause.meaning();
        if (remedy == null) remedy = cause.remedy();
    }

    /** A diagnosis with the cause's own remedy. */
    public static Diagnosis of(Cause cause, String detail) {
        return new Diagnosis(cause, detail, null);
    }

    /** This diagnosis with another remedy. */
    public Diagnosis withRemedy(String newRemedy) {
        return new Diagnosis(cause, detail, newRemedy);
    }

    /** The number-only classification used when an op knows nothing better. */
    public static Diagnosis generic(Fault f) {
        double v = f.badValue();
        if (Double.isInfinite(v)) {
            return of(Cause.OVERFLOW, f.op() + " gave " + v + " at " + f.where() + " from finite operands");
        }
        return of(Cause.UNDEFINED, f.op() + " gave NaN at " + f.where() + " from finite operands");
    }
}
