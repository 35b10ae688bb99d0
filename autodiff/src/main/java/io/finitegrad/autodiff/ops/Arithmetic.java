package io.finitegrad.autodiff.ops;

import io.finitegrad.autodiff.op.Cause;
import io.finitegrad.autodiff.op.Diagnosis;
import io.finitegrad.autodiff.op.Fault;
import io.finitegrad.autodiff.op.InFormat;
import io.finitegrad.autodiff.op.Op;
import io.finitegrad.core.Precision;
import org.ejml.data.DMatrixRMaj;

/**
 * Elementwise add, sub, mul and div with broadcasting ({@link Broadcast}). The forward loops walk
 * both operands with per-row offsets and per-column steps, so a broadcast row or column costs no
 * copy.
 */
public final class Arithmetic {
    private Arithmetic() {
    }

    private static final int ADD = 0, SUB = 1, MUL = 2, DIV = 3;

    /** {@code out = a (op) b}, broadcast. */
    static DMatrixRMaj binary(int code, DMatrixRMaj a, DMatrixRMaj b) {
        int rows = Broadcast.rows(a, b), cols = Broadcast.cols(a, b);
        DMatrixRMaj out = Results.scratch(rows, cols);
        int as = Broadcast.colStep(a), bs = Broadcast.colStep(b);
        double[] o = out.data, x = a.data, y = b.data;
        for (int r = 0; r < rows; r++) {
            int ai = Broadcast.rowBase(a, r), bi = Broadcast.rowBase(b, r), oi = r * cols;
            switch (code) {
                case ADD -> { for (int c = 0; c < cols; c++, ai += as, bi += bs) o[oi + c] = x[ai] + y[bi]; }
                case SUB -> { for (int c = 0; c < cols; c++, ai += as, bi += bs) o[oi + c] = x[ai] - y[bi]; }
                case MUL -> { for (int c = 0; c < cols; c++, ai += as, bi += bs) o[oi + c] = x[ai] * y[bi]; }
                default -> { for (int c = 0; c < cols; c++, ai += as, bi += bs) o[oi + c] = x[ai] / y[bi]; }
            }
        }
        return out;
    }

    /**
     * The verdict of add, sub or mul at one element. Finite operands can only overflow; otherwise
     * the operands say what happened: Inf - Inf, 0 * Inf, or a NaN/Inf that was already there.
     */
    private static Diagnosis verdict(Fault f, int code, String sym) {
        double a = f.x(0), b = f.x(1), v = f.badValue();
        String expr = f.x(0) + " " + sym + " " + f.x(1) + " = " + v + " at " + f.where();
        if (Double.isFinite(a) && Double.isFinite(b)) {
            return Double.isNaN(v) ? Diagnosis.generic(f)
                    : Diagnosis.of(Cause.OVERFLOW, expr + " from finite operands: the result left "
                            + InFormat.range(f.precision()));
        }
        if (Double.isNaN(a) || Double.isNaN(b)) return Diagnosis.operandHeld(f, Double.isNaN(a) ? 0 : 1);
        boolean opposite = Double.isInfinite(a) && Double.isInfinite(b) && (a > 0) != (b > 0);
        if (code == ADD && opposite || code == SUB && Double.isInfinite(a) && Double.isInfinite(b) && !opposite) {
            return Diagnosis.of(Cause.INF_MINUS_INF, expr + ": '" + f.operandName(0) + "' and '" + f.operandName(1)
                    + "' were already infinite, and infinities of opposite sign cancel to NaN");
        }
        if (code == MUL && (a == 0 || b == 0)) {
            return Diagnosis.of(Cause.ZERO_TIMES_INF, expr + ": '" + f.operandName(a == 0 ? 1 : 0)
                    + "' was already infinite and 0 * Inf is NaN");
        }
        return Diagnosis.operandHeld(f, Double.isInfinite(a) ? 0 : 1);
    }

