package io.finitegrad.optim;

import io.finitegrad.autodiff.NanReport;
import io.finitegrad.autodiff.Var;
import io.finitegrad.core.FiniteScan;
import io.finitegrad.core.FiniteStats;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.ejml.data.DMatrixRMaj;

/**
 * Base of the optimisers: holds the parameters and the learning rate, and makes sure a NaN/Inf
 * gradient never reaches the weights. {@link #step()} first checks every gradient (without
 * allocating); if one is non-finite it either refuses the whole step with a
 * {@link NonFiniteGradientException} ({@link NonFinitePolicy#REFUSE}, the default) or skips it and
 * counts it ({@link NonFinitePolicy#SKIP}, what mixed-precision loss scalers do). Only when all are
 * finite does the subclass update the weights, in place on {@link Var#data()}.
 *
 * <p>Parameters that no gradient reached ({@link Var#gradData()} is null) are left alone, as
 * PyTorch skips parameters whose {@code grad} is None.
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
        this.lr = Hyper.positive(owner, "lr", lr);
    }

    /** Applies one update if every gradient is finite; see the class comment for the non-finite case. */
    public final void step() {
        for (Var p : params) {
            DMatrixRMaj g = p.gradData();
            if (g != null && !FiniteScan.allFinite(g)) {
                if (policy == NonFinitePolicy.SKIP) {
                    skipped++;
                    return;
                }
                throw refusal();
            }
        }
        applied++;
        for (int k = 0; k < params.length; k++) {
            DMatrixRMaj g = params[k].gradData();
            if (g != null) update(k, params[k].data().data, g.data, params[k].data().getNumElements());
        }
    }

    /**
     * Updates parameter {@code k} (values {@code p}, finite gradient {@code g}, {@code n} elements)
     * in place. Called once per parameter with a gradient per applied step.
     */
    protected abstract void update(int k, double[] p, double[] g, int n);

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
        List<String> names = new ArrayList<>();
        StringBuilder sb = new StringBuilder(owner).append(".step() refused: non-finite gradient in ");
        NanReport report = null;
        for (Var p : params) {
            DMatrixRMaj g = p.gradData();
            if (g == null || FiniteScan.allFinite(g)) continue;
            FiniteStats s = FiniteScan.scan(g);
            if (!names.isEmpty()) sb.append(", ");
            names.add(p.name());
            sb.append('\'').append(p.name()).append("' (").append(s.nanCount()).append(" NaN, ")
                    .append(s.posInfCount()).append(" +Inf, ").append(s.negInfCount()).append(" -Inf)");
            if (report == null) report = p.gradientReport();
        }
        sb.append("; no weight was changed. Find the cause (report below, if the guard saw it), clip gradients, "
                + "lower the learning rate, or use onNonFinite(SKIP) to skip such steps");
        return new NonFiniteGradientException(sb.toString(), names, report);
    }

    /** Helper for subclasses: the optimiser's name for messages. */
    protected String owner() {
        return owner;
    }
}
