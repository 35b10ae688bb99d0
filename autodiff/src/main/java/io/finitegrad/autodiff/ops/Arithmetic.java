package io.finitegrad.autodiff.ops;

import io.finitegrad.autodiff.op.Cause;
import io.finitegrad.autodiff.op.Diagnosis;
import io.finitegrad.autodiff.op.Fault;
import io.finitegrad.autodiff.op.InFormat;
import io.finitegrad.autodiff.op.Op;
import io.finitegrad.autodiff.op.Range;
import io.finitegrad.core.Interval;
import io.finitegrad.core.IntervalMath;
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


    /** The forward box of add, sub or mul: ends by interval arithmetic, OVERFLOW where they reach an infinity. */
    static Range forwardRange(int code, Interval a, Interval b) {
        int rows = Math.max(a.rows(), b.rows()), cols = Math.max(a.cols(), b.cols());
        if (!Ranges.finite(a, b)) return Ranges.anything(rows, cols);
        double[][] e = Ranges.binary(code, a, b, rows, cols);
        return Ranges.result(rows, cols, e[0], e[1], false, Cause.OVERFLOW);
    }

    /** The gradient box of add or sub: the upstream box, summed over broadcast dimensions, negated for sub's operand 1. */
    static Range passRange(Interval g, Interval xi, boolean negate) {
        if (!g.isFinite()) return Ranges.anything(xi.rows(), xi.cols());
        double[] lo = g.los(), hi = g.his();
        if (negate) {
            double[] t = lo;
            lo = hi;
            hi = t;
            for (int k = 0; k < lo.length; k++) {
                lo[k] = -lo[k];
                hi[k] = -hi[k];
            }
        }
        Interval v = Ranges.reduce(lo, hi, g.rows(), g.cols(), xi.rows(), xi.cols(), 1, false);
        return v.isFinite() ? Range.of(v) : Range.of(v, Cause.OVERFLOW);
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
        @Override public Range forwardRange(Interval[] x, Precision p) { return Arithmetic.forwardRange(ADD, x[0], x[1]); }
        @Override public Range vjpRange(int i, Interval[] x, Interval y, Interval g, Precision p) {
            return passRange(g, x[i], false);
        }
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
        @Override public Range forwardRange(Interval[] x, Precision p) { return Arithmetic.forwardRange(SUB, x[0], x[1]); }
        @Override public Range vjpRange(int i, Interval[] x, Interval y, Interval g, Precision p) {
            return passRange(g, x[i], i == 1);
        }
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
        @Override public Range forwardRange(Interval[] x, Precision p) { return Arithmetic.forwardRange(MUL, x[0], x[1]); }
        /** {@code g * x[1 - i]} on g's shape, then summed to operand i's shape. */
        @Override public Range vjpRange(int i, Interval[] x, Interval y, Interval g, Precision p) {
            if (!Ranges.finite(g, x[1 - i])) return Ranges.anything(x[i].rows(), x[i].cols());
            double[][] e = Ranges.binary(MUL, g, x[1 - i], g.rows(), g.cols());
            Interval v = Ranges.reduce(e[0], e[1], g.rows(), g.cols(), x[i].rows(), x[i].cols(), 1, false);
            return v.isFinite() ? Range.of(v) : Range.of(v, Cause.OVERFLOW);
        }
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

        /** DIV_BY_ZERO or ZERO_DIV_ZERO where the divisor's box holds 0, OVERFLOW where a tiny one may overflow the quotient. */
        @Override public Range forwardRange(Interval[] x, Precision p) {
            Interval a = x[0], b = x[1];
            int rows = Math.max(a.rows(), b.rows()), cols = Math.max(a.cols(), b.cols());
            if (!Ranges.finite(a, b)) return Ranges.anything(rows, cols);
            double[][] e = Ranges.binary(DIV, a, b, rows, cols);
            Interval v = Interval.taking(rows, cols, e[0], e[1], zeroOverZero(a, b, rows, cols));
            java.util.Set<Cause> causes = divisionCauses(a, b, rows, cols);
            // a divisor near 0 that is not 0 overflows the quotient (in the format, after rounding)
            if (!v.isFinite()) causes.add(Cause.OVERFLOW);
            return Range.of(v, causes);
        }

        /**
         * Operand 0: {@code g / b}; operand 1: {@code -a g / b^2}, computed by the op without forming
         * b^2 ({@code Scaled.divGradDivisor}), bounded here as {@code -(g a) / b / b} widened for its
         * rescaled steps. Both summed over broadcast dimensions.
         */
        @Override public Range vjpRange(int i, Interval[] x, Interval y, Interval g, Precision p) {
            Interval a = x[0], b = x[1];
            if (!Ranges.finite(a, b, g)) return Ranges.anything(x[i].rows(), x[i].cols());
            int rows = g.rows(), cols = g.cols();
            double[] lo = new double[rows * cols], hi = new double[rows * cols];
            boolean nan = false;
            java.util.EnumSet<Cause> causes = java.util.EnumSet.noneOf(Cause.class);
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    int ia = Ranges.at(a, r, c), ib = Ranges.at(b, r, c), o = r * cols + c;
                    double gl = g.lo(o), gh = g.hi(o), bl = b.lo(ib), bh = b.hi(ib);
                    double nl = gl, nh = gh;
                    if (i == 1) {
                        nl = -IntervalMath.mulHi(gl, gh, a.lo(ia), a.hi(ia));
                        nh = -IntervalMath.mulLo(gl, gh, a.lo(ia), a.hi(ia));
                    }
                    if (bl <= 0 && bh >= 0) {
                        if (nl <= 0 && nh >= 0) {
                            causes.add(Cause.ZERO_DIV_ZERO);
                            nan = true;
                        }
                        if (nl != 0 || nh != 0) causes.add(Cause.DIV_BY_ZERO);
                    }
                    if (i == 1 && gl <= 0 && gh >= 0) {
                        // the op forms a / b first: where that overflows, a zero upstream gradient makes 0 * Inf = NaN
                        double maxA = Math.max(Math.abs(a.lo(ia)), Math.abs(a.hi(ia)));
                        double minB = bl > 0 ? bl : bh < 0 ? -bh : 0;
                        if (maxA != 0 && maxA / minB == Double.POSITIVE_INFINITY) {
                            nan = true;
                            causes.add(Cause.OVERFLOW);
                            if (minB * minB == 0) {
                                causes.add(Cause.DIV_BY_ZERO);
                                causes.add(Cause.ZERO_DIV_ZERO);
                            }
                        }
                    }
                    double[] q = IntervalMath.div(nl, nh, bl, bh);
                    if (i == 1) {
                        q = IntervalMath.div(q[0], q[1], bl, bh);
                        // the op's rescaled path rounds a few more times than the two divisions here
                        q[0] = q[0] - Math.abs(q[0]) * Ranges.SLACK - Ranges.TINY;
                        q[1] = q[1] + Math.abs(q[1]) * Ranges.SLACK + Ranges.TINY;
                    }
                    lo[o] = q[0];
                    hi[o] = q[1];
                }
            }
            Interval v = Ranges.reduce(lo, hi, rows, cols, x[i].rows(), x[i].cols(), 1, nan);
            // a tiny divisor that is not 0 overflows the quotient
            if (!v.isFinite()) causes.add(Cause.OVERFLOW);
            if (!v.isFinite() && i == 1) {
                // the op's diagnosis reads b^2: a tiny b whose square underflows is named a division by zero
                causes.add(Cause.OVERFLOW);
                causes.add(Cause.DIV_BY_ZERO);
                causes.add(Cause.ZERO_DIV_ZERO);
            }
            return Range.of(v, causes);
        }

        private static boolean zeroOverZero(Interval a, Interval b, int rows, int cols) {
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    if (a.mayBeZero(Ranges.at(a, r, c)) && b.mayBeZero(Ranges.at(b, r, c))) return true;
                }
            }
            return false;
        }

        private static java.util.Set<Cause> divisionCauses(Interval a, Interval b, int rows, int cols) {
            java.util.EnumSet<Cause> causes = java.util.EnumSet.noneOf(Cause.class);
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    int ia = Ranges.at(a, r, c), ib = Ranges.at(b, r, c);
                    if (b.mayBeZero(ib)) {
                        if (a.mayBeZero(ia)) causes.add(Cause.ZERO_DIV_ZERO);
                        if (a.lo(ia) != 0 || a.hi(ia) != 0) causes.add(Cause.DIV_BY_ZERO);
                    } else {
                        double[] q = IntervalMath.div(a.lo(ia), a.hi(ia), b.lo(ib), b.hi(ib));
                        if (Double.isInfinite(q[0]) || Double.isInfinite(q[1])) causes.add(Cause.OVERFLOW);
                    }
                }
            }
            return causes;
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
