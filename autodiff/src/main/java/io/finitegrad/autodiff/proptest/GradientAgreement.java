package io.finitegrad.autodiff.proptest;

import io.finitegrad.autodiff.FiniteGuard;
import io.finitegrad.autodiff.GradCheck;
import io.finitegrad.autodiff.NanReport;
import io.finitegrad.autodiff.Var;
import io.finitegrad.core.Tensor;
import java.util.List;
import java.util.function.UnaryOperator;
import org.quicktheories.core.Gen;

/**
 * The analytic gradient agrees with central differences ({@link GradCheck}) element by element:
 * {@code |analytic - numeric| <= absolute + relative * max(|analytic|, |numeric|)}, by default with
 * relative 1e-6 and absolute 1e-8 (central differences carry an error of order h^2 times the third
 * derivative, which no relative tolerance absorbs where the gradient itself is near 0). The loss is {@code sum(w * f(x))} with distinct fixed weights {@code w} (1 to 1.5), so
 * that a vector-Jacobian product which mixes up elements is caught. Inputs where {@code f(x)} is
 * non-finite, and inputs within two difference steps of a {@link #kinksAt kink} (where the
 * derivative jumps and central differences average the two sides), are skipped.
 */
@SuppressWarnings("try") // the guard scope is opened for its effect
public final class GradientAgreement extends StabilityProperty<Tensor, GradientAgreement> {
    /** Shown worst elements of a failure. */
    private static final int SHOWN = 4;

    private final UnaryOperator<Var> f;
    private double relative = 1e-6;
    private double absolute = 1e-8;
    private double step = GradCheck.DEFAULT_STEP;
    private double[] kinks = new double[0];

    GradientAgreement(String name, Gen<Tensor> inputs, UnaryOperator<Var> f) {
        super(name, inputs);
        if (f == null) throw new IllegalArgumentException(name + ": the function is null");
        this.f = f;
    }

    /**
     * The accepted difference per element: {@code absolute + relative * max(|analytic|, |numeric|)}.
     *
     * @throws IllegalArgumentException unless both are finite and >= 0, and not both 0
     */
    public GradientAgreement tolerance(double relative, double absolute) {
        if (!(relative >= 0) || !(absolute >= 0) || !Double.isFinite(relative) || !Double.isFinite(absolute)
                || relative + absolute == 0) {
            throw new IllegalArgumentException(name() + ": tolerances must be finite, >= 0 and not both 0, got "
                    + relative + ", " + absolute);
        }
        this.relative = relative;
        this.absolute = absolute;
        return this;
    }

    /**
     * The relative difference step (default {@link GradCheck#DEFAULT_STEP}).
     *
     * @throws IllegalArgumentException unless {@code 0 < step < Infinity}
     */
    public GradientAgreement step(double step) {
        if (!(step > 0) || !Double.isFinite(step)) throw new IllegalArgumentException(name() + ": step must be > 0, got " + step);
        this.step = step;
        return this;
    }

    /** Points where the derivative of {@code f} jumps (relu, abs and clamp at 0, say): inputs near them are skipped. */
    public GradientAgreement kinksAt(double... points) {
        this.kinks = points.clone();
        return this;
    }

    @Override
    boolean verify(Tensor x) {
        for (double v : x.toFlatArray()) {
            for (double k : kinks) if (Math.abs(v - k) <= 2 * step * Math.max(1, Math.abs(v))) return false;
        }
        try (FiniteGuard.Scope warn = FiniteGuard.mode(FiniteGuard.Mode.WARN)) {
            Var xv = Var.param("x", x);
            Var probe = f.apply(xv);
            if (!probe.value().isFinite() || !probe.requiresGrad()) return false;
            Var w = Var.constant(weights(probe.rows(), probe.cols()));
            GradCheck.Result r = GradCheck.check(() -> f.apply(xv).mul(w).sum(), List.of(xv), step);
            double[] analytic = r.analytic("x"), numeric = r.numeric("x");
            for (int k = 0; k < analytic.length; k++) {
                if (Double.isFinite(analytic[k])) continue;
                NanReport report = xv.gradientReport();
                throw new Violation("analytic gradient at " + at(k, x) + " is " + analytic[k] + ", central difference "
                        + numeric[k], report != null ? report : warn.reports().isEmpty() ? null : warn.reports().get(0));
            }
            int bad = 0;
            for (int k = 0; k < analytic.length; k++) if (excess(analytic[k], numeric[k]) > 0) bad++;
            if (bad == 0) return true;
            throw new Violation("analytic and central-difference gradients differ at " + bad + " of " + analytic.length
                    + " elements by more than " + absolute + " + " + relative + " * |gradient|" + worst(analytic, numeric, x), null);
        }
    }

    /** Distinct weights 1, ..., < 1.5: every output element counts differently. */
    static Tensor weights(int rows, int cols) {
        int n = rows * cols;
        double[] w = new double[n];
        for (int k = 0; k < n; k++) w[k] = 1 + 0.5 * k / n;
        return Tensor.of(rows, cols, w);
    }

    private static String at(int k, Tensor x) {
        return "(" + k / x.cols() + ", " + k % x.cols() + ")";
    }

    /** How far the difference exceeds the tolerance (> 0 fails). */
    private double excess(double a, double n) {
        return Math.abs(a - n) - (absolute + relative * Math.max(Math.abs(a), Math.abs(n)));
    }

    private String worst(double[] a, double[] n, Tensor x) {
        Integer[] idx = new Integer[a.length];
        for (int k = 0; k < idx.length; k++) idx[k] = k;
        java.util.Arrays.sort(idx, (i, j) -> Double.compare(excess(a[j], n[j]), excess(a[i], n[i])));
        StringBuilder sb = new StringBuilder();
        for (int k = 0; k < Math.min(SHOWN, idx.length); k++) {
            int i = idx[k];
            sb.append("\n  at ").append(at(i, x)).append(": analytic ").append(a[i]).append(", central difference ").append(n[i]);
        }
        return sb.toString();
    }
}
