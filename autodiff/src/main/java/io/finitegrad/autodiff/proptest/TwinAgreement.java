package io.finitegrad.autodiff.proptest;

import io.finitegrad.autodiff.FiniteGuard;
import io.finitegrad.autodiff.Var;
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
 * element was (logits where the naive softmax is NaN throughout), the check throws.
 */
@SuppressWarnings("try") // the guard scope is opened for its effect
public final class TwinAgreement extends StabilityProperty<Tensor, TwinAgreement> {
    private final UnaryOperator<Var> naive;
    private final UnaryOperator<Var> stable;
    private double relative = 1e-9;
    private double absolute = 1e-12;

    TwinAgreement(String name, Gen<Tensor> inputs, UnaryOperator<Var> naive, UnaryOperator<Var> stable) {
        super(name, inputs);
        if (naive == null || stable == null) throw new IllegalArgumentException(name + ": both functions must be given");
        this.naive = naive;
        this.stable = stable;
    }

    /**
     * The accepted difference (default 1e-9 relative plus 1e-12 absolute: where terms cancel, as
     * in a softmax's gradient, the two formulas round differently around 0, and a naive formula may
     * underflow to 0 where the stable one keeps a subnormal).
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
            compare("value", a.value(), b.value(), tally);
            if (!a.requiresGrad() || !b.requiresGrad()) return;
            Tensor w = GradientAgreement.weights(a.rows(), a.cols());
            a.backward(w);
            b.backward(w);
            compare("gradient", xa.grad(), xb.grad(), tally);
        }
    }

    @Override
    String outsideClaim() {
        return "elements where the naive or the stable value or gradient is non-finite";
    }

    private void compare(String what, Tensor a, Tensor b, Tally tally) {
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
