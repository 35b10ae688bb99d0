package io.finitegrad.autodiff;

import java.util.ArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.ejml.data.DMatrixRMaj;

/**
 * Reverse-mode sweep without recursion: an explicit-stack depth-first search gives a topological
 * order of the nodes that need gradients, then each node's op computes one vector-Jacobian product
 * per parent, which the guard checks before it is summed into the parent's gradient.
 */
final class Backprop {
    private static final AtomicInteger STAMPS = new AtomicInteger();

    private Backprop() {
    }

    static void run(Var root) {
        if (root.value.numRows != 1 || root.value.numCols != 1) {
            throw new IllegalStateException("backward() needs a 1x1 result, '" + root.name() + "' is " + root.shape()
                    + ": reduce it first with sum() or mean()");
        }
        if (!root.requiresGrad) {
            throw new IllegalStateException("backward(): '" + root.name() + "' depends on no parameter, nothing to differentiate");
        }
        GuardState st = GuardState.get();
        ArrayList<Var> order = topologicalOrder(root);
        // Op-node gradients belong to one sweep; only leaves accumulate across backward() calls. Left
        // in place, a gradient from an earlier sweep would be sent on to the parameters a second time.
        for (Var n : order) {
            if (n.op == null) continue;
            n.grad = null;
            n.gradNonFinite = false;
            n.gradOrigin = null;
        }
        try {
            if (root.grad == null) root.grad = new DMatrixRMaj(1, 1);
            root.grad.data[0] += 1.0;
            for (int k = order.size() - 1; k >= 0; k--) {
                Var n = order.get(k);
                if (n.op == null || n.grad == null) continue;
                DMatrixRMaj[] xs = new DMatrixRMaj[n.parents.length];
                for (int i = 0; i < xs.length; i++) xs[i] = n.parents[i].value;
                for (int i = 0; i < xs.length; i++) {
                    Var p = n.parents[i];
                    if (!p.requiresGrad) continue;
                    DMatrixRMaj gi = n.op.vjp(i, xs, n.value, n.grad);
                    if (gi == null || gi.numRows != p.value.numRows || gi.numCols != p.value.numCols) {
                        throw new IllegalStateException("vjp of " + n.opName() + " '" + n.name() + "' for operand " + i
                                + " returned " + (gi == null ? "null" : gi.numRows + "x" + gi.numCols)
                                + ", expected " + p.shape());
                    }
                    if (!st.on()) {
                        accumulate(p, gi, true, n, st);
                    } else if (p.grad != null && !p.gradNonFinite && !n.gradNonFinite) {
                        // the usual case for parameters: one pass adds and checks; the contribution
                        // itself is scanned only if the sum came out non-finite
                        st.checks++;
                        if (addAndCheck(p.grad, gi)) continue;
                        boolean contributionFinite = FiniteGuard.checkGradient(n, i, gi, st);
                        p.gradNonFinite = true;
                        if (contributionFinite) FiniteGuard.accumulationOverflow(p, n, st);
                    } else {
                        accumulate(p, gi, FiniteGuard.checkGradient(n, i, gi, st), n, st);
                    }
                }
            }
        } finally {
            for (Var n : order) n.consumer = null; // leaves must not keep this graph alive
        }
    }

    private static void accumulate(Var p, DMatrixRMaj gi, boolean giFinite, Var from, GuardState st) {
        if (p.grad == null) {
            p.grad = gi;
            if (!giFinite) p.gradNonFinite = true;
            return;
        }
        if (!st.on()) {
            double[] a = p.grad.data, b = gi.data;
            for (int i = 0, n = p.grad.getNumElements(); i < n; i++) a[i] += b[i];
            return;
        }
        if (addAndCheck(p.grad, gi)) return;
        boolean wasFinite = !p.gradNonFinite;
        p.gradNonFinite = true;
        if (wasFinite && giFinite) FiniteGuard.accumulationOverflow(p, from, st);
    }

    /** {@code grad += gi}, returning whether the sum is all finite, in one pass. */
    private static boolean addAndCheck(DMatrixRMaj grad, DMatrixRMaj gi) {
        double[] a = grad.data, b = gi.data;
        int n = grad.getNumElements();
        // x - x is 0 for finite x, NaN otherwise; four accumulators avoid a serial add chain
        double c0 = 0, c1 = 0, c2 = 0, c3 = 0;
        int i = 0;
        for (; i + 3 < n; i += 4) {
            double s0 = a[i] += b[i], s1 = a[i + 1] += b[i + 1], s2 = a[i + 2] += b[i + 2], s3 = a[i + 3] += b[i + 3];
            c0 += s0 - s0;
            c1 += s1 - s1;
            c2 += s2 - s2;
            c3 += s3 - s3;
        }
        for (; i < n; i++) {
            double s = a[i] += b[i];
            c0 += s - s;
        }
        double check = c0 + c1 + c2 + c3;
        return check == check;
    }

    /** Post-order (parents first) of the nodes that require grad, and each node's path toward the root. */
    static ArrayList<Var> topologicalOrder(Var root) {
        int stamp = STAMPS.incrementAndGet();
        ArrayList<Var> order = new ArrayList<>();
        Var[] stack = new Var[64];
        int[] next = new int[64];
        int sp = 0;
        stack[sp] = root;
        next[sp++] = 0;
        root.visit = stamp;
        root.consumer = null;
        while (sp > 0) {
            Var n = stack[sp - 1];
            int i = next[sp - 1];
            if (i < n.parents.length) {
                next[sp - 1] = i + 1;
                Var p = n.parents[i];
                if (p.requiresGrad && p.visit != stamp) {
                    p.visit = stamp;
                    p.consumer = n;
                    if (sp == stack.length) {
                        stack = java.util.Arrays.copyOf(stack, sp * 2);
                        next = java.util.Arrays.copyOf(next, sp * 2);
                    }
                    stack[sp] = p;
                    next[sp++] = 0;
                }
            } else {
                sp--;
                order.add(n);
            }
        }
        return order;
    }
}
