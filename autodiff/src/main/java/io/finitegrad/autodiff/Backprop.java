package io.finitegrad.autodiff;

import io.finitegrad.autodiff.op.Op;
import io.finitegrad.core.FiniteScan;
import io.finitegrad.core.Precision;
import io.finitegrad.core.PrecisionState;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.ejml.data.DMatrixRMaj;

/**
 * Reverse-mode sweep without recursion: an explicit-stack depth-first search gives a topological
 * order of the nodes that need gradients, then each node's op computes one vector-Jacobian product
 * per parent, which the guard checks before it is summed into the parent's gradient.
 *
 * <p>The sweep keeps its own bookkeeping: the nodes in discovery order, for each the position of
 * the node that discovered it (its consumer toward the root), and a set of visited node ids. The
 * arrays are reused per thread and cleared of nodes when the sweep ends, so nothing here keeps a
 * graph alive, and nodes carry no sweep state.
 */
final class Backprop implements SweepPath {
    private static final ThreadLocal<Backprop> REUSED = ThreadLocal.withInitial(Backprop::new);

    private final IdIndex visited = new IdIndex();
    private Var[] nodes = new Var[64];
    /** Position (in {@link #nodes}) of the consumer that discovered each node; -1 for the root. */
    private int[] consumer = new int[64];
    /** Positions in post-order: parents before the nodes that read them. */
    private int[] order = new int[64];
    private int count;
    private boolean busy;
    /** Where ops write a contribution to a leaf's gradient ({@link Op#vjpInto}) before it is added in. */
    private final DMatrixRMaj scratch = new DMatrixRMaj(1, 1);
    private int[] stack = new int[64];
    private int[] next = new int[64];
    /** Non-zero gradient values that rounding to the emulated format made 0 in this sweep (for {@link Warnings}). */
    private long flushed;

    private Backprop() {
    }

    /** Sweeps from {@code root} with the given upstream gradient, or 1 for a 1x1 root when it is null. */
    static void run(Var root, DMatrixRMaj upstream) {
        if (upstream == null && (root.value.numRows != 1 || root.value.numCols != 1)) {
            throw new IllegalStateException("backward() needs a 1x1 result, '" + root.name() + "' is " + root.shape()
                    + ": reduce it first with sum() or mean()");
        }
        if (!root.requiresGrad) {
            throw new IllegalStateException("backward(): '" + root.name() + "' depends on no parameter, nothing to differentiate"
                    + " (PyTorch: 'element 0 of tensors does not require grad'): make what you train a Var.param,"
                    + " not an input or constant, and do not detach() it on the way to the loss");
        }
        Backprop reused = REUSED.get();
        Backprop sweep = reused.busy ? new Backprop() : reused; // an op's vjp may itself call backward()
        sweep.busy = true;
        boolean completed = false;
        GuardState st = GuardState.get();
        try {
            sweep.sweep(root, upstream, st);
            completed = true;
        } finally {
            Arrays.fill(sweep.nodes, 0, sweep.count, null); // this graph must not outlive the sweep here
            sweep.count = 0;
            sweep.busy = false;
            // layer-boundary warnings read the gradients once per outermost sweep, never per node
            if (sweep == reused) Warnings.afterBackward(completed, sweep.flushed, st.precision().precision());
        }
    }

    private void sweep(Var root, DMatrixRMaj upstream, GuardState st) {
        flushed = 0;
        topologicalOrder(root);
        GuardMarks marks = st.marks();
        // Op-node gradients belong to one sweep; only leaves accumulate across backward() calls. Left
        // in place, a gradient from an earlier sweep would be sent on to the parameters a second time.
        for (int k = 0; k < count; k++) {
            Var n = nodes[k];
            if (n.op == null) {
                n.countBackward();
                continue;
            }
            n.dropGradient();
            marks.clearGradient(n);
        }
        DMatrixRMaj seed;
        if (upstream == null) {
            seed = new DMatrixRMaj(1, 1);
            seed.data[0] = 1.0;
        } else {
            seed = upstream; // a copy already, which the root's gradient owns
        }
        PrecisionState ps = st.precision();
        Precision format = ps.precision();
        if (ps.emulating()) flushed += Precision.flushed(format.roundAndScan(seed)); // Var.backward checked it stays finite
        root.addGradient(seed, false);
        for (int k = count - 1; k >= 0; k--) {
            Var n = nodes[order[k]];
            if (n.op == null || n.gradient() == null) continue;
            DMatrixRMaj[] xs = new DMatrixRMaj[n.parents.length];
            for (int i = 0; i < xs.length; i++) {
                Var p = n.parents[i];
                if (p.op == null && p.writtenAfter(n)) throw modifiedInPlace(p, n);
                xs[i] = p.operand(ps);
            }
            // each gradient an op sends is a tensor of the format; a parameter's sum stays float64
            boolean round = ps.emulating() && !n.op.exact();
            for (int i = 0; i < xs.length; i++) {
                Var p = n.parents[i];
                if (!p.requiresGrad) continue;
                DMatrixRMaj gi;
                DMatrixRMaj zeroed = p.op == null && !ps.emulating()
                        && (!st.on() || marks.gradient(p) == null && marks.gradient(n) == null)
                        ? p.zeroedGradientForWriting() : null;
                if (zeroed != null) {
                    gi = intoZeroed(n, i, xs, p, zeroed, st);
                    if (gi == null) continue;
                } else {
                    // a leaf's contribution is added into its gradient at once: written into scratch
                    gi = p.op == null ? n.op.vjpInto(i, xs, n.value, n.gradient(), scratchFor(p))
                            : n.op.vjp(i, xs, n.value, n.gradient());
                    requireShape(n, i, p, gi);
                }
                if (round) flushed += Precision.flushed(format.roundAndScan(gi));
                Precision sumIn = ps.emulating() && p.op != null ? format : Precision.FLOAT64;
                if (!st.on()) {
                    p.addGradient(gi, false, sumIn);
                } else if (p.gradient() != null && marks.gradient(p) == null && marks.gradient(n) == null) {
                    // the usual case for parameters: one pass adds and checks; the contribution
                    // itself is scanned only if the sum came out non-finite
                    st.countCheck();
                    if (p.addGradient(gi, true, sumIn)) {
                        p.gradientFoundFinite(); // the pass scanned the whole sum
                        continue;
                    }
                    if (FiniteGuard.checkGradient(n, i, gi, st, this)) FiniteGuard.accumulationOverflow(p, n, st, this);
                } else {
                    boolean wasFinite = marks.gradient(p) == null;
                    boolean giFinite = FiniteGuard.checkGradient(n, i, gi, st, this);
                    boolean sumFinite = p.addGradient(gi, true, sumIn);
                    // a first contribution is taken as the scanned gi; a later one's sum was scanned
                    if (sumFinite && giFinite) p.gradientFoundFinite();
                    else if (!sumFinite && wasFinite && giFinite) FiniteGuard.accumulationOverflow(p, n, st, this);
                }
            }
        }
    }

