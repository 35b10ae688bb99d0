package io.finitegrad.autodiff.ops;

import io.finitegrad.autodiff.op.Cause;
import io.finitegrad.autodiff.op.Diagnosis;
import io.finitegrad.autodiff.op.Fault;
import io.finitegrad.autodiff.op.InFormat;
import io.finitegrad.autodiff.op.Op;
import io.finitegrad.core.Precision;
import io.finitegrad.core.StableKernels;
import org.ejml.data.DMatrixRMaj;

/**
 * Unary elementwise ops. Each writes its own loop (no per-element lambda call). Every VJP orders
 * its factors so that no intermediate overflows or underflows when the exact gradient is
 * representable: log's gradient is {@code g / x}, not {@code g * (1/x)}, whose reciprocal overflows
 * for subnormal x. Where a derivative is truly infinite (log or sqrt at 0) a masked branch's zero
 * gradient still meets it as {@code 0 / 0} or {@code 0 * inf}, which the guard reports.
 */
public final class Elementwise {
    private Elementwise() {
    }

    /** A result shaped like {@code x}, with undefined contents: every op here writes all of it. */
    static DMatrixRMaj like(DMatrixRMaj x) {
        return Results.scratch(x.numRows, x.numCols);
    }

    /** Shared shape of every unary op: elementwise, and named. */
    abstract static class Unary implements Op {
        public boolean elementwise() { return true; }
    }

    /**
     * {@code remedy} followed by the warning every forward report of an infinite boundary value
     * (log(0), x/0, pow(0, p < 0)) carries: THROW stops at this op before any where exists, so the
     * student must learn here that a mask applied to the result will not make its gradient finite.
     */
    static String maskingWillNotSave(String remedy) {
        return remedy + "; masking the result later (where) will not save the gradient: in backward the mask's zero"
                + " meets this op's infinite derivative (0 * inf = NaN), so select a safe input before the op,"
                + " the double-where fix: f(where(mask, x, safe))";
    }

    /** The masked-branch explanation shared by ops whose derivative is infinite at a point. */
    static Diagnosis zeroTimesInf(Fault f, String derivative) {
        return Diagnosis.of(Cause.ZERO_TIMES_INF, "upstream gradient 0 times " + derivative + " at " + f.where()
                + " with x = " + f.x(0) + ": a zero gradient (often from a where/mask that did not select this"
                + " element) met an infinite derivative");
    }

    /** {@code -x}. */
    public static final class Neg extends Unary {
        @Override public boolean exact() { return true; }
        @Override public boolean finiteFromFinite() { return true; }
        public String name() { return "neg"; }
        public DMatrixRMaj forward(DMatrixRMaj[] x) {
            DMatrixRMaj y = like(x[0]);
            for (int i = 0, n = y.getNumElements(); i < n; i++) y.data[i] = -x[0].data[i];
            return y;
        }
        public DMatrixRMaj vjp(int i, DMatrixRMaj[] x, DMatrixRMaj y, DMatrixRMaj g) {
            DMatrixRMaj d = like(g);
            for (int k = 0, n = d.getNumElements(); k < n; k++) d.data[k] = -g.data[k];
            return d;
        }
    }

    /** {@code exp(x)}; overflows above x = 709.78 in float64, 88.72 in float32 and bfloat16, 11.09 in float16. */
    public static final class Exp extends Unary {
        public String name() { return "exp"; }
        public DMatrixRMaj forward(DMatrixRMaj[] x) {
            DMatrixRMaj y = like(x[0]);
            for (int i = 0, n = y.getNumElements(); i < n; i++) y.data[i] = Math.exp(x[0].data[i]);
            return y;
        }
        public DMatrixRMaj vjp(int i, DMatrixRMaj[] x, DMatrixRMaj y, DMatrixRMaj g) {
            DMatrixRMaj d = like(g);
            for (int k = 0, n = d.getNumElements(); k < n; k++) {
                double e = y.data[k];
                // an underflowed (or overflowed) exp(x) is redone against g by exponents
                d.data[k] = e >= Double.MIN_NORMAL && e <= Double.MAX_VALUE ? g.data[k] * e
                        : Scaled.timesExp(g.data[k], x[0].data[k]);
            }
            return d;
        }
        public Diagnosis diagnose(Fault f) {
            double x = f.x(0);
            Precision p = f.precision();
            if (x > p.expOverflow()) {
                // the forward already overflowed here; whatever sent a zero gradient (a division by
                // the Inf, or a mask) cannot be told apart from the numbers
                if (f.backward() && f.g() == 0) return zeroTimesInf(f, "d exp(x)/dx = exp(x) = inf").withRemedy(
                        Cause.EXP_OVERFLOW.remedy(p) + "; if a where/mask sent the zero gradient, select a safe input"
                                + " before the exp (the double-where fix)");
                return Diagnosis.of(Cause.EXP_OVERFLOW, (f.backward() ? "d exp(x)/dx = exp(x) with" : "exp(x) with")
                        + " x = " + x + " > " + InFormat.expLimit(p) + " at " + f.where() + " overflows to +Infinity"
                        + InFormat.in(p));
            }
            return Diagnosis.of(Cause.OVERFLOW, "gradient " + f.g() + " * exp(" + x + ") overflowed at " + f.where()
                    + InFormat.in(p));
        }
    }

