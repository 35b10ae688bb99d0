package io.finitegrad.autodiff.check;

import io.finitegrad.autodiff.NanReport;
import io.finitegrad.core.Tensor;
import java.util.Map;

/**
 * The outcome of searching for a concrete input on which the real guard, in WARN mode, reports a
 * potential defect's node with one of its causes: {@link #confirmed()} with the input (and the
 * parameters, when they were moved within the radius) and the guard's own report on it, or
 * unconfirmed after {@link #tries()} runs.
 *
 * @param tries model runs made by the search
 * @param inputs the failing input by name (empty when unconfirmed)
 * @param params the parameters it used by name, only those moved from their current values
 * @param report the guard's report on the failing run, or null when unconfirmed
 */
public record Confirmation(int tries, Map<String, Tensor> inputs, Map<String, Tensor> params, NanReport report) {
    public Confirmation {
        inputs = Map.copyOf(inputs);
        params = Map.copyOf(params);
    }

    /** True when the guard reported the node on a concrete input. */
    public boolean confirmed() {
        return report != null;
    }

    static Confirmation none(int tries) {
        return new Confirmation(tries, Map.of(), Map.of(), null);
    }
}
