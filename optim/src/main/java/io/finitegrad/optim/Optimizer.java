package io.finitegrad.optim;

import io.finitegrad.autodiff.FiniteGuard;
import io.finitegrad.autodiff.NanReport;
import io.finitegrad.autodiff.Var;
import io.finitegrad.core.FiniteScan;
import io.finitegrad.core.Precision;
import io.finitegrad.core.PrecisionState;
import io.finitegrad.core.Tensor;
import java.util.Arrays;
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
 * <p>Most steps need no undo, and then pay for none: an optimiser that {@linkplain #boundsUpdates
 * bounds its updates} is given, per parameter, the largest gradient and parameter magnitudes and
 * returns a bound on the new values' magnitude that proves them finite ({@link #updatedBound}). When
 * every parameter's update is proven so, each is {@linkplain #applyUpdate applied} in place in one
 * pass, with no copy kept and no scan after, as a hand-written step does; otherwise the step runs as a
 * transaction, as above. The largest gradient magnitude comes from one pass that is also the gradient
 * check; the parameter's is tracked from step to step (the bound of the last update, while its
 * {@link Var#version()} says nothing else wrote to it) and measured again only when unknown or when
 * the tracked bound alone cannot prove the update finite.
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
    /** Per parameter: a bound on max |p| while {@link Var#version()} is {@link #trackedVersion}. */
    private final double[] paramBound;
    private final int[] trackedVersion;
    private final double[] nextBound;
    private double lr;
    private NonFinitePolicy policy = NonFinitePolicy.REFUSE;
    private long applied;
    private long skipped;
    private long provenApplied;

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
        this.paramBound = new double[this.params.length];
        this.trackedVersion = new int[this.params.length];
        this.nextBound = new double[this.params.length];
        Arrays.fill(trackedVersion, UNTRACKED);
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
        PrecisionState ps = PrecisionState.get();
        boolean bounded = boundsUpdates() && !ps.roundParameters();
        boolean proven = bounded;
        for (int k = 0; k < params.length; k++) {
            Var p = params[k];
            DMatrixRMaj g = p.readGrad();
            if (g == null) continue;
            boolean finite;
            if (bounded) {
                double gMax = FiniteScan.maxAbs(g.data, g.getNumElements()); // NaN or Inf: not finite
                finite = gMax < Double.POSITIVE_INFINITY;
                if (finite && proven) proven = prove(k, gMax);
            } else {
                // the backward sweep's check still holds unless something wrote to the gradient since
                finite = p.gradientCheckedFinite() || FiniteScan.allFinite(g);
            }
            if (!finite) {
                if (policy == NonFinitePolicy.SKIP) {
                    skipped++;
                    return;
                }
                throw refusal();
            }
        }
        if (ps.roundParameters()) {
            stepRounded(ps.precision());
            Arrays.fill(trackedVersion, UNTRACKED);
            return;
        }
        if (proven) {
            // every new value is proven finite: nothing to keep for an undo, nothing to scan after
            for (int k = 0; k < params.length; k++) {
                DMatrixRMaj g = params[k].readGrad();
                if (g != null) applyUpdate(k, params[k].read().data, g.data, proposed[k].length);
            }
            applied++;
            provenApplied++;
            for (int k = 0; k < params.length; k++) {
                if (params[k].readGrad() == null) continue;
                params[k].write();
                track(k, nextBound[k]);
            }
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
            if (tryUpdate(k, p, g.data, n) && (nextBound[k] = FiniteScan.maxAbs(p, n)) < Double.POSITIVE_INFINITY) continue;
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
            track(k, nextBound[k]);
        }
    }

    /**
     * Whether parameter {@code k}'s update is proven finite from its largest gradient magnitude
     * {@code gMax}: by the tracked bound on the parameter if there is one, else (or if that fails)
     * by its measured maximum. Leaves the bound on the new values in {@link #nextBound}.
     */
    private boolean prove(int k, double gMax) {
        Var p = params[k];
        boolean tracked = trackedVersion[k] == p.version();
        double b = tracked ? updatedBound(k, gMax, paramBound[k]) : Double.POSITIVE_INFINITY;
        if (!(b < Double.POSITIVE_INFINITY)) {
            double pMax = FiniteScan.maxAbs(p.read().data, proposed[k].length);
            track(k, pMax);
            // the update of a non-finite parameter cannot be finite: the transaction will say so
            b = pMax < Double.POSITIVE_INFINITY ? updatedBound(k, gMax, pMax) : Double.POSITIVE_INFINITY;
        }
        nextBound[k] = b;
        return b < Double.POSITIVE_INFINITY;
    }

    /** Records {@code bound} as parameter {@code k}'s max |p| at its current version. */
    private void track(int k, double bound) {
        paramBound[k] = bound;
        trackedVersion[k] = params[k].version();
    }

    /** A version no parameter has: its bound is unknown. */
    private static final int UNTRACKED = -1;

    /**
     * For {@link #updatedBound}: a relative widening far beyond the rounding error of the dozen
     * float64 operations of one update, so a bound derived in exact arithmetic and widened by it
     * holds for the computed values.
     */
    static final double ROUNDING = 1 + 1e-12;
    /** For {@link #updatedBound}: proven bounds stay this far below Double.MAX_VALUE. */
    static final double LARGEST = 1e300;

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
     * Whether this optimiser {@linkplain #updatedBound bounds its updates}, so the step computes the
     * magnitudes that takes. The default, false, leaves every step a transaction.
     */
    protected boolean boundsUpdates() {
        return false;
    }

    /**
     * A bound on {@code max |p|} after this step's update of parameter {@code k} (float64 storage),
     * given {@code gMax} and {@code pMax}, finite bounds on the gradient's and the parameter's
     * magnitudes, and the optimiser's own state; +Infinity if it cannot prove the new values and its
     * new state finite. Must be sound with rounding: a finite answer lets the step skip every check
     * after the update. Called only when {@link #boundsUpdates()}, then followed by
     * {@link #applyUpdate} only if every parameter's answer was finite. The default is +Infinity.
     */
    protected double updatedBound(int k, double gMax, double pMax) {
        return Double.POSITIVE_INFINITY;
    }

    /**
     * Updates parameter {@code k} in place, its state too, for good: every update of this step was
     * proven finite by {@link #updatedBound}, so nothing can refuse it. The default tries the update
     * and keeps it.
     */
    protected void applyUpdate(int k, double[] p, double[] g, int n) {
        tryUpdate(k, p, g, n);
        keepUpdate(k);
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

    /** Applied steps whose updates were proven finite beforehand (made without a transaction); for tests. */
    long provenSteps() {
        return provenApplied;
    }

    /** The bound tracked on parameter {@code k}'s max |p|, or NaN if it no longer holds; for tests. */
    double trackedBound(int k) {
        return trackedVersion[k] == params[k].version() ? paramBound[k] : Double.NaN;
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