    /** Natural log; -Inf at 0, NaN below. */
    public static final class Log extends Unary {
        public String name() { return "log"; }
        public DMatrixRMaj forward(DMatrixRMaj[] x) {
            DMatrixRMaj y = like(x[0]);
            for (int i = 0, n = y.getNumElements(); i < n; i++) y.data[i] = Math.log(x[0].data[i]);
            return y;
        }
        public DMatrixRMaj vjp(int i, DMatrixRMaj[] x, DMatrixRMaj y, DMatrixRMaj g) {
            DMatrixRMaj d = like(g);
            // g / x, not g * (1 / x): 1/x overflows for x below 5.6e-309 although g / x may be finite
            for (int k = 0, n = d.getNumElements(); k < n; k++) d.data[k] = g.data[k] / x[0].data[k];
            return d;
        }
        public Diagnosis diagnose(Fault f) {
            double x = f.x(0);
            String from = f.operandOp(0) + " " + f.operandName(0);
            String remedy = remedyFor(f.operandOp(0), f.precision());
            if (!f.backward()) {
                if (x == 0) return new Diagnosis(Cause.LOG_OF_ZERO, "log(x) with x = " + x + " at " + f.where()
                        + " (x comes from '" + f.operandName(0) + "', op " + f.operandOp(0) + ")",
                        maskingWillNotSave(remedy));
                return new Diagnosis(Cause.LOG_OF_NEGATIVE, "log(x) with x = " + x + " < 0 at " + f.where()
                        + " (x from " + from + ")", "make the argument positive before the log (softplus, abs, clamp)");
            }
            if (x == 0) {
                if (f.g() == 0) return zeroTimesInf(f, "d log(x)/dx = 1/x = 1/0");
                return new Diagnosis(Cause.DIV_BY_ZERO, "d log(x)/dx = 1/x with x = 0 at " + f.where()
                        + ", upstream gradient " + f.g(), remedy);
            }
            return new Diagnosis(Cause.OVERFLOW, "gradient " + f.g() + " * 1/x with tiny x = " + x + " at " + f.where()
                    + " overflowed" + InFormat.in(f.precision()), remedy);
        }
        /**
         * By the operand's op, never by names: the log of a softmax or sigmoid op's output has a
         * log-space twin that cannot meet log(0).
         */
        static String remedyFor(String operandOp, Precision p) {
            if (operandOp.equals("softmax")) return "use logSoftmax(x) instead of log(softmax(x)) (a cross-entropy from logits)";
            if (operandOp.equals("sigmoid")) return "use the log-space form log(sigmoid(x)) = -softplus(-x) (a binary cross-entropy from logits)";
            return Cause.LOG_OF_ZERO.remedy(p);
        }
    }

    /** Square root; its derivative is infinite at 0. */
    public static final class Sqrt extends Unary {
        private static String eps(Precision p) {
            return "add an epsilon inside: sqrt(x + " + InFormat.eps(p, 1e-12) + ") (the usual fix for norms and std)"
                    + InFormat.epsNote(p, 1e-12);
        }
        public String name() { return "sqrt"; }
        public DMatrixRMaj forward(DMatrixRMaj[] x) {
            DMatrixRMaj y = like(x[0]);
            for (int i = 0, n = y.getNumElements(); i < n; i++) y.data[i] = Math.sqrt(x[0].data[i]);
            return y;
        }
        public DMatrixRMaj vjp(int i, DMatrixRMaj[] x, DMatrixRMaj y, DMatrixRMaj g) {
            DMatrixRMaj d = like(g);
            // g / (2 sqrt(x)): doubling is exact (sqrt(x) <= 1.4e154), and one division rounds once
            for (int k = 0, n = d.getNumElements(); k < n; k++) d.data[k] = g.data[k] / (y.data[k] + y.data[k]);
            return d;
        }
        public Diagnosis diagnose(Fault f) {
            double x = f.x(0);
            String eps = eps(f.precision());
            if (!f.backward()) return new Diagnosis(Cause.SQRT_OF_NEGATIVE, "sqrt(x) with x = " + x + " at " + f.where(),
                    "clamp the argument to >= 0 before the sqrt, or " + eps);
            if (x == 0) {
                if (f.g() == 0) return zeroTimesInf(f, "d sqrt(x)/dx = 1/(2 sqrt(0)) = inf").withRemedy(
                        Cause.ZERO_TIMES_INF.remedy() + "; without a mask, " + eps);
                return new Diagnosis(Cause.DIV_BY_ZERO, "d sqrt(x)/dx = 1/(2 sqrt(x)) with x = 0 at " + f.where()
                        + ": finite forward, infinite backward", eps);
            }
            return new Diagnosis(Cause.OVERFLOW, "gradient " + f.g() + " / (2 sqrt(" + x + ")) overflowed at " + f.where()
                    + InFormat.in(f.precision()), eps);
        }
    }

