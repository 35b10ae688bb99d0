package io.finitegrad.optim;

import io.finitegrad.autodiff.FiniteGuard;
import io.finitegrad.autodiff.NanReport;
import io.finitegrad.autodiff.Var;
import io.finitegrad.core.FiniteScan;
import io.finitegrad.core.Precision;
import io.finitegrad.core.PrecisionState;
import io.finitegrad.core.Tensor;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.ejml.data.DMatrixRMaj;

/**
 * Base of the optimisers: holds the parameters and the learning rate, and makes sure a NaN/Inf
 * gradient never reaches the weights. {@link #step()} first checks every gradient (without
 * allocating); if one is non-finite it either refuses the whole step with a
 * {@link NonFiniteGradientException} ({@link NonFinitePolicy#REFUSE}, the default) or skips it and
 * counts it ({@link NonFinitePolicy#SKIP}, what mixed-precision loss scalers do).
 *
 * <p>A step is a transaction. In float64 the step keeps a copy of each parameter's values in
 * scratch and lets the subclass {@linkplain #tryUpdate update} the parameter and its state in place,
 * in one pass (its state copied into spares first), then scans the new values; the first parameter
 * that comes out non-finite makes the step {@linkplain #undoUpdate undo} every update made so far and
 * throw {@link NonFiniteUpdateException}, so the parameters, moments, buffers, step counts and
 * {@link Var#version()}s are bit-for-bit what they were and a refused step leaves no trace. Only a
 * step taken counts as a {@link Var#write()}. (With parameters stored rounded, below, the subclass
 * {@linkplain #propose proposes} into scratch and {@linkplain #commit commits}, as the defaults of the
 * in-place hooks do for an optimiser that overrides only those two.) The gradient check before it is
 * skipped for a gradient the backward sweep found finite and nothing wrote to since
 * ({@link Var#gradientCheckedFinite()}). The scratch buffers are allocated once, so a step allocates
 * nothing.
 *
 * <p>Under an emulated format ({@link Precision#emulate}) the parameters and the optimiser's state
 * stay float64 master copies by default, as mixed-precision training keeps them: the step computes
 * and stores in float64, and ops read the parameters rounded. Inside
 * {@code Precision.emulate(p).roundParameters(true)} the step is still computed in float64, but
 * what it stores is rounded to the format, as in a model converted with {@code .half()}: the new
 * parameter values ({@link Var#write()}) and the subclass's state ({@link #roundState}, Adam's
 * moments, SGD's momentum buffers). A value that rounds to Infinity (above 65,504 in float16)
 * refuses the step like any non-finite update, and an update smaller than half an ulp of the
 * parameter is lost, as it is in the format.
 *
 * <p>Parameters that no gradient reached ({@link Var#readGrad()} is null) are left alone, as
 * PyTorch skips parameters whose {@code grad} is None; but a step in which none has a gradient is
 * a mistake in the loop and is refused, not counted as applied.
 *
 * @throws IllegalArgumentException from constructors and setters for bad hyperparameters or
 *     parameter lists (message names the parameter and value)
 */
public abstract class Optimizer {
    /** What {@link #step()} does when a gradient holds NaN or Inf. */
    public enum NonFinitePolicy {
        /** Throw {@link NonFiniteGradientException}; no weight changes. */
        REFUSE,
        /** Leave every weight unchanged, count the step in {@link #skippedSteps()}, carry on. */
        SKIP
    }

    private final String owner;
    protected final Var[] params;
    private final double[][] proposed;
    private double lr;
    private NonFinitePolicy policy = NonFinitePolicy.REFUSE;
    private long applied;
    private long skipped;

    protected Optimizer(String owner, List<Var> params, double lr) {
        this.owner = owner;
        if (params == null || params.isEmpty()) {
            throw new IllegalArgumentException(owner + ": params must be a non-empty list, got " + params);
        }
        Map<Var, Boolean> seen = new IdentityHashMap<>();
        for (int i = 0; i < params.size(); i++) {
            Var p = params.get(i);
            if (p == null) throw new IllegalArgumentException(owner + ": params[" + i + "] is null");
            if (p.kind() != Var.Kind.PARAM) {
                throw new IllegalArgumentException(owner + ": params[" + i + "] '" + p.name() + "' is a "
                        + p.opName() + ", not a parameter (make it with Var.param)");
            }
            if (seen.put(p, Boolean.TRUE) != null) {
                throw new IllegalArgumentException(owner + ": parameter '" + p.name() + "' is listed twice");
            }
        }
        this.params = params.toArray(new Var[0]);
        this.proposed = new double[this.params.length][];
        for (int k = 0; k < proposed.length; k++) proposed[k] = new double[this.params[k].read().getNumElements()];
        this.lr = Hyper.positive(owner, "lr", lr);
    }

