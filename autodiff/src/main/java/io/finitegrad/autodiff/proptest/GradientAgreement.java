package io.finitegrad.autodiff.proptest;

import io.finitegrad.autodiff.FiniteGuard;
import io.finitegrad.autodiff.GradCheck;
import io.finitegrad.autodiff.Var;
import io.finitegrad.core.Tensor;
import java.util.List;
import java.util.function.UnaryOperator;
import org.quicktheories.core.Gen;

/**
 * The analytic gradient agrees with central differences ({@link GradCheck}) element by element:
 * {@code |analytic - numeric| <= absolute + relative * max(|analytic|, |numeric|)}, by default with
 * relative 1e-6 and absolute 1e-8 (central differences carry an error of order h^2 times the third
 * derivative, which no relative tolerance absorbs where the gradient itself is near 0). The loss
 * is {@code sum(w * f(x))} with distinct fixed weights {@code w} (1 to 1.5), so that a
 * vector-Jacobian product which mixes up elements is caught. Inputs where {@code f(x)} is
 * non-finite, and inputs within two difference steps of a {@link #kinksAt kink} (where the
 * derivative jumps and central differences average the two sides), are skipped, as are elements
 * whose central difference is not finite. For a model with parameters of its own, see
 * {@link ModelGradientAgreement}.
 */
@SuppressWarnings("try") // the guard scope is opened for its effect
public final class GradientAgreement extends StabilityProperty<Tensor, GradientAgreement> {
    private final UnaryOperator<Var> f;
    private Tolerance tolerance = new Tolerance("gradCheck", 1e-6, 1e-8);
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
        this.tolerance = new Tolerance(name(), relative, absolute);
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
            List<Var> params = List.of(xv);
            return tolerance.check(params, GradCheck.check(() -> f.apply(xv).mul(w).sum(), params, step), warn);
        }
    }

    /** Distinct weights 1, ..., < 1.5: every output element counts differently. */
    static Tensor weights(int rows, int cols) {
        int n = rows * cols;
        double[] w = new double[n];
        for (int k = 0; k < n; k++) w[k] = 1 + 0.5 * k / n;
        return Tensor.of(rows, cols, w);
    }
}