    /** {@code x^p} for a constant exponent. */
    public static final class Pow extends Unary {
        private final double p;
        public Pow(double p) {
            if (!Double.isFinite(p)) throw new IllegalArgumentException("pow: exponent must be finite, got " + p);
            this.p = Precision.current().round(p); // an emulated model holds its exponent in the format too
        }
        public String name() { return "pow"; }
        public DMatrixRMaj forward(DMatrixRMaj[] x) {
            DMatrixRMaj y = like(x[0]);
            double[] in = x[0].data;
            int n = y.getNumElements();
            if (p == 2) for (int i = 0; i < n; i++) y.data[i] = in[i] * in[i];
            else for (int i = 0; i < n; i++) y.data[i] = Math.pow(in[i], p);
            return y;
        }
        public DMatrixRMaj vjp(int i, DMatrixRMaj[] x, DMatrixRMaj y, DMatrixRMaj g) {
            if (p == 0) return Results.zeros(g.numRows, g.numCols); // x^0 is constant
            DMatrixRMaj d = like(g);
            double[] in = x[0].data;
            int n = d.getNumElements();
            if (p == 1) System.arraycopy(g.data, 0, d.data, 0, n);
            // (g * x) * 2: doubling last, so g * 2 cannot overflow where 2 g x is finite
            else if (p == 2) for (int k = 0; k < n; k++) d.data[k] = (g.data[k] * in[k]) * 2;
            else for (int k = 0; k < n; k++) d.data[k] = Scaled.powGrad(g.data[k], p, in[k]);
            return d;
        }
        /** The epsilon goes inside the power: a denominator epsilon does not apply to pow. */
        private String eps(Precision fmt) {
            String e = InFormat.eps(fmt, 1e-12);
            return "add an epsilon inside: pow(x + " + e + ", " + p + "), or clamp x to >= " + e + " before the pow"
                    + InFormat.epsNote(fmt, 1e-12);
        }
        public Diagnosis diagnose(Fault f) {
            double x = f.x(0);
            if (!f.backward()) {
                if (x < 0 && p != Math.rint(p)) {
                    return Diagnosis.of(p == 0.5 ? Cause.SQRT_OF_NEGATIVE : Cause.DOMAIN_ERROR,
                            "pow(x, " + p + ") with x = " + x + " < 0 at " + f.where() + ": a fractional power of a negative number");
                }
                if (x == 0 && p < 0) return new Diagnosis(Cause.DIV_BY_ZERO, "pow(0, " + p + ") = 1/0 at " + f.where(),
                        maskingWillNotSave(eps(f.precision())));
                return Diagnosis.of(Cause.OVERFLOW, "pow(" + x + ", " + p + ") = " + f.badValue() + " at " + f.where()
                        + InFormat.in(f.precision()));
            }
            if (Double.isNaN(x)) return Diagnosis.operandHeld(f, 0); // passed on (an allowed NaN), not overflowed
            if (x == 0 && p < 1) {
                if (f.g() == 0) return zeroTimesInf(f, "d x^" + p + "/dx = " + p + " * 0^" + (p - 1) + " = inf")
                        .withRemedy(Cause.ZERO_TIMES_INF.remedy() + "; without a mask, " + eps(f.precision()));
                return new Diagnosis(Cause.DIV_BY_ZERO, "d x^p/dx = p x^(p-1) with x = 0, p = " + p + " at " + f.where()
                        + ": finite forward, infinite backward", eps(f.precision()));
            }
            if (x < 0 && p != Math.rint(p)) return Diagnosis.of(Cause.DOMAIN_ERROR, "d x^p/dx with x = " + x + " < 0, p = " + p);
            return Diagnosis.of(Cause.OVERFLOW, "gradient " + f.g() + " * " + p + " * " + x + "^" + (p - 1)
                    + " overflowed at " + f.where() + InFormat.in(f.precision()));
        }
    }

