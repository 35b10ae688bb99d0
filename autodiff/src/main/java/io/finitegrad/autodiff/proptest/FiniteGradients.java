package io.finitegrad.autodiff.proptest;

import io.finitegrad.autodiff.FiniteGuard;
import io.finitegrad.autodiff.NanReport;
import io.finitegrad.autodiff.Var;
import io.finitegrad.autodiff.op.Phase;
import io.finitegrad.core.Precision;
import io.finitegrad.core.Tensor;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.Set;
import java.util.function.DoubleUnaryOperator;
import java.util.function.UnaryOperator;
import org.quicktheories.core.Gen;

/**
 * Wherever the exact gradient is finite and representable, the computed one is finite. The
 * gradient is that of {@code sum(f(x))} with respect to {@code x} (an upstream gradient of ones,
 * without forming the sum). Which exact gradients are finite:
 * <ul>
 * <li>given a {@link #reference} (or an elementwise {@link #derivative}): wherever it is finite;
 * <li>otherwise, wherever {@code f(x)} is finite, except where the guard's entry point for the
 *     non-finite gradient is an op whose derivative with respect to {@code x} itself is infinite
 *     there ({@code sqrt} at 0, whose derivative 1/(2 sqrt(0)) is; an entry whose
 *     {@link io.finitegrad.autodiff.op.Cause#inherent()} is true, in backward, writing straight
 *     into {@code x}). Inputs where {@code f(x)} is non-finite are outside the claim and pass. A
 *     NaN/Inf that enters anywhere else (a hidden branch's Inf returning as 0 * Inf, an
 *     intermediate's infinite local derivative) fails: give a reference if your function's exact
 *     gradient is infinite there.
 * </ul>
 * The judgement is only as good as the entry op's diagnosis: an op that does not diagnose its
 * faults reports every Inf from finite operands as {@link io.finitegrad.autodiff.op.Cause#OVERFLOW},
 * which counts as a true value beyond the range. So a custom op applied to {@code x} whose VJP
 * overflows in an intermediate (e^x squared, say) passes without a reference; with one, it fails.
 * A NaN from finite operands ({@code UNDEFINED}) always fails. Elements where the exact gradient
 * is not finite are left out ({@link PropertyResult#skipped()}); if no element of any example was
 * compared (a reference that is infinite everywhere), the check throws.
 *
 * <p><b>In a format</b> (checked inside {@code Precision.emulate(p)}), "finite" means representable
 * in p. A reference value beyond p's largest finite value (a float64 gradient of 1e5 in float16)
 * leaves its element out: the computed gradient may overflow there. Without a reference,
 * {@link io.finitegrad.autodiff.op.Cause#inherent()} keeps its meaning relative to the format: the
 * entry op's exact result on its operands (which are values of p: every op computes in double and
 * rounds once) is not representable in p, e.g. an OVERFLOW of 1 / x beyond 65,504 in float16, so
 * no way of computing that op in p could give a finite value; such an entry straight into x is
 * allowed, as sqrt's at 0 is.
 */
@SuppressWarnings("try") // the guard scope is opened for its effect
public final class FiniteGradients extends StabilityProperty<Tensor, FiniteGradients> {
    private final UnaryOperator<Var> f;
    private UnaryOperator<Tensor> reference;

    FiniteGradients(String name, Gen<Tensor> inputs, UnaryOperator<Var> f) {
        super(name, inputs);
        if (f == null) throw new IllegalArgumentException(name + ": the function is null");
        this.f = f;
    }

    /**
     * The exact gradient of {@code sum(f(x))} with respect to {@code x}, shaped like {@code x}, NaN or
     * infinite where it is not a representable number (computed in log space, with BigDecimal, or
     * from a formula, in float64 also under emulation: {@code x} is then a tensor of the format's
     * values); the computed gradient must be finite wherever this is representable in the
     * thread's format.
     */
    public FiniteGradients reference(UnaryOperator<Tensor> exactGradient) {
        if (exactGradient == null) throw new IllegalArgumentException(name() + ": reference is null");
        this.reference = exactGradient;
        return this;
    }

