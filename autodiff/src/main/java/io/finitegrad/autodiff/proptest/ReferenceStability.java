package io.finitegrad.autodiff.proptest;

import io.finitegrad.autodiff.FiniteGuard;
import io.finitegrad.autodiff.Var;
import io.finitegrad.core.Precision;
import io.finitegrad.core.Tensor;
import java.util.function.UnaryOperator;
import org.quicktheories.core.Gen;

/**
 * A stable op is finite wherever a reference computation of the true value is: the reference is
 * yours (computed in log space, with BigDecimal, or by a formula), NaN or infinite where the true
 * value is not a representable number. With a {@link #tolerance} the values must also agree there.
 * Elements where the reference is not finite are left out ({@link PropertyResult#skipped()}); if
 * it is nowhere finite, nothing was checked and the check throws. Inside
 * {@code Precision.emulate(p)} the reference stays yours, computed in float64 from the input
 * rounded to p; where it is beyond p's largest finite value the true value is not representable
 * in p and the element is left out too (exp(12) = 162,755 in float16), and a {@link #tolerance}
 * should allow for p's rounding (a few {@link Precision#epsilon()}).
 */
@SuppressWarnings("try") // the guard scope is opened for its effect
public final class ReferenceStability extends StabilityProperty<Tensor, ReferenceStability> {
    private final UnaryOperator<Var> f;
    private final UnaryOperator<Tensor> reference;
    private double relative = Double.NaN;

    ReferenceStability(String name, Gen<Tensor> inputs, UnaryOperator<Var> f, UnaryOperator<Tensor> reference) {
        super(name, inputs);
        if (f == null || reference == null) throw new IllegalArgumentException(name + ": the function and the reference must not be null");
        this.f = f;
        this.reference = reference;
    }

    /**
     * Also requires {@code |f(x) - reference| <= relative * |reference|} wherever the reference is
     * finite (off by default: only finiteness is checked).
     *
     * @throws IllegalArgumentException unless {@code 0 <= relative < Infinity}
     */
    public ReferenceStability tolerance(double relative) {
        if (!(relative >= 0) || !Double.isFinite(relative)) throw new IllegalArgumentException(name() + ": tolerance must be >= 0, got " + relative);
        this.relative = relative;
        return this;
    }

    @Override
    void verify(Tensor x, Tally tally) {
        Precision p = Precision.current();
        Tensor expected = reference.apply(x);
        try (FiniteGuard.Scope warn = FiniteGuard.mode(FiniteGuard.Mode.WARN)) {
            Tensor got = f.apply(Var.input("x", x)).value();
            if (got.rows() != expected.rows() || got.cols() != expected.cols()) {
                throw new UsageError(name() + ": f(x) is " + got.shape() + ", the reference is " + expected.shape());
            }
            for (int r = 0; r < got.rows(); r++) {
                for (int c = 0; c < got.cols(); c++) {
                    double e = expected.get(r, c), v = got.get(r, c);
                    if (!FiniteGradients.representable(e, p)) {
                        tally.skipped(1);
                        continue;
                    }
                    if (!Double.isFinite(v)) {
                        throw new Violation("f(x) at (" + r + ", " + c + ") is " + v + " where the reference is " + e,
                                Violation.firstReport(warn));
                    }
                    if (!Double.isNaN(relative) && Math.abs(v - e) > relative * Math.abs(e)) {
                        throw new Violation("f(x) at (" + r + ", " + c + ") is " + v + ", the reference " + e + ": relative error "
                                + String.format(java.util.Locale.ROOT, "%.3e", Math.abs(v - e) / Math.abs(e)) + " > " + relative, null);
                    }
                    tally.compared(1);
                }
            }
        }
    }

    @Override
    String outsideClaim() {
        return "elements where the reference is non-finite or beyond the format's range";
    }
}