    /** {@code |x|}; subgradient 0 at 0. */
    public static final class Abs extends Unary {
        @Override public boolean exact() { return true; }
        @Override public boolean finiteFromFinite() { return true; }
        public String name() { return "abs"; }
        public DMatrixRMaj forward(DMatrixRMaj[] x) {
            DMatrixRMaj y = like(x[0]);
            for (int i = 0, n = y.getNumElements(); i < n; i++) y.data[i] = Math.abs(x[0].data[i]);
            return y;
        }
        public DMatrixRMaj vjp(int i, DMatrixRMaj[] x, DMatrixRMaj y, DMatrixRMaj g) {
            DMatrixRMaj d = like(g);
            for (int k = 0, n = d.getNumElements(); k < n; k++) {
                double v = x[0].data[k];
                d.data[k] = v > 0 ? g.data[k] : v < 0 ? -g.data[k] : 0.0;
            }
            return d;
        }
    }

    /** Branch-stable logistic sigmoid. */
    public static final class Sigmoid extends Unary {
        public String name() { return "sigmoid"; }
        public DMatrixRMaj forward(DMatrixRMaj[] x) { return StableKernels.sigmoid(x[0], Results.scratch(x[0].numRows, x[0].numCols)); }
        public DMatrixRMaj vjp(int i, DMatrixRMaj[] x, DMatrixRMaj y, DMatrixRMaj g) {
            DMatrixRMaj d = like(g);
            for (int k = 0, n = d.getNumElements(); k < n; k++) d.data[k] = sigmoidGrad(g.data[k], x[0].data[k], y.data[k]);
            return d;
        }

        /**
         * {@code g s (1 - s)}. From the output s only while s is normal and 1 - s >= 1e-3 (so the
         * cancellation in 1 - s costs under 1e-13 relative); otherwise from x, as
         * {@code g e / (1 + e)^2} with {@code e = exp(-|x|)}, the product g e formed by exponents so a
         * large g meets an underflowing e without losing it.
         */
        static double sigmoidGrad(double g, double x, double s) {
            double c = 1 - s;
            if (s >= Double.MIN_NORMAL && c >= 1e-3) return (g * s) * c;
            double ax = Math.abs(x), e = Math.exp(-ax), q = 1 + e;
            return Scaled.timesExp(g, -ax) / q / q;
        }
    }

    /** Hyperbolic tangent. */
    public static final class Tanh extends Unary {
        public String name() { return "tanh"; }
        public DMatrixRMaj forward(DMatrixRMaj[] x) {
            DMatrixRMaj y = like(x[0]);
            for (int i = 0, n = y.getNumElements(); i < n; i++) y.data[i] = Math.tanh(x[0].data[i]);
            return y;
        }
        public DMatrixRMaj vjp(int i, DMatrixRMaj[] x, DMatrixRMaj y, DMatrixRMaj g) {
            DMatrixRMaj d = like(g);
            for (int k = 0, n = d.getNumElements(); k < n; k++) d.data[k] = tanhGrad(g.data[k], x[0].data[k], y.data[k]);
            return d;
        }

        /**
         * {@code g (1 - t^2)}. From the output t while 1 - t^2 >= 1e-3 (cancellation under 1e-13
         * relative); beyond, where t rounds towards +-1 and 1 - t^2 to 0, from x as
         * {@code 4 g e / (1 + e)^2} with {@code e = exp(-2|x|)}, the product g e formed by exponents.
         */
        static double tanhGrad(double g, double x, double t) {
            double c = 1 - t * t;
            if (c >= 1e-3) return g * c;
            double z = -2 * Math.abs(x), e = Math.exp(z), q = 1 + e;
            return Scaled.timesExp(g, z) * (4 / (q * q));
        }
    }

