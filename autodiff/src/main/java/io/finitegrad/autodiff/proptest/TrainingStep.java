package io.finitegrad.autodiff.proptest;

import io.finitegrad.autodiff.FiniteGuard;
import io.finitegrad.autodiff.NonFiniteException;
import io.finitegrad.autodiff.Var;
import java.util.List;
import java.util.function.Function;
import org.ejml.data.DMatrixRMaj;
import org.quicktheories.core.Gen;

/**
 * One training step stays finite for every batch from a generator: the loss, every parameter's
 * gradient, and every parameter after the update. Before each example the parameters are put back
 * to the values they had when the check started, and after the check too, so each example is one
 * step from the same model and a failure shrinks reproducibly. Other state an update keeps
 * (Adam's moments, BatchNorm's running statistics) carries over between examples: keep the update
 * stateless, as the default plain SGD step is, to shrink exactly.
 *
 * @param <T> the batch type (a tensor, or your own record of inputs and targets)
 */
@SuppressWarnings("try") // the guard scope is opened for its effect
public final class TrainingStep<T> extends StabilityProperty<T, TrainingStep<T>> {
    private final List<Var> params;
    private final Function<T, Var> loss;
    private Runnable update;
    /** The parameters' values when the current check started, put back before and after every example. */
    private double[][] initial;

    TrainingStep(String name, Gen<T> batches, List<Var> params, Function<T, Var> loss) {
        super(name, batches);
        if (params == null || params.isEmpty() || loss == null) {
            throw new IllegalArgumentException(name + ": give the parameters and the loss");
        }
        for (Var p : params) {
            if (!p.requiresGrad()) throw new IllegalArgumentException(name + ": '" + p.name() + "' is not a parameter");
        }
        this.params = List.copyOf(params);
        this.loss = loss;
        sgd(0.01);
    }

    /**
     * Updates with plain SGD, {@code p -= learningRate * grad} (the default, at 0.01).
     *
     * @throws IllegalArgumentException unless {@code 0 < learningRate < Infinity}
     */
    public TrainingStep<T> sgd(double learningRate) {
        if (!(learningRate > 0) || !Double.isFinite(learningRate)) {
            throw new IllegalArgumentException(name() + ": learning rate must be > 0, got " + learningRate);
        }
        this.update = () -> {
            for (Var p : params) {
                DMatrixRMaj v = p.write(), g = p.gradData();
                if (g == null) continue;
                for (int i = 0, n = v.getNumElements(); i < n; i++) v.data[i] -= learningRate * g.data[i];
            }
        };
        return this;
    }

    /** Updates with your optimiser instead: {@code .update(optimizer::step)}. */
    public TrainingStep<T> update(Runnable step) {
        if (step == null) throw new IllegalArgumentException(name() + ": update is null");
        this.update = step;
        return this;
    }

    @Override
    void begin() {
        initial = snapshot();
    }

    @Override
    boolean verify(T batch) {
        try (FiniteGuard.Scope warn = FiniteGuard.mode(FiniteGuard.Mode.WARN)) {
            restore();
            Var l = loss.apply(batch);
            if (!l.value().isFinite()) {
                throw new Violation("the loss is " + l.value().item(), Violation.firstReport(warn));
            }
            l.backward();
            for (Var p : params) {
                if (!p.grad().isFinite()) throw new Violation("the gradient of '" + p.name() + "' is non-finite", p.gradientReport());
            }
            try {
                update.run();
            } catch (NonFiniteException e) {
                throw new Violation("the update threw: " + e.getMessage(), e.report());
            } catch (RuntimeException e) {
                throw new Violation("the update threw " + e, null);
            }
            for (Var p : params) {
                if (!p.value().isFinite()) {
                    throw new Violation("'" + p.name() + "' is non-finite after the update (finite loss "
                            + l.value().item() + " and gradients: the step itself overflowed)", null);
                }
            }
            return true;
        } finally {
            restore();
        }
    }

    private double[][] snapshot() {
        double[][] s = new double[params.size()][];
        for (int i = 0; i < s.length; i++) s[i] = params.get(i).read().data.clone();
        return s;
    }

    private void restore() {
        for (int i = 0; i < initial.length; i++) {
            Var p = params.get(i);
            double[] d = p.write().data;
            System.arraycopy(initial[i], 0, d, 0, initial[i].length);
            p.zeroGrad();
        }
    }
}