    /**
     * A leaf's first contribution since {@code zeroGrad()}, written by the op straight into the
     * leaf's zeroed gradient {@code into} and scanned there: one write and one read where adding a
     * scratch copy to the zeros took five passes. Returns null when that is done (finite, or the
     * guard is OFF); otherwise moves the contribution to scratch, puts the zeros back and returns
     * the scratch, for the sweep to check, diagnose and add as any contribution.
     */
    private DMatrixRMaj intoZeroed(Var n, int i, DMatrixRMaj[] xs, Var p, DMatrixRMaj into, GuardState st) {
        DMatrixRMaj gi;
        try {
            gi = n.op.vjpInto(i, xs, n.value, n.gradient(), into);
            requireShape(n, i, p, gi);
        } catch (RuntimeException e) {
            p.rezeroGradient(); // an op that failed may have written part of it
            throw e;
        }
        int size = into.getNumElements();
        if (gi != into) System.arraycopy(gi.data, 0, into.data, 0, size);
        if (!st.on()) return null;
        st.countCheck();
        if (FiniteScan.allFinite(into)) {
            p.gradientFoundFinite();
            return null;
        }
        DMatrixRMaj moved = scratchFor(p);
        System.arraycopy(into.data, 0, moved.data, 0, size);
        p.rezeroGradient();
        return moved;
    }

    private static void requireShape(Var n, int i, Var p, DMatrixRMaj gi) {
        if (gi == null || gi.numRows != p.value.numRows || gi.numCols != p.value.numCols) {
            throw new IllegalStateException("vjp of " + n.opName() + " '" + n.name() + "' for operand " + i
                    + " returned " + (gi == null ? "null" : gi.numRows + "x" + gi.numCols)
                    + ", expected " + p.shape());
        }
    }

    /** The sweep's scratch matrix shaped like {@code leaf}, grown once to the largest leaf and kept. */
    private DMatrixRMaj scratchFor(Var leaf) {
        scratch.reshape(leaf.value.numRows, leaf.value.numCols, false);
        return scratch;
    }

    /** PyTorch raises here too: the vjp would combine the forward's gradient with the new values. */
    private static IllegalStateException modifiedInPlace(Var leaf, Var reader) {
        return new IllegalStateException("backward(): " + leaf.opName() + " '" + leaf.name()
                + "' was modified in place (write(), now at version " + leaf.version() + ") after " + reader.opName()
                + " '" + reader.name() + "' (" + reader.site() + ") read it in the forward pass; its gradient would"
                + " mix old and new values. Run the forward pass again after modifying it, or modify it only after"
                + " backward (optimizer.step() after loss.backward())");
    }

    @Override
    public List<Var> toRoot(Var node) {
        List<Var> path = new ArrayList<>();
        for (int k = visited.get(node.id); k >= 0; k = consumer[k]) path.add(nodes[k]);
        return path;
    }

    /** Post-order (parents first) of the nodes that require grad, and each node's consumer toward the root. */
    private void topologicalOrder(Var root) {
        visited.clear();
        int sp = 0;
        int done = 0;
        discover(root, -1);
        stack[sp] = 0;
        next[sp++] = 0;
        while (sp > 0) {
            int at = stack[sp - 1];
            Var n = nodes[at];
            int i = next[sp - 1];
            if (i < n.parents.length) {
                next[sp - 1] = i + 1;
                Var p = n.parents[i];
                if (p.requiresGrad && visited.get(p.id) < 0) {
                    int pos = discover(p, at);
                    if (sp == stack.length) {
                        stack = Arrays.copyOf(stack, sp * 2);
                        next = Arrays.copyOf(next, sp * 2);
                    }
                    stack[sp] = pos;
                    next[sp++] = 0;
                }
            } else {
                sp--;
                order[done++] = at;
            }
        }
    }

    private int discover(Var v, int from) {
        if (count == nodes.length) {
            nodes = Arrays.copyOf(nodes, count * 2);
            consumer = Arrays.copyOf(consumer, count * 2);
            order = Arrays.copyOf(order, count * 2);
        }
        nodes[count] = v;
        consumer[count] = from;
        visited.put(v.id, count);
        return count++;
    }
}
