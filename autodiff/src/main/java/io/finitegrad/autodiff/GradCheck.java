package io.finitegrad.autodiff;

import io.finitegrad.core.Emulation;
import io.finitegrad.core.Precision;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.ejml.data.DMatrixRMaj;

/**
 * Checks backward against central finite differences, {@code (f(x+h) - f(x-h)) / 2h}, for every
 * element of every parameter. Works on any graph, custom ops included: the loss is rebuilt by the
 * supplier for each perturbation.
 *
 * <pre>{@code
 * GradCheck.Result r = GradCheck.check(() -> model.forward(x).sub(y).square().mean(), model.parameters());
 * System.out.println(r);          // one line per parameter
 * assert r.maxError() < 1e-6;
 * }</pre>
 *
 * <p>The error per parameter is {@code ||analytic - numeric|| / max(||analytic||, ||numeric||, 1e-8)}
 * (Euclidean norms over the parameter's elements), 0 when both are 0. Parameter values are restored
 * exactly afterwards. The perturbed forward passes run with the guard OFF.
 *
 * <p>It always computes in float64, also inside a {@link Precision#emulate} scope (which it
 * suspends for the check and restores afterwards): a difference step of 1e-5 is below float16's
 * and bfloat16's resolution ({@code 1 + 1e-5} rounds to 1), so a central difference in the format
 * would measure rounding, not the derivative. What it checks, the VJP formulas, does not depend on
 * the format; parameters stored rounded ({@code roundParameters(true)}) are checked at their
 * stored values.
 *
 * @throws IllegalArgumentException if the loss is not 1x1 or a parameter does not require grad
 */
@SuppressWarnings("try") // the guard-off and float64 scopes are opened for their effect, never read
public final class GradCheck {
    /** Default relative step: h = 1e-5 * max(1, |x|). */
    public static final double DEFAULT_STEP = 1e-5;

    private GradCheck() {
    }

    /**
     * Checks with the {@link #DEFAULT_STEP}, in float64.
     *
     * @throws IllegalArgumentException if the loss is not 1x1 or a parameter does not require grad
     */
    public static Result check(Supplier<Var> loss, List<Var> params) {
        return check(loss, params, DEFAULT_STEP);
    }

    /**
     * Checks with the relative difference step {@code step} ({@link #stepAt}), in float64 whatever
     * format the thread emulates.
     *
     * @throws IllegalArgumentException if the step is not in (0, Infinity), the loss is not 1x1 or
     *     a parameter does not require grad
     */
    public static Result check(Supplier<Var> loss, List<Var> params, double step) {
        if (!(step > 0) || !Double.isFinite(step)) throw new IllegalArgumentException("GradCheck: step must be > 0, got " + step);
        try (Emulation float64 = Precision.emulate(Precision.FLOAT64)) {
            return checkInFloat64(loss, params, step);
        }
    }

    private static Result checkInFloat64(Supplier<Var> loss, List<Var> params, double step) {
        for (Var p : params) {
            if (!p.requiresGrad()) throw new IllegalArgumentException("GradCheck: '" + p.name() + "' does not require grad");
            p.zeroGrad();
        }
        Var l = loss.get();
        if (l.rows() != 1 || l.cols() != 1) throw new IllegalArgumentException("GradCheck: loss must be 1x1, got " + l.shape());
        l.backward();
        Map<String, Double> errors = new LinkedHashMap<>();
        Map<String, double[]> analyticByName = new LinkedHashMap<>();
        Map<String, double[]> numericByName = new LinkedHashMap<>();
        try (FiniteGuard.Scope off = FiniteGuard.mode(FiniteGuard.Mode.OFF)) {
            for (Var p : params) {
                DMatrixRMaj v = p.write(); // perturbed in place; write() makes the guard rescan it afterwards
                int n = v.getNumElements();
                double[] analytic = new double[n];
                DMatrixRMaj g = p.readGrad();
                if (g != null) System.arraycopy(g.data, 0, analytic, 0, n);
                double[] numeric = new double[n];
                for (int k = 0; k < n; k++) {
                    double x = v.data[k];
                    double h = stepAt(x, step);
                    double fp, fm;
                    try {
                        v.data[k] = x + h;
                        fp = loss.get().item();
                        v.data[k] = x - h;
                        fm = loss.get().item();
                    } finally {
                        v.data[k] = x; // even when the loss throws, the parameter must not stay perturbed
                    }
                    numeric[k] = (fp - fm) / (2 * h);
                }
                errors.put(p.name(), relativeError(analytic, numeric));
                analyticByName.put(p.name(), analytic);
                numericByName.put(p.name(), numeric);
            }
        }
        return new Result(errors, analyticByName, numericByName);
    }

    /**
     * The difference step used at an element of value {@code x}: {@code relativeStep * max(1, |x|)},
     * relative for large values and absolute near 0.
     */
    public static double stepAt(double x, double relativeStep) {
        return relativeStep * Math.max(1.0, Math.abs(x));
    }

    /** {@code ||a - b|| / max(||a||, ||b||, 1e-8)}; 0 when both are zero. */
    public static double relativeError(double[] a, double[] b) {
        double diff = 0, na = 0, nb = 0;
        for (int i = 0; i < a.length; i++) {
            diff += (a[i] - b[i]) * (a[i] - b[i]);
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }
        if (diff == 0) return 0;
        return Math.sqrt(diff) / Math.max(Math.max(Math.sqrt(na), Math.sqrt(nb)), 1e-8);
    }

    /** Per-parameter relative errors, in the order the parameters were given. */
    public static final class Result {
        private final Map<String, Double> errors;
        private final Map<String, double[]> analytic;
        private final Map<String, double[]> numeric;

        Result(Map<String, Double> errors, Map<String, double[]> analytic, Map<String, double[]> numeric) {
            this.errors = Collections.unmodifiableMap(errors);
            this.analytic = analytic;
            this.numeric = numeric;
        }

        public Map<String, Double> errors() {
            return errors;
        }

        /** The largest relative error (NaN if any gradient was non-finite). */
        public double maxError() {
            double m = 0;
            for (double e : errors.values()) {
                if (Double.isNaN(e)) return Double.NaN;
                m = Math.max(m, e);
            }
            return m;
        }

        /** True if every parameter's error is below {@code tolerance}. */
        public boolean passed(double tolerance) {
            return maxError() < tolerance;
        }

        public double[] analytic(String param) {
            return analytic.get(param).clone();
        }

        public double[] numeric(String param) {
            return numeric.get(param).clone();
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder("GradCheck (relative error per parameter)");
            errors.forEach((k, v) -> sb.append(String.format("%n  %-30s %.3e", k, v)));
            return sb.toString();
        }
    }
}
