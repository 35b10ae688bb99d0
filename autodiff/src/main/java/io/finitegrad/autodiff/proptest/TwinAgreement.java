package io.finitegrad.autodiff.proptest;

import io.finitegrad.autodiff.FiniteGuard;
import io.finitegrad.autodiff.Var;
import io.finitegrad.core.Precision;
import io.finitegrad.core.Tensor;
import java.util.function.UnaryOperator;
import org.quicktheories.core.Gen;

/**
 * A naive formula and its stable twin agree, in value and in gradient, wherever both are finite:
 * {@code |a - b| <= relative * max(|a|, |b|) + absolute}. The gradient is that of
 * {@code sum(w * f(x))} with fixed distinct weights {@code w} in [1, 1.5) (with equal weights the
 * gradient of a softmax would be 0 whatever its VJP did). Where the
 * naive one overflows is the stable one's reason to exist, and is not checked here (see
 * {@link ReferenceStability} and {@link io.finitegrad.autodiff.limits.BreakingPoints}): such
 * elements are left out ({@link PropertyResult#skipped()}), and if every value and gradient
 * element was (logits where the naive softmax is NaN throughout), the check throws. Inside
 * {@code Precision.emulate(p)} both compute in p, and unless a {@link #tolerance} is given the
 * accepted difference is p's: {@value #RELATIVE_EPSILONS} {@link Precision#epsilon()} relative plus
 * {@value #ABSOLUTE_EPSILONS} absolute (a composite formula rounds at every node, a fused one once;
 * in float16 that is 0.0078 relative plus 0.002). Gradients are compared only for inputs at which
 * neither forward pass met a NaN/Inf: a backward pass through an overflowed intermediate gives
 * no formula's gradient (under emulation the naive softplus's gradient past its overflow is 0,
 * exp's derivative being redone in double), and its elements are left out.
 */
@SuppressWarnings("try") // the guard scope is opened for its effect
public final class TwinAgreement extends StabilityProperty<Tensor, TwinAgreement> {
    private final UnaryOperator<Var> naive;
    private final UnaryOperator<Var> stable;
    /** The default relative tolerance under emulation, in units of the format's epsilon. */
    static final int RELATIVE_EPSILONS = 8;
    /** The default absolute tolerance under emulation, in units of the format's epsilon (cancellation around 0). */
    static final int ABSOLUTE_EPSILONS = 2;

    /** The tolerance given, or NaN for the default of the thread's format. */
    private double relative = Double.NaN;
    private double absolute = Double.NaN;

    TwinAgreement(String name, Gen<Tensor> inputs, UnaryOperator<Var> naive, UnaryOperator<Var> stable) {
        super(name, inputs);
        if (naive == null || stable == null) throw new IllegalArgumentException(name + ": both functions must be given");
        this.naive = naive;
        this.stable = stable;
    }

    /**
     * The accepted difference (default in float64 1e-9 relative plus 1e-12 absolute: where terms
     * cancel, as in a softmax's gradient, the two formulas round differently around 0, and a naive
     * formula may underflow to 0 where the stable one keeps a subnormal; under emulation
     * {@value #RELATIVE_EPSILONS} and {@value #ABSOLUTE_EPSILONS} epsilons of the format).
     *
     * @throws IllegalArgumentException unless both are finite and >= 0
     */
    public TwinAgreement tolerance(double relative, double absolute) {
        if (!(relative >= 0) || !(absolute >= 0) || !Double.isFinite(relative) || !Double.isFinite(absolute)) {
            throw new IllegalArgumentException(name() + ": tolerances must be finite and >= 0, got " + relative + ", " + absolute);
        }
        this.relative = relative;
        this.absolute = absolute;
        return this;
    }

    @Override
    void verify(Tensor x, Tally tally) {
        try (FiniteGuard.Scope warn = FiniteGuard.mode(FiniteGuard.Mode.WARN)) {
            Var xa = Var.param("x", x), xb = Var.param("x", x);
            Var a = naive.apply(xa), b = stable.apply(xb);
            if (a.rows() != b.rows() || a.cols() != b.cols()) {
                throw new UsageError(name() + ": naive gives " + a.shape() + ", stable " + b.shape());
            }
            boolean clean = warn.reports().isEmpty(); // no NaN/Inf entered either forward pass
            compare("value", a.value(), b.value(), tally);
            if (!a.requiresGrad() || !b.requiresGrad()) return;
            if (!clean) {
                tally.skipped(x.size());
                return;
            }
            Tensor w = GradientAgreement.weights(a.rows(), a.cols());
            a.backward(w);
            b.backward(w);
            compare("gradient", xa.grad(), xb.grad(), tally);
        }
    }

    @Override
    String outsideClaim() {
        return "elements where the naive or the stable value or gradient is non-finite, gradients of inputs where"
                + " a forward pass met a NaN/Inf";
    }

    private void compare(String what, Tensor a, Tensor b, Tally tally) {
        Precision p = Precision.current();
        double relative = !Double.isNaN(this.relative) ? this.relative : p.isNative() ? 1e-9 : RELATIVE_EPSILONS * p.epsilon();
        double absolute = !Double.isNaN(this.absolute) ? this.absolute : p.isNative() ? 1e-12 : ABSOLUTE_EPSILONS * p.epsilon();
        for (int r = 0; r < a.rows(); r++) {
            for (int c = 0; c < a.cols(); c++) {
                double u = a.get(r, c), v = b.get(r, c);
                if (!Double.isFinite(u) || !Double.isFinite(v)) {
                    tally.skipped(1);
                    continue;
                }
                double allowed = relative * Math.max(Math.abs(u), Math.abs(v)) + absolute;
                if (Math.abs(u - v) > allowed) {
                    throw new Violation(what + " at (" + r + ", " + c + "): naive " + u + ", stable " + v + ", difference "
                            + Math.abs(u - v) + " > " + allowed, null);
                }
                tally.compared(1);
            }
        }
    }
}