    /**
     * Applies one update if every gradient is finite (see the class comment for the non-finite case)
     * and every updated value would be finite.
     *
     * @throws NonFiniteGradientException under {@link NonFinitePolicy#REFUSE} for a NaN/Inf gradient
     * @throws NonFiniteUpdateException if finite gradients would make a parameter non-finite; nothing
     *     was changed
     * @throws IllegalStateException if no parameter has a gradient (no backward yet, or the backward
     *     of a loss that does not use these parameters), naming them; nothing was changed or counted
     */
    public final void step() {
        requireSomeGradient();
        for (Var p : params) {
            DMatrixRMaj g = p.readGrad();
            // the backward sweep's check still holds unless something wrote to the gradient since
            if (g != null && !p.gradientCheckedFinite() && !FiniteScan.allFinite(g)) {
                if (policy == NonFinitePolicy.SKIP) {
                    skipped++;
                    return;
                }
                throw refusal();
            }
        }
        PrecisionState ps = PrecisionState.get();
        if (ps.roundParameters()) {
            stepRounded(ps.precision());
            return;
        }
        // float64 storage: each parameter is updated in place, after a copy of its values is kept
        // in scratch, and scanned; the first non-finite one undoes every update made so far
        for (int k = 0; k < params.length; k++) {
            DMatrixRMaj g = params[k].readGrad();
            if (g == null) continue;
            int n = proposed[k].length;
            double[] p = params[k].read().data; // written through write() below once the step is taken
            System.arraycopy(p, 0, proposed[k], 0, n);
            if (tryUpdate(k, p, g.data, n) && FiniteScan.allFinite(p, n)) continue;
            for (int j = k; j >= 0; j--) {
                if (params[j].readGrad() == null) continue;
                System.arraycopy(proposed[j], 0, params[j].read().data, 0, proposed[j].length);
                undoUpdate(j);
            }
            System.arraycopy(p, 0, proposed[k], 0, n);
            propose(k, proposed[k], g.data, n); // the refusal describes the proposal, from the state restored
            throw nonFiniteUpdate(k, g.data, null);
        }
        applied++;
        for (int k = 0; k < params.length; k++) {
            if (params[k].readGrad() == null) continue;
            params[k].write(); // counts the new values: the guard rescans them, older graphs refuse backward
            keepUpdate(k);
        }
    }

    /** {@link #step()} when parameters and state are stored rounded to {@code store}. */
    private void stepRounded(Precision store) {
        for (int k = 0; k < params.length; k++) {
            DMatrixRMaj g = params[k].readGrad();
            if (g == null) continue;
            int n = proposed[k].length;
            System.arraycopy(params[k].read().data, 0, proposed[k], 0, n);
            propose(k, proposed[k], g.data, n);
            boolean finite = Precision.allFinite(store.roundAndScan(proposed[k], n)) & roundState(k, store);
            if (!finite) throw nonFiniteUpdate(k, g.data, store);
        }
        applied++;
        for (int k = 0; k < params.length; k++) {
            if (params[k].readGrad() == null) continue;
            commit(k);
            System.arraycopy(proposed[k], 0, params[k].write().data, 0, proposed[k].length);
        }
    }

    /**
     * Updates parameter {@code k} in place in the float64 step: {@code p} (its live storage, whose
     * current values the step has kept a copy of) takes its new values, from the finite gradient
     * {@code g}; returns false if the optimiser's own new state is not finite (the step then scans
     * {@code p} itself). The step may still be refused by a later parameter: the state changed here
     * must be restorable by {@link #undoUpdate}, and made final by {@link #keepUpdate}. The default
     * {@linkplain #propose proposes} in place, which leaves the current state alone. An optimiser
     * overrides the three to update its state in place in the same pass.
     */
    protected boolean tryUpdate(int k, double[] p, double[] g, int n) {
        propose(k, p, g, n);
        return true;
    }

    /**
     * Makes parameter {@code k}'s {@link #tryUpdate} final, once every parameter's update was found
     * finite. The default {@linkplain #commit commits} the state proposed.
     */
    protected void keepUpdate(int k) {
        commit(k);
    }

    /**
     * Restores parameter {@code k}'s state to what it was before {@link #tryUpdate} (the step has
     * restored the parameter's values itself): the step is refused. The default does nothing, as
     * {@link #propose} left the state alone.
     */
    protected void undoUpdate(int k) {
    }

    /**
     * Turns {@code x}, a scratch copy of parameter {@code k}'s current values ({@code n} elements),
     * into its new values in place, given the finite gradient {@code g}, and computes the optimiser's
     * new state for it into the subclass's scratch, without changing the current state: the step may
     * still be refused. Called once per parameter with a gradient per step, before any
     * {@link #commit}. (In place because JDK 17's C2 vectorises a loop that reads and writes the same
     * arrays at one index, and not one that reads some arrays and writes others: 5x apart for Adam.)
     */
    protected abstract void propose(int k, double[] x, double[] g, int n);

