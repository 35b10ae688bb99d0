package io.finitegrad.autodiff.op;

import io.finitegrad.core.Precision;
import org.ejml.data.DMatrixRMaj;

/**
 * An op's answer to "why is this element non-finite": the {@link Cause}, a detail line with the
 * operand values, and optionally a remedy more specific than the cause's own. A missing detail or
 * remedy is the cause's own in the thread's current format ({@link Cause#meaning(Precision)},
 * {@link Cause#remedy(Precision)}): a diagnosis is made where the fault is, in its format.
 */
public record Diagnosis(Cause cause, String detail, String remedy) {
    public Diagnosis {
        if (cause == null) throw new IllegalArgumentException("Diagnosis: cause is null");
        if (detail == null) detail = cause.meaning(Precision.current());
        if (remedy == null) remedy = cause.remedy(Precision.current());
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
        boolean finite = true;
        for (int i = 0; i < f.operandCount(); i++) {
            int kinds = nonFiniteKinds(f.operandValue(i));
            // a NaN from an operand's NaN, an Inf from an operand's Inf: passed on, not made here
            if ((kinds & (Double.isNaN(v) ? 1 : 2)) != 0) return operandHeld(f, i);
            finite &= kinds == 0;
        }
        String from = finite ? " from finite operands" : " from operands holding infinities";
        if (Double.isInfinite(v)) {
            return of(Cause.OVERFLOW, f.op() + " gave " + v + " at " + f.where() + from + InFormat.in(f.precision()));
        }
        return of(Cause.UNDEFINED, f.op() + " gave NaN at " + f.where() + from);
    }

    /**
     * Operand {@code i} already held a NaN/Inf that reached this op unreported: the guard never saw
     * it (made under {@code Mode.OFF}, written in place through its read-only storage, or output by
     * a custom op that kept writing it), so this op only passed it on.
     */
    public static Diagnosis operandHeld(Fault f, int i) {
        double x = f.x(i);
        String at = Double.isNaN(x) || Double.isInfinite(x) ? x + " at " + f.where() : "non-finite values";
        return new Diagnosis(Cause.NON_FINITE_INPUT, "operand " + i + " '" + f.operandName(i) + "' already held " + at
                + " when " + f.op() + " read it; " + f.op() + " only passed it on",
                "find where '" + f.operandName(i) + "' went non-finite: build it with the guard on (THROW or WARN),"
                        + " modify leaves only through write(), and let custom ops return a fresh matrix they never"
                        + " write again");
    }

    /** Bit 1: holds a NaN; bit 2: holds an infinity. */
    private static int nonFiniteKinds(DMatrixRMaj m) {
        int kinds = 0;
        for (int k = 0, n = m.getNumElements(); k < n; k++) {
            double x = m.data[k];
            if (x != x) kinds |= 1;
            else if (Double.isInfinite(x)) kinds |= 2;
        }
        return kinds;
    }
}
