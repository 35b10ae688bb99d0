package io.finitegrad.autodiff.check;

import io.finitegrad.autodiff.op.Cause;
import io.finitegrad.autodiff.op.Phase;
import java.util.List;
import java.util.Set;

/**
 * What one interval pass found at a node: the phase, the operand whose gradient it is (-1 for a
 * forward value or a gradient sum), the causes admitted and the ranges that admit them.
 */
record Finding(int node, Phase phase, int operand, Set<Cause> causes, List<String> ranges) {
    boolean sameSite(Finding o) {
        return node == o.node && phase == o.phase && operand == o.operand;
    }
}
