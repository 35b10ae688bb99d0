package io.finitegrad.autodiff.proptest;

import io.finitegrad.autodiff.FiniteGuard;
import io.finitegrad.autodiff.NanReport;
import io.finitegrad.autodiff.Names;
import io.finitegrad.autodiff.NonFiniteException;
import io.finitegrad.autodiff.Var;
import io.finitegrad.autodiff.op.Diagnosis;
import io.finitegrad.autodiff.op.Fault;
import io.finitegrad.autodiff.op.Op;
import io.finitegrad.core.Precision;
import io.finitegrad.core.Tensor;
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
 * stateless, as the default plain SGD step is, to shrink exactly. A step that makes a parameter
 * non-finite from a finite value and gradient fails naming the parameter, the element, its value,
 * gradient and the learning rate (SGD's, or "your update"), with a guard report of the step
 * replayed as one node ({@code w/sgdStep} or {@code w/update} for a parameter {@code w}) on those
 * two operands. Inside {@code Precision.emulate(p)} the loss and gradients compute in p and
 * "finite" after the step means a value of p: a float64 master beyond p's largest finite value
 * fails, since the next forward pass would read it as an infinity.
 *
 * @param <T> the batch type (a tensor, or your own record of inputs and targets)
 */
@SuppressWarnings("try") // the guard scope is opened for its effect
public final class TrainingStep<T> extends StabilityProperty<T, TrainingStep<T>> {
    private final List<Var> params;
    private final Function<T, Var> loss;
    private Runnable update;
    /** The SGD step's learning rate, or NaN for the user's {@link #update}. */
    private double learningRate;
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
        this.learningRate = learningRate;
        this.update = () -> {
            for (Var p : params) {
                DMatrixRMaj v = p.write(), g = p.readGrad();
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
        this.learningRate = Double.NaN;
        return this;
    }

    @Override
    void begin() {
        initial = snapshot();
    }

    @Override
    void verify(T batch, Tally tally) {
        try (FiniteGuard.Scope warn = FiniteGuard.mode(FiniteGuard.Mode.WARN)) {
            restore();
            Var l = loss.apply(batch);
            if (!l.value().isFinite()) {
                throw new Violation("the loss is " + l.value().item(), Violation.firstReport(warn));
            }
            l.backward();
            int elements = 1;
            for (Var p : params) {
                if (!p.grad().isFinite()) throw new Violation("the gradient of '" + p.name() + "' is non-finite", p.gradientReport());
                elements += 2 * p.rows() * p.cols(); // its gradient now, its value after the update
            }
            double[][] before = snapshot(), gradients = gradients();
            try {
                update.run();
            } catch (NonFiniteException e) {
                throw new Violation("the update threw: " + e.getMessage(), e.report());
            } catch (RuntimeException e) {
                throw new Violation("the update threw " + e, null);
            }
            Precision format = Precision.current();
            for (int i = 0; i < params.size(); i++) {
                double[] after = params.get(i).read().data;
                for (int k = 0; k < before[i].length; k++) {
                    if (!Double.isFinite(format.round(after[k]))) {
                        throw overflowed(params.get(i), k, before[i], gradients[i], after, l.item(), format);
                    }
                }
            }
            tally.compared(elements);
        } finally {
            restore();
        }
    }

    @Override
    String outsideClaim() {
        return "nothing: every step is checked";
    }

    /**
     * The step made a parameter non-finite from a finite value and gradient: replayed as one node
     * under the guard, so the failure carries a report (the node, both operands at the element,
     * the cause) like any other entry point.
     */
    private Violation overflowed(Var p, int k, double[] before, double[] gradient, double[] after, double loss, Precision format) {
        int cols = p.cols(), r = k / cols, c = k % cols;
        NanReport report;
        try (FiniteGuard.Scope replay = FiniteGuard.mode(FiniteGuard.Mode.WARN)) {
            Var value = Var.input(p.name(), Tensor.of(p.rows(), cols, before));
            Var grad = Var.input("d loss / d " + p.name(), Tensor.of(p.rows(), cols, gradient));
            try (Names.Scope named = Names.scope(p.name())) { // the step's node: w/sgdStep
                Var.apply(new Step(learningRate, p.name(), after), value, grad);
            }
            report = Violation.firstReport(replay);
        }
        String step = Double.isNaN(learningRate) ? "your update" : "SGD at learning rate " + learningRate;
        String inFormat = Double.isFinite(after[k]) ? " (" + format.round(after[k]) + " in " + format.label() + ")" : "";
        return new Violation("'" + p.name() + "' at (" + r + ", " + c + ") is " + after[k] + inFormat + " after the step (" + step
                + "): it was " + before[k] + ", its gradient " + gradient[k] + "; the loss (" + loss
                + ") and every gradient were finite: the step itself overflowed", report);
    }

    private double[][] gradients() {
        double[][] g = new double[params.size()][];
        for (int i = 0; i < g.length; i++) {
            DMatrixRMaj d = params.get(i).readGrad();
            g[i] = d == null ? new double[params.get(i).rows() * params.get(i).cols()] : d.data.clone();
        }
        return g;
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

    /**
     * One training step of a parameter, as a node: plain SGD computed here, or the user's update,
     * whose result is replayed. Its operands are the parameter before the step and its gradient.
     */
    private static final class Step implements Op {
        private final double learningRate;
        private final String param;
        private final double[] after;

        Step(double learningRate, String param, double[] after) {
            this.learningRate = learningRate;
            this.param = param;
            this.after = after.clone();
        }

        @Override
        public String name() {
            return Double.isNaN(learningRate) ? "update" : "sgdStep";
        }

        @Override
        public boolean elementwise() {
            return true;
        }

        @Override
        public DMatrixRMaj forward(DMatrixRMaj[] x) {
            DMatrixRMaj y = x[0].createLike();
            for (int k = 0; k < y.data.length; k++) {
                y.data[k] = Double.isNaN(learningRate) ? after[k] : x[0].data[k] - learningRate * x[1].data[k];
            }
            return y;
        }

        @Override
        public DMatrixRMaj vjp(int i, DMatrixRMaj[] x, DMatrixRMaj y, DMatrixRMaj g) {
            return x[i].createLike(); // never asked: both operands are inputs, which take no gradient
        }

        @Override
        public Diagnosis diagnose(Fault f) {
            String formula = Double.isNaN(learningRate)
                    ? "your update took '" + param + "' from " + f.x(0) + " with gradient " + f.x(1) + " to " + f.badValue()
                    : "'" + param + "' - " + learningRate + " * gradient = " + f.x(0) + " - " + learningRate + " * " + f.x(1)
                            + " = " + f.badValue();
            Diagnosis generic = Diagnosis.generic(f);
            Precision p = Precision.current();
            String range = p.isNative() ? "the double range (|x| <= 1.8e308)" : p.label() + "'s range (|x| <= " + p.maxFinite() + ")";
            return new Diagnosis(generic.cause(), formula + " at " + f.where(), "a lower learning rate or gradient clipping:"
                    + " the step must keep '" + param + "' within " + range);
        }
    }
}
