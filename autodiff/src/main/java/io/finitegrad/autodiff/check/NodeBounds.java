package io.finitegrad.autodiff.check;

import io.finitegrad.autodiff.Var;
import io.finitegrad.core.Interval;

/**
 * The intervals the analysis computed for one node: its value and, after a backward analysis, the
 * gradient of the loss with respect to it (null where none flows).
 *
 * @param index the node's index in topological order
 * @param node its name
 * @param op its op's name ({@code param}, {@code input}, {@code constant} for leaves)
 * @param kind leaf kind or OP
 * @param value its value's interval
 * @param grad its gradient's interval, or null
 * @param headroom how far below the format's largest finite value its largest magnitude stays, as
 *     log10(max finite / max |value or gradient|); infinite for a node that stays at 0
 */
public record NodeBounds(int index, String node, String op, Var.Kind kind, Interval value, Interval grad, double headroom) {
}
