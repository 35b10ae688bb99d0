package io.finitegrad.autodiff;

import java.util.List;

/** What the backward sweep tells the guard about its graph: the chain of consumers from a node to the root. */
interface SweepPath {
    /** {@code node}, the node that consumed it on the way to the root, ..., the root. */
    List<Var> toRoot(Var node);
}
