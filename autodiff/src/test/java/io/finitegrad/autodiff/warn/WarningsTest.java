package io.finitegrad.autodiff.warn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.finitegrad.autodiff.EarlyWarning;
import io.finitegrad.autodiff.FiniteGuard;
import io.finitegrad.autodiff.Names;
import io.finitegrad.autodiff.NanReport;
import io.finitegrad.autodiff.NonFiniteException;
import io.finitegrad.autodiff.Var;
import io.finitegrad.autodiff.WarningThresholds;
import io.finitegrad.autodiff.Warnings;
import io.finitegrad.core.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Early warnings: their own list, kept in every guard mode, raised at layer boundaries (a layer
 * registers its watched node and parameters), each naming the layer and the node.
 */
@SuppressWarnings("try") // name scopes are opened for their effect on node names, never read
class WarningsTest {

    /** A one-layer "dense1": x @ W, registered with the monitor the way a layer does. */
    private static Var dense(String layer, Var x, Var w) {
        try (var s = Names.scope(layer)) {
            Var mm = x.matmul(w);
            Warnings.watch(layer, mm, List.of(w));
            return mm;
        }
    }

    private static Var param(String name, double... row) {
        try (var s = Names.scope(name.substring(0, name.indexOf('/')))) {
            return Var.param(name.substring(name.indexOf('/') + 1), Tensor.row(row));
        }
    }

    @Test
    void valuesNearOverflowWarnBeforeTheInfNamingLayerAndNodeInThrowMode() {
        assertEquals(FiniteGuard.Mode.THROW, FiniteGuard.currentMode());
        Var w = param("dense1/W", 2e305);
        try (Warnings.Collector c = Warnings.collect()) {
            dense("dense1", Var.input("x", Tensor.scalar(1)), w);
            List<EarlyWarning> ws = c.list();
            assertEquals(1, ws.size(), ws.toString());
            EarlyWarning e = ws.get(0);
            assertEquals(EarlyWarning.Kind.HEADROOM, e.kind());
            assertEquals("dense1", e.layer());
            assertEquals("dense1/matmul", e.node());
            assertEquals(2e305, e.value());
            assertTrue(e.message().contains("dense1/matmul's values reached 2e305: 3 orders from overflow"), e.message());
        }
    }

    @Test
    void warningsAreKeptEvenWhenTheGuardThenThrows() {
        Var w = param("dense1/W", 2e305);
        try (Warnings.Collector c = Warnings.collect()) {
            Var h = dense("dense1", Var.input("x", Tensor.scalar(1)), w);
            assertThrows(NonFiniteException.class, () -> h.mul(1e4));
            assertEquals(1, c.list().size());
        }
    }

    @Test
    void warningsAreNotGuardReports() {
        Var w = param("dense1/W", 2e305);
        try (FiniteGuard.Scope g = FiniteGuard.mode(FiniteGuard.Mode.WARN); Warnings.Collector c = Warnings.collect()) {
            dense("dense1", Var.input("x", Tensor.scalar(1)), w);
            assertEquals(List.<NanReport>of(), g.reports());
            assertEquals(1, c.list().size());
        }
    }

    @Test
    void theHeadroomWarningFollowsItsConfiguredOrders() {
        Var w = param("dense1/W", 1e300);
        try (Warnings.Collector c = Warnings.collect()) {
            dense("dense1", Var.input("x", Tensor.scalar(1)), w);
            assertEquals(List.of(), c.list(), "1e300 is 8 orders from overflow");
        }
        try (Warnings.Collector c = Warnings.collect(WarningThresholds.defaults().withHeadroomOrders(10))) {
            dense("dense1", Var.input("x", Tensor.scalar(1)), w);
            assertEquals(1, c.list().size());
        }
    }

    @Test
    void nothingIsWatchedOutsideACollection() {
        assertFalse(Warnings.active());
        Var w = param("dense1/W", 2e305);
        dense("dense1", Var.input("x", Tensor.scalar(1)), w); // no collector: nothing to do, nothing kept
        try (Warnings.Collector c = Warnings.collect()) {
            assertTrue(Warnings.active());
            assertEquals(List.of(), c.list());
        }
        assertFalse(Warnings.active());
    }

    @Test
    void aLargeLayerGradientIsExploding() {
        Var w = param("dense1/W", 1);
        try (Warnings.Collector c = Warnings.collect()) {
            dense("dense1", Var.input("x", Tensor.scalar(3e4)), w).sum().backward(); // dL/dW = 3e4 > 1e4
            List<EarlyWarning> ws = c.list();
            assertEquals(1, ws.size(), ws.toString());
            assertEquals(EarlyWarning.Kind.EXPLODING, ws.get(0).kind());
            assertEquals("dense1", ws.get(0).layer());
            assertEquals(3e4, ws.get(0).value(), 1e-9);
            assertEquals(1, ws.get(0).step());
            assertTrue(ws.get(0).message().contains("gradient norm 3e4"), ws.get(0).message());
        }
    }

    /** Backward passes of x @ W for each x, zeroing the gradient between them: the layer's norm is |x|. */
    private static void steps(Var w, double... xs) {
        for (double x : xs) {
            w.zeroGrad();
            dense("dense1", Var.input("x", Tensor.scalar(x)), w).sum().backward();
        }
    }