    /** {@code max(x, 0)}; the gradient is selected, not multiplied, so it never makes 0 * inf. */
    public static final class Relu extends Unary {
        @Override public boolean exact() { return true; }
        @Override public boolean finiteFromFinite() { return true; }
        public String name() { return "relu"; }
        public DMatrixRMaj forward(DMatrixRMaj[] x) {
            DMatrixRMaj y = like(x[0]);
            // Math.max keeps NaN (relu must not hide bad data) and gives +0 for -0, without the
            // data-dependent branch a ternary compiled to: 4.6 against 1.1 us per 4096 values
            for (int i = 0, n = y.getNumElements(); i < n; i++) y.data[i] = Math.max(x[0].data[i], 0.0);
            return y;
        }
        public DMatrixRMaj vjp(int i, DMatrixRMaj[] x, DMatrixRMaj y, DMatrixRMaj g) {
            DMatrixRMaj d = like(g);
            for (int k = 0, n = d.getNumElements(); k < n; k++) d.data[k] = x[0].data[k] > 0 ? g.data[k] : 0.0;
            return d;
        }
    }

    /** {@code x > 0 ? x : slope * x}. */
    public static final class LeakyRelu extends Unary {
        private final double slope;
        public LeakyRelu(double slope) {
            if (!Double.isFinite(slope)) throw new IllegalArgumentException("leakyRelu: slope must be finite, got " + slope);
            this.slope = Precision.current().round(slope);
        }
        public String name() { return "leakyRelu"; }
        public DMatrixRMaj forward(DMatrixRMaj[] x) {
            DMatrixRMaj y = like(x[0]);
            for (int i = 0, n = y.getNumElements(); i < n; i++) {
                double v = x[0].data[i];
                y.data[i] = v > 0 ? v : slope * v;
            }
            return y;
        }
        public DMatrixRMaj vjp(int i, DMatrixRMaj[] x, DMatrixRMaj y, DMatrixRMaj g) {
            DMatrixRMaj d = like(g);
            for (int k = 0, n = d.getNumElements(); k < n; k++) d.data[k] = x[0].data[k] > 0 ? g.data[k] : slope * g.data[k];
            return d;
        }
    }

    /** Stable {@code log(1 + exp(x))}; its derivative is the sigmoid. */
    public static final class Softplus extends Unary {
        public String name() { return "softplus"; }
        public DMatrixRMaj forward(DMatrixRMaj[] x) { return StableKernels.softplus(x[0], Results.scratch(x[0].numRows, x[0].numCols)); }
        public DMatrixRMaj vjp(int i, DMatrixRMaj[] x, DMatrixRMaj y, DMatrixRMaj g) {
            DMatrixRMaj d = like(g);
            for (int k = 0, n = d.getNumElements(); k < n; k++) d.data[k] = softplusGrad(g.data[k], x[0].data[k]);
            return d;
        }
    }

    /**
     * {@code g * sigmoid(x)}, the softplus gradient: for x < 0 as {@code g e / (1 + e)} with
     * {@code e = exp(x)} formed against g by exponents, since sigmoid(x) alone underflows below
     * x = -745 where a large g still makes the product representable.
     */
    static double softplusGrad(double g, double x) {
        if (x >= 0) return g / (1 + Math.exp(-x));
        return Scaled.timesExp(g, x) / (1 + Math.exp(x));
    }

    /** Clamp to [lo, hi]; NaN stays NaN, infinities are clamped (and so hidden: the guard notes it). */
    public static final class Clamp extends Unary {
        @Override public boolean exact() { return true; }
        private final double lo, hi;
        public Clamp(double lo, double hi) {
            if (Double.isNaN(lo) || Double.isNaN(hi) || lo > hi) {
                throw new IllegalArgumentException("clamp: need lo <= hi, got lo = " + lo + ", hi = " + hi);
            }
            // bounds in the format keep the clamp exact there (a bound that overflows stays an infinite bound)
            this.lo = Precision.current().round(lo);
            this.hi = Precision.current().round(hi);
        }
        public String name() { return "clamp"; }
        /** Unless a bound is +Inf below or -Inf above (a bound that overflowed the format), which every value is clamped to. */
        @Override public boolean finiteFromFinite() { return lo != Double.POSITIVE_INFINITY && hi != Double.NEGATIVE_INFINITY; }
        public DMatrixRMaj forward(DMatrixRMaj[] x) {
            DMatrixRMaj y = like(x[0]);
            for (int i = 0, n = y.getNumElements(); i < n; i++) {
                double v = x[0].data[i];
                y.data[i] = v < lo ? lo : v > hi ? hi : v;
            }
            return y;
        }
        public DMatrixRMaj vjp(int i, DMatrixRMaj[] x, DMatrixRMaj y, DMatrixRMaj g) {
            DMatrixRMaj d = like(g);
            for (int k = 0, n = d.getNumElements(); k < n; k++) {
                double v = x[0].data[k];
                d.data[k] = v >= lo && v <= hi ? g.data[k] : 0.0;
            }
            return d;
        }
    }
}
