package io.finitegrad.autodiff.guard;

import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import io.finitegrad.autodiff.FiniteGuard;
import io.finitegrad.autodiff.Var;
import io.finitegrad.autodiff.proptest.TensorGens;
import io.finitegrad.core.Tensor;
import java.util.ArrayList;
import java.util.List;
import org.quicktheories.core.Gen;

/**
 * A random program of ops that cannot make a NaN/Inf out of moderate finite values (add, sub, mul,
 * tanh, sigmoid, softplus, matmul, softmax, logSoftmax, sum, mean) over 2 to 4 leaves of shapes up
 * to 3x3 with values in [-3, 3]. Leaf 0 is a parameter, the others alternate input/parameter. The
 * loss is the sum of every node's mean, so every node takes part in backward.
 */
@SuppressWarnings("try") // scopes are opened for their effect on the nodes created inside
record RandomGraph(int[] rows, int[] cols, double[] values, List<Integer> steps) {
    private static final int MAX_LEAVES = 4, CELLS = 9, OPS = 11;

    /** Graphs whose values and gradients are all finite when built with the guard off. */
    static Gen<RandomGraph> finiteGraphs() {
        return integers().between(2, MAX_LEAVES)
                .zip(lists().of(integers().between(0, CELLS - 1)).ofSize(MAX_LEAVES),
                        TensorGens.tensors(MAX_LEAVES, CELLS, TensorGens.uniform(-3, 3)),
                        lists().of(integers().between(0, Integer.MAX_VALUE)).ofSizeBetween(1, 10),
                        RandomGraph::of)
                .assuming(RandomGraph::finiteWithGuardOff);
    }

    /** Leaf i takes its values from row i of {@code values}. */
    private static RandomGraph of(int leaves, List<Integer> shapes, Tensor values, List<Integer> steps) {
        int[] r = new int[leaves], c = new int[leaves];
        for (int i = 0; i < leaves; i++) {
            r[i] = 1 + shapes.get(i) / 3;
            c[i] = 1 + shapes.get(i) % 3;
        }
        return new RandomGraph(r, c, values.toFlatArray(), List.copyOf(steps));
    }

    int leafCount() {
        return rows.length;
    }

    int leafSize(int leaf) {
        return rows[leaf] * cols[leaf];
    }

    static String leafName(int leaf) {
        return "leaf" + leaf;
    }

    /** The graph built: its leaves and its loss (backward already run). */
    record Built(List<Var> leaves, Var loss) {
    }

    /** Builds the graph and runs backward; with {@code poisonLeaf >= 0}, one element of that leaf is replaced. */
    Built build(int poisonLeaf, int poisonElement, double poison) {
        List<Var> pool = new ArrayList<>();
        List<Var> leaves = new ArrayList<>();
        for (int i = 0; i < leafCount(); i++) {
            double[] v = new double[leafSize(i)];
            System.arraycopy(values, i * CELLS, v, 0, v.length);
            if (i == poisonLeaf) v[poisonElement] = poison;
            Tensor t = Tensor.of(rows[i], cols[i], v);
            Var leaf = i % 2 == 0 ? Var.param(leafName(i), t) : Var.input(leafName(i), t);
            leaves.add(leaf);
            pool.add(leaf);
        }
        for (int code : steps) pool.add(step(pool, code));
        Var loss = pool.get(0).mean();
        for (int i = 1; i < pool.size(); i++) loss = loss.add(pool.get(i).mean());
        loss.backward();
        return new Built(leaves, loss);
    }

    private static Var step(List<Var> pool, int code) {
        int op = code % OPS;
        Var a = pool.get((code / OPS) % pool.size());
        int from = (code / (OPS * 64)) % pool.size();
        return switch (op) {
            case 0 -> a.add(broadcastPartner(pool, a, from));
            case 1 -> a.sub(broadcastPartner(pool, a, from));
            case 2 -> a.mul(broadcastPartner(pool, a, from));
            case 3 -> a.tanh();
            case 4 -> a.sigmoid();
            case 5 -> a.softplus();
            case 6 -> {
                for (int k = 0; k < pool.size(); k++) {
                    Var b = pool.get((from + k) % pool.size());
                    if (b.rows() == a.cols()) yield a.matmul(b);
                }
                yield a.matmul(a.transpose());
            }
            case 7 -> a.softmax();
            case 8 -> a.logSoftmax();
            case 9 -> a.sum();
            default -> a.mean();
        };
    }

    private static Var broadcastPartner(List<Var> pool, Var a, int from) {
        for (int k = 0; k < pool.size(); k++) {
            Var b = pool.get((from + k) % pool.size());
            if (fits(a.rows(), b.rows()) && fits(a.cols(), b.cols())) return b;
        }
        return a;
    }

    private static boolean fits(int x, int y) {
        return x == y || x == 1 || y == 1;
    }

    private boolean finiteWithGuardOff() {
        try (FiniteGuard.Scope off = FiniteGuard.mode(FiniteGuard.Mode.OFF)) {
            Built b = build(-1, 0, 0);
            if (!Double.isFinite(b.loss().item())) return false;
            for (Var leaf : b.leaves()) if (!leaf.grad().isFinite()) return false;
            return allFinite(b.loss());
        }
    }

    /** Every value and gradient in the graph below {@code root} is finite. */
    private static boolean allFinite(Var root) {
        List<Var> todo = new ArrayList<>(List.of(root));
        java.util.Set<Var> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        while (!todo.isEmpty()) {
            Var v = todo.remove(todo.size() - 1);
            if (!seen.add(v)) continue;
            if (!v.value().isFinite() || !v.grad().isFinite()) return false;
            todo.addAll(v.parents());
        }
        return true;
    }

    @Override
    public String toString() {
        return leafCount() + " leaves " + java.util.Arrays.toString(rows) + "x" + java.util.Arrays.toString(cols)
                + ", steps " + steps;
    }
}
