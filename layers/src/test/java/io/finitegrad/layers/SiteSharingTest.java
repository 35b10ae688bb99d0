package io.finitegrad.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.finitegrad.autodiff.Names;
import io.finitegrad.autodiff.SiteWalks;
import io.finitegrad.autodiff.Var;
import io.finitegrad.core.Tensor;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Creation sites shared between scopes walk the stack once, and only where the sharing is proved:
 * every node still names the line of user code that made it, as a walk of its own would.
 */
@SuppressWarnings("try") // scopes are opened for their effect on the nodes created inside
class SiteSharingTest {
    private static int line() {
        return StackWalker.getInstance().walk(s -> s.skip(1).findFirst()).orElseThrow().getLineNumber();
    }

    private static String site(int line, String method) {
        return "SiteSharingTest.java:" + line + " (SiteSharingTest." + method + ")";
    }

    private static Dense dense(String name, int in, int out, Activation act) {
        return new Dense(name, in, out, act, Init.HE_NORMAL, new Random(7));
    }

    private static Var batch(int rows, int cols) {
        double[] v = new double[rows * cols];
        for (int i = 0; i < v.length; i++) v[i] = (i % 7) / 7.0 - 0.4;
        return Var.input("x", Tensor.of(rows, cols, v));
    }

    /** The op nodes of the graph under {@code out} (leaves excluded), each once. */
    private static List<Var> opNodes(Var out) {
        List<Var> ops = new ArrayList<>();
        Set<Var> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        Deque<Var> todo = new ArrayDeque<>(List.of(out));
        while (!todo.isEmpty()) {
            Var v = todo.pop();
            if (!seen.add(v) || v.kind() != Var.Kind.OP) continue;
            ops.add(v);
            todo.addAll(v.parents());
        }
        return ops;
    }

    private static void assertAllAt(List<Var> nodes, String site, String prefix) {
        for (Var v : nodes) {
            if (v.name().startsWith(prefix)) assertEquals(site, v.site(), v.name());
        }
    }

    @Test
    void aSequentialOfBuiltInLayersWalksOnceAndEveryNodeNamesTheCallingLine() {
        Sequential model = new Sequential(dense("s1", 4, 8, Activation.RELU), dense("s2", 8, 8, Activation.TANH),
                dense("s3", 8, 3, Activation.IDENTITY));
        Var x = batch(5, 4);
        long before = SiteWalks.onThisThread();
        int line = line(); Var out = model.forward(x);
        assertEquals(1, SiteWalks.onThisThread() - before, "one walk for the three layers");
        List<Var> ops = opNodes(out);
        assertEquals(8, ops.size(), "matmul, add and an activation in s1 and s2; matmul and add in s3");
        assertAllAt(ops, site(line, "aSequentialOfBuiltInLayersWalksOnceAndEveryNodeNamesTheCallingLine"), "");
    }

    @Test
    void nestedSequentialsShareTheOuterWalk() {
        Sequential inner = new Sequential(dense("n2", 6, 6, Activation.RELU), dense("n3", 6, 2, Activation.IDENTITY));
        Sequential model = new Sequential(dense("n1", 3, 6, Activation.RELU), inner);
        Var x = batch(4, 3);
        long before = SiteWalks.onThisThread();
        int line = line(); Var out = model.forward(x);
        assertEquals(1, SiteWalks.onThisThread() - before);
        assertAllAt(opNodes(out), site(line, "nestedSequentialsShareTheOuterWalk"), "");
    }

    /** A layer of the user's: its own op on its own line, and a built-in layer it calls on another. */
    private static final class Mine extends Layer {
        private final Dense inside = dense("inside", 6, 6, Activation.RELU);
        int squareLine;
        int insideLine;

        Mine() {
            super("mine");
        }

        @Override
        public Var forward(Var x) {
            squareLine = line(); Var sq = x.square();
            insideLine = line(); return inside.forward(sq);
        }

        @Override
        public List<Var> parameters() {
            return inside.parameters();
        }
    }

    @Test
    void aLayerOfTheUsersInsideASequentialKeepsItsOwnLines() {
        Mine mine = new Mine();
        Sequential model = new Sequential(dense("u1", 3, 6, Activation.RELU), mine, dense("u2", 6, 2, Activation.IDENTITY));
        Var x = batch(4, 3);
        int line = line(); Var out = model.forward(x);
        List<Var> ops = opNodes(out);
        String caller = site(line, "aLayerOfTheUsersInsideASequentialKeepsItsOwnLines");
        assertAllAt(ops, caller, "u1/");
        assertAllAt(ops, caller, "u2/");
        assertAllAt(ops, "SiteSharingTest.java:" + mine.insideLine + " (SiteSharingTest$Mine.forward)", "inside/");
        Var square = ops.stream().filter(v -> v.opName().equals("pow")).findFirst().orElseThrow();
        assertEquals("SiteSharingTest.java:" + mine.squareLine + " (SiteSharingTest$Mine.forward)", square.site());
    }

    @Test
    void aRecurrentLayersStepScopesShareItsWalk() {
        RNN rnn = new RNN("r", 3, 4, Activation.TANH, Init.XAVIER_UNIFORM, new Random(3));
        LSTM lstm = new LSTM("l", 3, 4, new Random(4));
        GRU gru = new GRU("g", 3, 4, new Random(5));
        Var x = batch(2, 3 * 6);
        for (RecurrentLayer layer : List.of(rnn, lstm, gru)) {
            long before = SiteWalks.onThisThread();
            int line = line(); Var out = layer.forward(x);
            assertEquals(2, SiteWalks.onThisThread() - before, layer + ": the slicing scope and the steps' scope");
            assertAllAt(opNodes(out), site(line, "aRecurrentLayersStepScopesShareItsWalk"), "");
        }
    }

    @Test
    void aLossWithANestedScopeWalksOnce() {
        Var logits = batch(3, 4);
        Var y = Losses.oneHot("test", logits, new int[] {0, 3, 1});
        long before = SiteWalks.onThisThread();
        int line = line(); Var loss = Losses.naiveSoftmaxCrossEntropy(logits, y);
        assertEquals(1, SiteWalks.onThisThread() - before);
        List<Var> ops = opNodes(loss);
        assertEquals(true, ops.stream().anyMatch(v -> v.name().startsWith("naiveSoftmaxCrossEntropy/naiveSoftmax/")));
        assertAllAt(ops, site(line, "aLossWithANestedScopeWalksOnce"), "");
    }

    @Test
    void aSiteScopeOpenedByUserCodeSharesNothing() {
        Var a = batch(2, 3), b = batch(2, 3);
        int mseLine, bceLine, subLine;
        Var mse, bce, sub;
        try (var s = Names.siteScope()) {
            mseLine = line(); mse = Losses.mse(a, b);
            bceLine = line(); bce = Losses.bceWithLogits(a, b.sigmoid());
            subLine = line(); sub = a.sub(b);
        }
        assertAllAt(opNodes(mse), site(mseLine, "aSiteScopeOpenedByUserCodeSharesNothing"), "mse/");
        assertAllAt(opNodes(bce), site(bceLine, "aSiteScopeOpenedByUserCodeSharesNothing"), "bceWithLogits/");
        assertEquals(site(subLine, "aSiteScopeOpenedByUserCodeSharesNothing"), sub.site());
        assertEquals("#" + sub.id() + " sub", sub.name(), "a site scope changes no name");
    }
}
