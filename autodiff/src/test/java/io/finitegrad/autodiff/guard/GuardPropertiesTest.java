package io.finitegrad.autodiff.guard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

import io.finitegrad.autodiff.FiniteGuard;
import io.finitegrad.autodiff.NanReport;
import io.finitegrad.autodiff.Var;
import io.finitegrad.autodiff.op.Cause;
import io.finitegrad.autodiff.op.Phase;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The guard is silent on finite graphs and, with one poisoned leaf, names exactly that leaf. */
@SuppressWarnings("try") // scopes are opened for their effect on the nodes created inside
class GuardPropertiesTest {
    private static final double[] POISONS = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY};

    @Test
    void finiteGraphsNeverFireInForwardOrBackward() {
        qt().forAll(RandomGraph.finiteGraphs()).checkAssert(g -> {
            try (FiniteGuard.Scope warn = FiniteGuard.mode(FiniteGuard.Mode.WARN)) {
                RandomGraph.Built b = g.build(-1, 0, 0);
                assertTrue(Double.isFinite(b.loss().item()));
                assertEquals(List.of(), warn.reports());
                assertTrue(warn.checks() > 0);
            }
        });
    }

    @Test
    void onePoisonedLeafIsTheFirstReportAndNothingDownstreamIsAnEntry() {
        qt().forAll(RandomGraph.finiteGraphs(), integers().between(0, 3), integers().between(0, 8),
                integers().between(0, POISONS.length - 1)).checkAssert((g, leafPick, elementPick, kind) -> {
            int leaf = leafPick % g.leafCount();
            int element = elementPick % g.leafSize(leaf);
            List<NanReport> reports;
            RandomGraph.Built b;
            try (FiniteGuard.Scope warn = FiniteGuard.mode(FiniteGuard.Mode.WARN)) {
                b = g.build(leaf, element, POISONS[kind]);
                reports = List.copyOf(warn.reports());
            }
            assertFalse(reports.isEmpty());
            assertEquals(1, reports.size(), () -> reports.toString());
            NanReport first = reports.get(0);
            assertEquals(Phase.FORWARD, first.phase(), first::toString);
            assertEquals(Cause.NON_FINITE_INPUT, first.cause(), first::toString);
            assertEquals(RandomGraph.leafName(leaf), first.label());
            int cols = b.leaves().get(leaf).cols();
            assertEquals(element / cols, first.row());
            assertEquals(element % cols, first.col());
            Var poisoned = b.leaves().get(leaf);
            for (NanReport r : reports.subList(1, reports.size())) {
                assertFalse(dependsOn(node(b.loss(), r.entryId()), poisoned), () -> "downstream node reported as an entry:\n" + r);
            }
        });
    }

    /** The node with this id in the graph of {@code root}: reports carry ids, not nodes. */
    private static Var node(Var root, long id) {
        Set<Var> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        ArrayDeque<Var> todo = new ArrayDeque<>(List.of(root));
        while (!todo.isEmpty()) {
            Var v = todo.pop();
            if (v.id() == id) return v;
            if (seen.add(v)) todo.addAll(v.parents());
        }
        throw new AssertionError("no node #" + id + " in the graph of " + root);
    }

    private static boolean dependsOn(Var node, Var leaf) {
        Set<Var> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        ArrayDeque<Var> todo = new ArrayDeque<>(List.of(node));
        while (!todo.isEmpty()) {
            Var v = todo.pop();
            if (v == leaf) return true;
            if (seen.add(v)) todo.addAll(v.parents());
        }
        return false;
    }
}