    /**
     * Makes the state proposed for parameter {@code k} current (moments, buffers, step count). Called
     * once per proposed parameter, only after every parameter's proposal was found finite.
     */
    protected abstract void commit(int k);

    /**
     * Rounds the state just {@linkplain #propose proposed} for parameter {@code k} to {@code format},
     * in place (Adam's moments, SGD's momentum buffer), and says whether it is all finite; called
     * after {@link #propose} only when the emulation stores parameters rounded
     * ({@link PrecisionState#roundParameters()}). The default, for an optimiser without state,
     * returns true.
     */
    protected boolean roundState(int k, Precision format) {
        return true;
    }

    /** Zeroes every parameter's gradient in place. */
    public void zeroGrad() {
        for (Var p : params) p.zeroGrad();
    }

    public double lr() {
        return lr;
    }

    /** Sets the learning rate (schedules call this between steps). */
    public void setLr(double lr) {
        this.lr = Hyper.positive(owner, "lr", lr);
    }

    /** Chooses what a non-finite gradient does to {@link #step()}; returns this optimiser. */
    public Optimizer onNonFinite(NonFinitePolicy policy) {
        if (policy == null) throw new IllegalArgumentException(owner + ": policy is null");
        this.policy = policy;
        return this;
    }

    public NonFinitePolicy nonFinitePolicy() {
        return policy;
    }

    /** Steps that changed the weights. */
    public long appliedSteps() {
        return applied;
    }

    /** Steps skipped under {@link NonFinitePolicy#SKIP} because a gradient was non-finite. */
    public long skippedSteps() {
        return skipped;
    }

    /** The parameters, in the order given. */
    public List<Var> parameters() {
        return List.of(params);
    }

    private NonFiniteGradientException refusal() {
        NonFiniteGradients bad = NonFiniteGradients.of(List.of(params));
        return new NonFiniteGradientException(owner + ".step() refused: non-finite gradient in " + bad.describe()
                + "; no weight was changed. Find the cause (report below, if the guard saw it), clip gradients, "
                + "lower the learning rate, or use onNonFinite(SKIP) to skip such steps", bad.names(), bad.firstReport());
    }

    /**
     * Why parameter {@code k}'s proposal (just made by {@link #propose}, with gradient {@code g}) is
     * non-finite, when the subclass's own state is the reason (an overflowed moment); null to let
     * the refusal speak of the parameter's values. Called only when a step is refused.
     */
    protected String whyNonFinite(int k, double[] g) {
        return null;
    }

    private NonFiniteUpdateException nonFiniteUpdate(int k, double[] grad, Precision store) {
        String why = whyNonFinite(k, grad);
        Var p = params[k];
        Tensor bad = Tensor.of(p.rows(), p.cols(), proposed[k].clone());
        NanReport report;
        try (FiniteGuard.Scope g = FiniteGuard.mode(FiniteGuard.Mode.WARN)) {
            Var.param(p.name(), bad);
            report = g.reports().isEmpty() ? null : g.reports().get(0);
        }
        if (why != null) {
            return new NonFiniteUpdateException(owner + ".step() refused: " + why + "; no parameter or optimiser state"
                    + " was changed", p.name(), report);
        }
        return new NonFiniteUpdateException(owner + ".step() refused: the update would have made parameter '"
                + p.name() + "' non-finite (" + bad.scan() + ") from finite gradients (learning rate " + lr
                + (store == null ? "" : "; parameters are stored rounded to " + store.label() + ", where values beyond "
                        + store.maxFinite() + " are Infinity")
                + "); no parameter or optimiser state was changed. Lower the learning rate or clip gradients",
                p.name(), report);
    }

    /** Refuses a step that could change nothing: no parameter has a gradient. */
    private void requireSomeGradient() {
        for (Var p : params) if (p.readGrad() != null) return;
        StringBuilder names = new StringBuilder();
        for (int i = 0; i < params.length && i < NAMES_SHOWN; i++) names.append(i == 0 ? "'" : ", '").append(params[i].name()).append('\'');
        if (params.length > NAMES_SHOWN) names.append(", ... (").append(params.length).append(" parameters)");
        throw new IllegalStateException(owner + ".step(): no parameter has a gradient (" + names + "): call backward() on a"
                + " loss computed from these parameters before step(); was the optimiser given another model's parameters?"
                + " Nothing was changed");
    }

    /** How many parameter names a refusal lists before it says how many there are. */
    private static final int NAMES_SHOWN = 6;

    /** Helper for subclasses: the optimiser's name for messages. */
    protected String owner() {
        return owner;
    }
}