    @Test
    void aGradientThatGrows100xOverItsLastTenStepsIsExploding() {
        Var w = param("dense1/W", 1);
        try (Warnings.Collector c = Warnings.collect()) {
            steps(w, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 150); // all below 1e4
            List<EarlyWarning> ws = c.list();
            assertEquals(1, ws.size(), ws.toString());
            assertEquals(EarlyWarning.Kind.EXPLODING, ws.get(0).kind());
            assertEquals(11, ws.get(0).step());
            assertEquals(150, ws.get(0).value(), 1e-12);
            assertTrue(ws.get(0).message().contains("grew 150x over the median of the last 10 steps"), ws.get(0).message());
        }
    }

    @Test
    void oneNearZeroGradientDoesNotMakeTheNextOrdinaryOneAnExplosion() {
        // healthy training has batches the model already fits; Iris with Adam gave such a 0.006 among 0.5s
        Var w = param("dense1/W", 1);
        try (Warnings.Collector c = Warnings.collect()) {
            steps(w, 0.5, 0.4, 0.6, 0.5, 0.3, 0.5, 0.7, 0.5, 0.4, 0.001, 0.6);
            assertEquals(List.of(), c.list());
        }
    }

    @Test
    void growthIsJudgedOnlyOnceTheWindowIsFull() {
        Var w = param("dense1/W", 1);
        try (Warnings.Collector c = Warnings.collect()) {
            steps(w, 0.01, 5); // warm-up: the first steps of training change fast
            assertEquals(List.of(), c.list());
        }
    }

    @Test
    void aLayerWhoseGradientIsTinyNextToTheLargestIsVanishing() {
        Var w1 = param("dense1/W", 1e-6), w2 = param("dense2/W", 1);
        try (Warnings.Collector c = Warnings.collect()) {
            Var h = dense("dense1", Var.input("x", Tensor.scalar(1)), w1);
            dense("dense2", h, w2).sum().backward(); // dL/dW1 = w2 = 1, dL/dW2 = h = 1e-6
            List<EarlyWarning> ws = c.list();
            assertEquals(1, ws.size(), ws.toString());
            assertEquals(EarlyWarning.Kind.VANISHING, ws.get(0).kind());
            assertEquals("dense2", ws.get(0).layer());
            assertTrue(ws.get(0).message().contains("1e-6 of the largest layer's (dense1"), ws.get(0).message());
        }
    }

    @Test
    void aRecurrentGradientReachingTheFirstStep100xLargerThanTheLastIsExploding() {
        Var wh = param("rnn1/Wh", 3);
        try (Warnings.Collector c = Warnings.collect()) {
            Var h = Var.input("h0", Tensor.scalar(1));
            Var first = null, last = null;
            try (var s = Names.scope("rnn1")) {
                for (int t = 0; t < 6; t++) {
                    try (var step = Names.scope("step" + t)) {
                        h = h.matmul(wh);
                    }
                    if (first == null) first = h;
                    last = h;
                }
            }
            Warnings.watchSteps("rnn1", first, last, List.of(wh));
            last.sum().backward(); // d last / d first = 3^5 = 243
            List<EarlyWarning> ws = c.list();
            EarlyWarning e = ws.stream().filter(x -> x.node().equals("rnn1/step0/matmul")).findFirst().orElseThrow(
                    () -> new AssertionError(ws.toString()));
            assertEquals(EarlyWarning.Kind.EXPLODING, e.kind());
            assertEquals(243, e.value(), 1e-9);
            assertTrue(e.message().contains("243x larger at its first step than at its last"), e.message());
        }
    }

    @Test
    void eachWarningIsGivenOncePerLayerNodeAndKindInACollection() {
        Var w = param("dense1/W", 2e305);
        try (Warnings.Collector c = Warnings.collect()) {
            for (int i = 0; i < 3; i++) dense("dense1", Var.input("x", Tensor.scalar(1)), w);
            assertEquals(1, c.list().size());
        }
    }

    @Test
    void aNestedCollectionHandsItsWarningsToTheEnclosingOne() {
        Var w = param("dense1/W", 2e305);
        try (Warnings.Collector outer = Warnings.collect()) {
            try (Warnings.Collector inner = Warnings.collect()) {
                dense("dense1", Var.input("x", Tensor.scalar(1)), w);
                assertEquals(1, inner.list().size());
                assertEquals(0, outer.list().size());
            }
            assertEquals(1, outer.list().size());
        }
    }

    @Test
    void drainReturnsOnlyWarningsNotYetDrained() {
        Var w1 = param("dense1/W", 2e305), w2 = param("dense2/W", 3e305);
        try (Warnings.Collector c = Warnings.collect()) {
            dense("dense1", Var.input("x", Tensor.scalar(1)), w1);
            assertEquals(1, c.drain().size());
            assertEquals(0, c.drain().size());
            dense("dense2", Var.input("x", Tensor.scalar(1)), w2);
            List<EarlyWarning> d = c.drain();
            assertEquals(1, d.size());
            assertEquals("dense2", d.get(0).layer());
            assertEquals(2, c.list().size());
        }
    }

    @Test
    void badThresholdsAreRefusedNamingTheParameter() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> WarningThresholds.defaults().withExplodingNorm(-1));
        assertTrue(e.getMessage().contains("explodingNorm") && e.getMessage().contains("-1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> WarningThresholds.defaults().withGrowth(100, 0));
        assertThrows(IllegalArgumentException.class, () -> Warnings.collect(null));
    }

    @Test
    void theDefaultsAreTheIssuesNumbers() {
        WarningThresholds d = WarningThresholds.defaults();
        assertEquals(1e4, d.explodingNorm());
        assertEquals(100, d.growthFactor());
        assertEquals(10, d.growthWindow());
        assertEquals(100, d.recurrentRatio());
        assertEquals(1e-4, d.vanishingRatio());
        assertEquals(4, d.headroomOrders());
    }
}
