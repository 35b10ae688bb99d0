package io.finitegrad.autodiff.check;

import io.finitegrad.autodiff.op.Cause;
import io.finitegrad.autodiff.op.Phase;
import java.util.List;
import java.util.Set;

/**
 * A node and phase whose interval admits a non-finite result although its operands' intervals are
 * finite: where a NaN/Inf could first enter for some input in the ranges and some parameters within
 * the radius. Causes are named as the guard names them. None is dropped for being unconfirmed: an
 * unconfirmed defect may be real or may be the intervals' over-approximation, and
 * {@link #widenedMost()} names the op on its path that widened the intervals most.
 *
 * @param node the node's name, as reports name it
 * @param op the op's name
 * @param index the node's index in the traced graph's topological order
 * @param phase forward value or backward gradient
 * @param operand the operand whose gradient it is (backward), or -1 (a value, or a gradient sum)
 * @param causes what may make it non-finite
 * @param ranges the operand intervals (and upstream gradient) that admit it
 * @param widenedMost the op node upstream that widened its interval the most, or "" if none did
 * @param confirmation the search for a concrete failing input, or null if not searched
 * @param fixes suggested fixes, verified where they can be
 */
public record PotentialDefect(String node, String op, int index, Phase phase, int operand, Set<Cause> causes,
        List<String> ranges, String widenedMost, Confirmation confirmation, List<Fix> fixes) {
    public PotentialDefect {
        causes = Set.copyOf(causes);
        ranges = List.copyOf(ranges);
        fixes = List.copyOf(fixes);
    }

    /** True when a concrete input made the real guard report this node with one of the causes. */
    public boolean confirmed() {
        return confirmation != null && confirmation.confirmed();
    }

    /** Where, as one line: {@code 'naiveSoftmax/exp' (exp), forward}. */
    public String where() {
        return "'" + node + "' (" + op + "), " + phase.name().toLowerCase(java.util.Locale.ROOT)
                + (operand >= 0 ? " gradient to operand " + operand : phase == Phase.BACKWARD ? " gradient sum" : "");
    }
}