    /** For an elementwise {@code f}: its exact derivative, applied to each element as the {@link #reference}. */
    public FiniteGradients derivative(DoubleUnaryOperator exactDerivative) {
        if (exactDerivative == null) throw new IllegalArgumentException(name() + ": derivative is null");
        return reference(x -> x.map(exactDerivative));
    }

    @Override
    void verify(Tensor x, Tally tally) {
        Precision p = Precision.current();
        Tensor exact = reference == null ? null : reference.apply(x);
        if (exact != null && (exact.rows() != x.rows() || exact.cols() != x.cols())) {
            throw new UsageError(name() + ": the reference gradient is " + exact.shape() + ", x is " + x.shape());
        }
        try (FiniteGuard.Scope warn = FiniteGuard.mode(FiniteGuard.Mode.WARN)) {
            Var xv = Var.param("x", x);
            Var y = f.apply(xv);
            if (exact == null && !y.value().isFinite()) return; // outside f's finite domain: nothing claimed
            // f ignoring x has the gradient 0, finite wherever the exact one is: compared without a backward pass
            double[] g = y.requiresGrad() ? gradient(y, xv) : new double[x.size()];
            int compared = 0, skipped = 0;
            // x has one gradient entry point, so the report and the verdict on it are the same for every element
            NanReport report = null;
            Boolean singular = null;
            for (int k = 0; k < g.length; k++) {
                int r = k / x.cols(), c = k % x.cols();
                if (exact != null && !representable(exact.get(r, c), p)) {
                    skipped++;
                    continue;
                }
                if (Double.isFinite(g[k])) {
                    compared++;
                    continue;
                }
                if (report == null) report = Violation.gradientEntry(xv, warn);
                if (exact != null) {
                    throw new Violation("gradient at (" + r + ", " + c + ") is " + g[k] + " where the exact one is "
                            + exact.get(r, c), report);
                }
                if (singular == null) singular = report != null && singularAtInput(report, y, xv);
                if (singular) {
                    skipped++;
                    continue;
                }
                throw new Violation("gradient at (" + r + ", " + c + ") is " + g[k] + " although f(x) is finite ("
                        + TensorGens.describe(y.value()) + ") and no op's derivative with respect to x is infinite there", report);
            }
            tally.compared(compared);
            tally.skipped(skipped);
        }
    }

    /** Finite and within the format's range: a value the format can hold (beyond 65,504 float16 cannot). */
    static boolean representable(double v, Precision p) {
        return Double.isFinite(v) && Math.abs(v) <= p.maxFinite();
    }

    private static double[] gradient(Var y, Var x) {
        y.backward(Tensor.ones(y.rows(), y.cols()));
        return x.grad().toFlatArray();
    }

    @Override
    String outsideClaim() {
        return reference == null
                ? "inputs where f(x) is non-finite, elements where an op's own derivative with respect to x is infinite"
                : "elements where the reference gradient is non-finite or beyond the format's range";
    }

    /** The entry is an op's infinite derivative (by its own diagnosis) taken straight with respect to x. */
    private static boolean singularAtInput(NanReport report, Var root, Var x) {
        if (report.phase() != Phase.BACKWARD || report.cause() == null || !report.cause().inherent()) return false;
        Var entry = find(root, report.entryId());
        return entry != null && report.operand() >= 0 && entry.parents().get(report.operand()) == x;
    }

    private static Var find(Var root, long id) {
        Deque<Var> todo = new ArrayDeque<>();
        Set<Long> seen = new HashSet<>();
        todo.push(root);
        while (!todo.isEmpty()) {
            Var v = todo.pop();
            if (v.id() == id) return v;
            if (!seen.add(v.id())) continue;
            for (Var p : v.parents()) todo.push(p);
        }
        return null;
    }
}