    /** Add and sub pass the upstream gradient on (summed over broadcast dimensions): only that sum can overflow. */
    private static Diagnosis gradOverflow(Fault f) {
        return Diagnosis.of(Cause.OVERFLOW, "the gradient to operand " + f.operand() + " of " + f.op() + " overflowed at "
                + f.where() + InFormat.in(f.precision()) + " (upstream gradient up to " + maxAbs(f.upstream()) + ")");
    }

    /** Mul's gradient to operand i is g * x[1 - i]: the other operand decides. */
    private static Diagnosis mulGradient(Fault f) {
        int other = 1 - f.operand();
        double x = f.x(other), g = f.g();
        if (Double.isNaN(x)) return Diagnosis.operandHeld(f, other);
        if (Double.isInfinite(x)) {
            return g == 0
                    ? Diagnosis.of(Cause.ZERO_TIMES_INF, "upstream gradient 0 times '" + f.operandName(other) + "' = " + x
                            + " at " + f.where())
                    : Diagnosis.operandHeld(f, other);
        }
        return Diagnosis.of(Cause.OVERFLOW, "upstream gradient " + g + " times '" + f.operandName(other) + "' = " + x
                + " at " + f.where() + " left " + InFormat.range(f.precision()) + " (finite factors)");
    }

    static double maxAbs(DMatrixRMaj m) {
        double mx = 0;
        for (int i = 0, n = m.getNumElements(); i < n; i++) mx = Math.max(mx, Math.abs(m.data[i]));
        return mx;
    }

    /** {@code a + b}. */
    public static final class Add implements Op {
        public String name() { return "add"; }
        public String symbol() { return "+"; }
        public boolean elementwise() { return true; }
        public DMatrixRMaj forward(DMatrixRMaj[] x) { return binary(ADD, x[0], x[1]); }
        public DMatrixRMaj vjp(int i, DMatrixRMaj[] x, DMatrixRMaj y, DMatrixRMaj g) {
            return Broadcast.reduceToFresh(g, x[i]);
        }
        @Override public DMatrixRMaj vjpInto(int i, DMatrixRMaj[] x, DMatrixRMaj y, DMatrixRMaj g, DMatrixRMaj out) {
            return Broadcast.reduceInto(g, out);
        }
        public Diagnosis diagnose(Fault f) { return f.backward() ? gradOverflow(f) : verdict(f, ADD, "+"); }
    }

    /** {@code a - b}. */
    public static final class Sub implements Op {
        public String name() { return "sub"; }
        public String symbol() { return "-"; }
        public boolean elementwise() { return true; }
        public DMatrixRMaj forward(DMatrixRMaj[] x) { return binary(SUB, x[0], x[1]); }
        public DMatrixRMaj vjp(int i, DMatrixRMaj[] x, DMatrixRMaj y, DMatrixRMaj g) {
            DMatrixRMaj r = Broadcast.reduceToFresh(g, x[i]);
            if (i == 1) for (int k = 0, n = r.getNumElements(); k < n; k++) r.data[k] = -r.data[k];
            return r;
        }
        @Override public DMatrixRMaj vjpInto(int i, DMatrixRMaj[] x, DMatrixRMaj y, DMatrixRMaj g, DMatrixRMaj out) {
            Broadcast.reduceInto(g, out);
            if (i == 1) for (int k = 0, n = out.getNumElements(); k < n; k++) out.data[k] = -out.data[k];
            return out;
        }
        public Diagnosis diagnose(Fault f) { return f.backward() ? gradOverflow(f) : verdict(f, SUB, "-"); }
    }

