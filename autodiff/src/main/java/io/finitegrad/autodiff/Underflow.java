package io.finitegrad.autodiff;

import io.finitegrad.autodiff.op.Cause;
import io.finitegrad.autodiff.op.Diagnosis;
import io.finitegrad.autodiff.op.Fault;
import io.finitegrad.autodiff.op.InFormat;
import io.finitegrad.autodiff.ops.Elementwise;
import io.finitegrad.core.Precision;
import io.finitegrad.core.PrecisionState;
import org.ejml.data.DMatrixRMaj;

/**
 * Under emulation, whether the zero an entry divided by or took the log of was made by rounding: a
 * node whose exact value at the element is non-zero but rounds to 0 in the format. Traced back from
 * the entry's operand that is 0 at the element, through elementwise ops: a node is re-run in double
 * on the operands it read ({@code op.forward}, unrounded), and if the exact value is non-zero the
 * node flushed it; if the exact value is 0 too, the trace follows an operand that is 0 there. A
 * float64 master parameter flushed when its master is non-zero but its rounded copy is 0; an input or
 * constant flushed when the value it was given is non-zero (the leaf keeps those values only when
 * rounding flushed one).
 *
 * <p>Only the built-in ops ({@code io.finitegrad.autodiff.ops}) are re-run: a custom op may keep
 * state from its forward (a dropout mask) that a second forward would overwrite. It all runs only on
 * the way to a report, never on the happy path.
 */
final class Underflow {
    /** A chain of elementwise ops longer than this is not followed further. */
    private static final int MAX_HOPS = 1000;
    private static final String BUILT_IN = Elementwise.class.getPackageName();

    private Underflow() {
    }

    /**
     * Where the zero operand of {@code entry} at (r, c) rounded to 0, as a report line, or null: not
     * emulating, a cause that did not read a zero, or no flush found. The divisor (the last operand)
     * is looked at first.
     */
    static String find(Var entry, Cause cause, int r, int c) {
        if (cause != Cause.DIV_BY_ZERO && cause != Cause.ZERO_DIV_ZERO && cause != Cause.LOG_OF_ZERO) return null;
        PrecisionState ps = PrecisionState.get();
        if (!ps.emulating()) return null;
        Precision p = ps.precision();
        for (int i = entry.parents.length - 1; i >= 0; i--) {
            Var q = entry.parents[i];
            int qr = q.value.numRows == 1 ? 0 : r, qc = q.value.numCols == 1 ? 0 : c;
            if (qr >= q.value.numRows || qc >= q.value.numCols || at(q.operand(ps), qr, qc) != 0) continue;
            String line = trace(q, qr, qc, ps, p);
            if (line != null) {
                return line + "; " + entry.opName() + " '" + ReportNames.of(entry) + "' read that 0 as operand " + i
                        + " at (" + r + ", " + c + ")";
            }
        }
        return null;
    }

    /** The entry's diagnosis, recast: the 0 it read is an underflow of the format. */
    static Diagnosis diagnosis(Diagnosis d) {
        return new Diagnosis(Cause.UNDERFLOW_TO_ZERO, d.detail() + "; the 0 there is an underflow (see 'underflow')", null);
    }

    private static String trace(Var n, int r, int c, PrecisionState ps, Precision p) {
        for (int hop = 0; hop < MAX_HOPS; hop++) {
            if (n.op == null) {
                double given = n.enteredAt(r, c);
                if (given == given && given != 0) {
                    return n.opName() + " '" + ReportNames.of(n) + "' at (" + r + ", " + c + ") was given " + given
                            + ", which rounds to 0 in " + p.label() + " (smallest subnormal " + InFormat.number(p.minSubnormal()) + ")";
                }
                if (n.kind != Var.Kind.PARAM || ps.roundParameters()) return null;
                double master = at(n.value, r, c);
                return master == 0 ? null : "parameter '" + ReportNames.of(n) + "' at (" + r + ", " + c + ") holds " + master
                        + " (its float64 master), which rounds to 0 in " + p.label() + " (smallest subnormal "
                        + InFormat.number(p.minSubnormal()) + ")";
            }
            DMatrixRMaj[] xs = new DMatrixRMaj[n.parents.length];
            for (int i = 0; i < xs.length; i++) xs[i] = n.parents[i].operand(ps);
            // any built-in op can be asked whether it flushed (a mean of tiny squares); only an
            // elementwise one says which operand element its zero came from
            if (!n.op.exact() && n.op.getClass().getPackageName().equals(BUILT_IN)) {
                double exact;
                try {
                    exact = Fault.at(n.op.forward(xs), r, c);
                } catch (RuntimeException e) {
                    return null;
                }
                if (exact != 0 && at(n.value, r, c) == 0) {
                    return "'" + ReportNames.of(n) + "' (" + n.opName() + ") at (" + r + ", " + c + ") is " + exact
                            + " exactly, which rounds to 0 in " + p.label() + " (smallest subnormal "
                            + InFormat.number(p.minSubnormal()) + ")";
                }
            }
            if (!n.op.elementwise()) return null;
            Var next = null;
            int nr = 0, nc = 0;
            for (int i = xs.length - 1; i >= 0 && next == null; i--) {
                DMatrixRMaj x = xs[i];
                int xr = x.numRows == 1 ? 0 : r, xc = x.numCols == 1 ? 0 : c;
                if (xr < x.numRows && xc < x.numCols && x.data[xr * x.numCols + xc] == 0) {
                    next = n.parents[i];
                    nr = xr;
                    nc = xc;
                }
            }
            if (next == null) return null;
            n = next;
            r = nr;
            c = nc;
        }
        return null;
    }

    private static double at(DMatrixRMaj m, int r, int c) {
        return m.data[r * m.numCols + c];
    }
}
