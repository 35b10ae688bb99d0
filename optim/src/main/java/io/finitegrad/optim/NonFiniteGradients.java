package io.finitegrad.optim;

import io.finitegrad.autodiff.NanReport;
import io.finitegrad.autodiff.Var;
import io.finitegrad.core.FiniteScan;
import io.finitegrad.core.FiniteStats;
import java.util.ArrayList;
import java.util.List;
import org.ejml.data.DMatrixRMaj;

/**
 * Which parameters hold a NaN/Inf gradient, how many of each kind, and the guard's report of where
 * the first one entered: the one answer {@link Optimizer}, {@link GradClip} and the
 * {@link io.finitegrad.optim.train.Trainer} give when they refuse gradients. An immutable snapshot
 * taken by {@link #of(List)}; it is only built once something is known to be wrong, so the
 * finite path never pays for it.
 */
public final class NonFiniteGradients {
    private final List<String> names;
    private final String description;
    private final NanReport firstReport;

    private NonFiniteGradients(List<String> names, String description, NanReport firstReport) {
        this.names = List.copyOf(names);
        this.description = description;
        this.firstReport = firstReport;
    }

    /**
     * Scans the gradients of {@code params} (parameters without a gradient are skipped).
     *
     * @throws IllegalArgumentException if {@code params} or one of its elements is null
     */
    public static NonFiniteGradients of(List<Var> params) {
        if (params == null) throw new IllegalArgumentException("NonFiniteGradients.of: params is null");
        List<String> names = new ArrayList<>();
        StringBuilder sb = new StringBuilder();
        NanReport report = null;
        for (int i = 0; i < params.size(); i++) {
            Var p = params.get(i);
            if (p == null) throw new IllegalArgumentException("NonFiniteGradients.of: params[" + i + "] is null");
            DMatrixRMaj g = p.readGrad();
            if (g == null || FiniteScan.allFinite(g)) continue;
            FiniteStats s = FiniteScan.scan(g);
            if (!names.isEmpty()) sb.append(", ");
            names.add(p.name());
            sb.append('\'').append(p.name()).append("' (").append(s.nanCount()).append(" NaN, ")
                    .append(s.posInfCount()).append(" +Inf, ").append(s.negInfCount()).append(" -Inf)");
            if (report == null) report = p.gradientReport();
        }
        return new NonFiniteGradients(names, sb.toString(), report);
    }

    /** True if every gradient was finite (or absent). */
    public boolean isEmpty() {
        return names.isEmpty();
    }

    /** Names of the parameters whose gradients hold NaN or Inf, in parameter order. */
    public List<String> names() {
        return names;
    }

    /**
     * The guard's report for the first such parameter that has one; null when the guard was OFF or
     * the gradient was set by hand.
     */
    public NanReport firstReport() {
        return firstReport;
    }

    /** {@code 'w' (0 NaN, 1 +Inf, 0 -Inf), 'b' (...)}: each parameter with its counts. */
    public String describe() {
        return description;
    }

    @Override
    public String toString() {
        return isEmpty() ? "all gradients finite" : "non-finite gradients in " + description;
    }
}