    /** {@code a * b} (elementwise). */
    public static final class Mul implements Op {
        public String name() { return "mul"; }
        public String symbol() { return "*"; }
        public boolean elementwise() { return true; }
        public DMatrixRMaj forward(DMatrixRMaj[] x) { return binary(MUL, x[0], x[1]); }
        public DMatrixRMaj vjp(int i, DMatrixRMaj[] x, DMatrixRMaj y, DMatrixRMaj g) {
            return Broadcast.reduceTo(binary(MUL, g, x[1 - i]), x[i].numRows, x[i].numCols);
        }
        public Diagnosis diagnose(Fault f) { return f.backward() ? mulGradient(f) : verdict(f, MUL, "*"); }
    }

    /** {@code a / b} (elementwise). */
    public static final class Div implements Op {
        private static String eps(Precision p) {
            return "add an epsilon to the denominator: a / (b + " + InFormat.eps(p, 1e-8) + "), or clamp it away from 0"
                    + InFormat.epsNote(p, 1e-8);
        }

        public String name() { return "div"; }
        public String symbol() { return "/"; }
        public boolean elementwise() { return true; }
        public DMatrixRMaj forward(DMatrixRMaj[] x) { return binary(DIV, x[0], x[1]); }

        public DMatrixRMaj vjp(int i, DMatrixRMaj[] x, DMatrixRMaj y, DMatrixRMaj g) {
            if (i == 0) return Broadcast.reduceTo(binary(DIV, g, x[1]), x[0].numRows, x[0].numCols);
            // d(a/b)/db = -a / b^2, never with b*b formed: it underflows to 0 for |b| < 1.5e-162
            DMatrixRMaj a = x[0], b = x[1];
            DMatrixRMaj out = Results.scratch(g.numRows, g.numCols);
            int as = Broadcast.colStep(a), bs = Broadcast.colStep(b);
            for (int r = 0; r < g.numRows; r++) {
                int ai = Broadcast.rowBase(a, r), bi = Broadcast.rowBase(b, r), o = r * g.numCols;
                for (int c = 0; c < g.numCols; c++, ai += as, bi += bs) {
                    out.data[o + c] = Scaled.divGradDivisor(g.data[o + c], a.data[ai], b.data[bi]);
                }
            }
            return Broadcast.reduceTo(out, b.numRows, b.numCols);
        }

        public Diagnosis diagnose(Fault f) {
            double a = f.x(0), b = f.x(1), g = f.g();
            String eps = eps(f.precision());
            if (!f.backward()) {
                if (b == 0) {
                    return a == 0
                            ? new Diagnosis(Cause.ZERO_DIV_ZERO, "0 / 0 at " + f.where(), Elementwise.maskingWillNotSave(eps))
                            : new Diagnosis(Cause.DIV_BY_ZERO, a + " / 0 at " + f.where(), Elementwise.maskingWillNotSave(eps));
                }
                return new Diagnosis(Cause.OVERFLOW, a + " / " + b + " = " + f.badValue() + " at " + f.where()
                        + ": dividing by a tiny number left " + InFormat.range(f.precision()), eps);
            }
            if (f.operand() == 0) {
                if (b == 0) return new Diagnosis(g == 0 ? Cause.ZERO_DIV_ZERO : Cause.DIV_BY_ZERO,
                        "d(a/b)/da = 1/b with b = 0 at " + f.where() + ", upstream gradient " + g, eps);
                return new Diagnosis(Cause.OVERFLOW, "gradient " + g + " / " + b + " overflowed at " + f.where() + InFormat.in(f.precision()), eps);
            }
            double bb = b * b;
            if (bb == 0) {
                return new Diagnosis(g * a == 0 ? Cause.ZERO_DIV_ZERO : Cause.DIV_BY_ZERO,
                        "d(a/b)/db = -a/b^2 with b = " + b + " (b^2 = " + bb + (b != 0 ? ", underflowed" : "")
                                + "), a = " + a + ", upstream gradient " + g + " at " + f.where(), eps);
            }
            return new Diagnosis(Cause.OVERFLOW, "d(a/b)/db = -a/b^2 with a = " + a + ", b = " + b + " overflowed at "
                    + f.where() + InFormat.in(f.precision()), eps);
        }
    }
}
