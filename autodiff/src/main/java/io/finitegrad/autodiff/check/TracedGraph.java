package io.finitegrad.autodiff.check;

import io.finitegrad.autodiff.Var;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * One traced run of a model: its nodes in a deterministic topological order (operands before the
 * node, depth-first in operand order from the root), so that two runs of a builder that makes the
 * same graph number their nodes alike: confirmation finds the flagged node in a new run by index.
 */
final class TracedGraph {
    final Var root;
    final Var[] nodes;
    final int[][] parents;
    private final Map<Long, Integer> index = new HashMap<>();

    TracedGraph(Var root) {
        this.root = root;
        List<Var> order = new ArrayList<>();
        Map<Var, Boolean> seen = new IdentityHashMap<>();
        // iterative post-order: a deep RNN graph would overflow a recursive walk
        List<Var> stack = new ArrayList<>();
        List<Integer> next = new ArrayList<>();
        stack.add(root);
        next.add(0);
        seen.put(root, Boolean.TRUE);
        while (!stack.isEmpty()) {
            int top = stack.size() - 1;
            Var v = stack.get(top);
            List<Var> ps = v.parents();
            int i = next.get(top);
            if (i < ps.size()) {
                next.set(top, i + 1);
                Var p = ps.get(i);
                if (seen.put(p, Boolean.TRUE) == null) {
                    stack.add(p);
                    next.add(0);
                }
            } else {
                stack.remove(top);
                next.remove(top);
                order.add(v);
            }
        }
        nodes = order.toArray(new Var[0]);
        for (int k = 0; k < nodes.length; k++) index.put(nodes[k].id(), k);
        parents = new int[nodes.length][];
        for (int k = 0; k < nodes.length; k++) {
            List<Var> ps = nodes[k].parents();
            parents[k] = new int[ps.size()];
            for (int i = 0; i < ps.size(); i++) parents[k][i] = index.get(ps.get(i).id());
        }
    }

    int size() {
        return nodes.length;
    }

    /** The index of the node with this id, or -1. */
    int indexOf(long id) {
        Integer k = index.get(id);
        return k == null ? -1 : k;
    }

    /** Whether {@code other} has this graph's structure: the same ops, shapes and operand wiring. */
    boolean sameShapeAs(TracedGraph other) {
        if (other.nodes.length != nodes.length) return false;
        for (int k = 0; k < nodes.length; k++) {
            Var a = nodes[k], b = other.nodes[k];
            if (a.kind() != b.kind() || !a.opName().equals(b.opName()) || a.rows() != b.rows() || a.cols() != b.cols()) {
                return false;
            }
            if (!java.util.Arrays.equals(parents[k], other.parents[k])) return false;
        }
        return true;
    }
}
