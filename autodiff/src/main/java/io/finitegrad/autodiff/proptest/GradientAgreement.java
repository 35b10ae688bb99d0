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
 * vector-Jacobian product which mixes up elements is caught. The central difference for an element
 * of {@code x} differences each output element on its own and contracts with {@code w} afterwards,
 * so the change of one output is never rounded away next to another's magnitude (the summed loss
 * of {@code [0, 1e154]} does not change when 0 moves by 1e-5). It cannot see a change that one
 * output's own magnitude hides (an output {@code x + 1e20}); check such an op at moderate values.
 * Inputs where {@code f(x)} is
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
    void verify(Tensor x, Tally tally) {
        for (double v : x.toFlatArray()) {
            for (double k : kinks) if (Math.abs(v - k) <= 2 * step * Math.max(1, Math.abs(v))) return;
        }
        try (FiniteGuard.Scope warn = FiniteGuard.mode(FiniteGuard.Mode.WARN)) {
            Var xv = Var.param("x", x);
            Var y = f.apply(xv);
            if (!y.value().isFinite() || !y.requiresGrad()) return;
            Tensor w = weights(y.rows(), y.cols());
            y.backward(w);
            double[] analytic = xv.grad().toFlatArray();
            double[] numeric = centralDifferences(x, y, w);
            tolerance.check(List.of(xv), List.of(analytic), List.of(numeric), null, warn, tally);
        }
    }

    /**
     * For each element of x, the central difference of every output element on its own, contracted
     * with the weights afterwards: differencing their weighted sum instead would round away the
     * change of a small output next to a large one (0.69 next to 1e154).
     */
    private double[] centralDifferences(Tensor x, Var y, Tensor w) {
        double[] at = x.toFlatArray(), weight = w.toFlatArray(), numeric = new double[at.length];
        try (FiniteGuard.Scope off = FiniteGuard.mode(FiniteGuard.Mode.OFF)) {
            for (int k = 0; k < at.length; k++) {
                double v = at[k], h = GradCheck.stepAt(v, step);
                at[k] = v + h;
                double[] plus = output(x, at, y);
                at[k] = v - h;
                double[] minus = output(x, at, y);
                at[k] = v;
                double sum = 0;
                for (int j = 0; j < plus.length; j++) sum += weight[j] * ((plus[j] - minus[j]) / (2 * h));
                numeric[k] = sum;
            }
        }
        return numeric;
    }

    private double[] output(Tensor x, double[] at, Var y) {
        Var out = f.apply(Var.param("x", Tensor.of(x.rows(), x.cols(), at)));
        if (out.rows() != y.rows() || out.cols() != y.cols()) {
            throw new UsageError(name() + ": f gives " + y.shape() + " at x and " + out.shape() + " at a perturbed x");
        }
        return out.value().toFlatArray();
    }

    /** Central differences need float64: a step of 1e-5 is below float16's resolution. */
    @Override
    boolean computesInFloat64() {
        return true;
    }

    @Override
    String outsideClaim() {
        return "inputs where f(x) is non-finite or near a kink, elements without a finite central difference";
    }

    /** Distinct weights 1, ..., < 1.5: every output element counts differently. */
    static Tensor weights(int rows, int cols) {
        int n = rows * cols;
        double[] w = new double[n];
        for (int k = 0; k < n; k++) w[k] = 1 + 0.5 * k / n;
        return Tensor.of(rows, cols, w);
    }
}
