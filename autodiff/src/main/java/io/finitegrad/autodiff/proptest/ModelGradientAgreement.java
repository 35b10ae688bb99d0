package io.finitegrad.autodiff.proptest;

import io.finitegrad.autodiff.FiniteGuard;
import io.finitegrad.autodiff.GradCheck;
import io.finitegrad.autodiff.Var;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;
import org.quicktheories.core.Gen;

/**
 * The gradient check for a model: for each example (inputs, targets, a seed for the model's
 * initialisation: whatever {@code T} holds), the analytic gradients of {@code loss(example)} with
 * respect to every parameter in {@code params(example)} agree with central differences, per element
 * as in {@link GradientAgreement}. Examples where the loss is non-finite, examples the
 * {@link #skipIf} predicate names (an input that puts a relu inside the model at its kink), and
 * elements whose central difference is not finite are skipped. So is an element whose change to
 * the loss is below the loss's rounding: the loss is one double, and where it is 1e154 moving a
 * parameter at 0 by the step changes nothing; an element is left out when its gradient, analytic
 * and numeric, is at most {@code ulp(loss) / h}, and a compared one may differ by that much more.
 * {@link PropertyResult#skipped()} counts the elements left out; if every element of every
 * example was, the check throws.
 *
 * <pre>{@code
 * record Batch(Tensor x, Tensor y) {}
 * Dense dense = new Dense(3, 2, Activation.TANH, Init.XAVIER_UNIFORM, new Random(1));
 * GradientProperties.gradCheck("dense", batches, b -> dense.parameters(),
 *         b -> Losses.mse(dense.forward(Var.input("x", b.x())), Var.constant(b.y()))).check();
 * }</pre>
 *
 * @param <T> the example type
 */
@SuppressWarnings("try") // the guard scope is opened for its effect
public final class ModelGradientAgreement<T> extends StabilityProperty<T, ModelGradientAgreement<T>> {
    private final Function<T, List<Var>> params;
    private final Function<T, Var> loss;
    private Tolerance tolerance = new Tolerance("gradCheck", 1e-6, 1e-8);
    private double step = GradCheck.DEFAULT_STEP;
    private Predicate<T> skip = e -> false;

    ModelGradientAgreement(String name, Gen<T> examples, Function<T, List<Var>> params, Function<T, Var> loss) {
        super(name, examples);
        if (params == null || loss == null) throw new IllegalArgumentException(name + ": give the parameters and the loss");
        this.params = params;
        this.loss = loss;
    }

    /**
     * The accepted difference per element: {@code absolute + relative * max(|analytic|, |numeric|)}
     * (default 1e-6 relative, 1e-8 absolute).
     *
     * @throws IllegalArgumentException unless both are finite and >= 0, and not both 0
     */
    public ModelGradientAgreement<T> tolerance(double relative, double absolute) {
        this.tolerance = new Tolerance(name(), relative, absolute);
        return this;
    }

    /**
     * The relative difference step (default {@link GradCheck#DEFAULT_STEP}).
     *
     * @throws IllegalArgumentException unless {@code 0 < step < Infinity}
     */
    public ModelGradientAgreement<T> step(double step) {
        if (!(step > 0) || !Double.isFinite(step)) throw new IllegalArgumentException(name() + ": step must be > 0, got " + step);
        this.step = step;
        return this;
    }

    /** Skips the examples this predicate accepts (one that puts an inner kink within a difference step, say). */
    public ModelGradientAgreement<T> skipIf(Predicate<T> nearKink) {
        if (nearKink == null) throw new IllegalArgumentException(name() + ": skipIf predicate is null");
        this.skip = nearKink;
        return this;
    }

    @Override
    void verify(T example, Tally tally) {
        if (skip.test(example)) return;
        try (FiniteGuard.Scope warn = FiniteGuard.mode(FiniteGuard.Mode.WARN)) {
            List<Var> ps = params.apply(example);
            Set<String> names = new HashSet<>();
            for (Var p : ps) {
                if (!names.add(p.name())) throw new UsageError(name() + ": two parameters are named '" + p.name() + "'");
            }
            Var probe = loss.apply(example);
            if (probe.rows() != 1 || probe.cols() != 1) {
                throw new UsageError(name() + ": the loss must be 1x1, got " + probe.shape());
            }
            if (!probe.value().isFinite() || !probe.requiresGrad()) return;
            GradCheck.Result r = GradCheck.check(() -> loss.apply(example), ps, step);
            // the loss is one double: a change of less than its ulp over the step is rounded away
            double ulp = Math.ulp(probe.item());
            List<double[]> analytic = new ArrayList<>(), numeric = new ArrayList<>(), resolution = new ArrayList<>();
            for (Var p : ps) {
                analytic.add(r.analytic(p.name()));
                numeric.add(r.numeric(p.name()));
                double[] at = p.value().toFlatArray();
                for (int k = 0; k < at.length; k++) at[k] = ulp / GradCheck.stepAt(at[k], step);
                resolution.add(at);
            }
            tolerance.check(ps, analytic, numeric, resolution, warn, tally);
        }
    }

    /** Central differences need float64: a step of 1e-5 is below float16's resolution. */
    @Override
    boolean computesInFloat64() {
        return true;
    }

    @Override
    String outsideClaim() {
        return "examples with a non-finite loss or named by skipIf, elements without a finite central difference"
                + " or whose change to the loss over the step is below its rounding (its ulp)";
    }
}
