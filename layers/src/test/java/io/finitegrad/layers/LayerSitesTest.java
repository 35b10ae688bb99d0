package io.finitegrad.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.finitegrad.autodiff.op.Cause;
import io.finitegrad.autodiff.FiniteGuard;
import io.finitegrad.autodiff.NanReport;
import io.finitegrad.autodiff.NonFiniteException;
import io.finitegrad.autodiff.op.Phase;
import io.finitegrad.autodiff.Var;
import io.finitegrad.core.Tensor;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Nodes a layer makes inside its own name scope share one recorded creation site: the user's line
 * that called the layer. Reports in both phases must name that line, not a finitegrad class.
 */
@SuppressWarnings("try") // guard and site scopes are opened for their effect, never read
class LayerSitesTest {
    private static int line() {
        return StackWalker.getInstance().walk(s -> s.skip(1).findFirst()).orElseThrow().getLineNumber();
    }

    private static String site(int line, String method) {
        return "LayerSitesTest.java:" + line + " (LayerSitesTest." + method + ")";
    }

    private static Dense denseWithWeights(String name, double w) {
        Dense d = new Dense(name, 2, 1, Activation.IDENTITY, Init.ZEROS, new Random(1));
        java.util.Arrays.fill(d.weight().write().data, w);
        return d;
    }

    @Test
    void forwardEntryInsideALayerNamesTheCallingLine() {
        Dense big = denseWithWeights("big", 1e200);
        Var x = Var.input("x", Tensor.of(1, 2, 1e200, 1e200));
        int line = 0;
        NonFiniteException e;
        try {
            line = line(); big.forward(x);
            throw new AssertionError("the overflow was not caught");
        } catch (NonFiniteException caught) {
            e = caught;
        }
        NanReport r = e.report();
        assertEquals("big/matmul", r.label());
        assertEquals(Cause.OVERFLOW, r.cause());
        assertEquals(site(line, "forwardEntryInsideALayerNamesTheCallingLine"), r.site());
    }

    @Test
    void backwardEntryInsideALayerNamesTheLineThatBuiltIt() {
        Dense wide = denseWithWeights("wide", 1e10);
        Var x = Var.param("x", Tensor.of(1, 2, 1e-20, 1e-20));
        int line = line(); Var out = wide.forward(x);
        Var loss = out.mul(1e300).sum();
        NonFiniteException e = assertThrows(NonFiniteException.class, loss::backward);
        NanReport r = e.report();
        assertEquals(Phase.BACKWARD, r.phase());
        assertEquals("wide/matmul", r.label());
        assertEquals(0, r.operand());
        assertEquals(Cause.OVERFLOW, r.cause());
        assertEquals(site(line, "backwardEntryInsideALayerNamesTheLineThatBuiltIt"), r.site());
    }

    @Test
    void withSitesOffBackwardReportsSaySoAndForwardOnesStillNameTheLine() throws Exception {
        Dense wide = denseWithWeights("quiet", 1e10);
        Var x = Var.param("x", Tensor.of(1, 2, 1e-20, 1e-20));
        try (AutoCloseable off = FiniteGuard.captureSites(false)) {
            Var loss = wide.forward(x).mul(1e300).sum();
            NanReport back = assertThrows(NonFiniteException.class, loss::backward).report();
            assertEquals(true, back.site().startsWith("unknown"), back.site());

            Dense big = denseWithWeights("loud", 1e200);
            Var huge = Var.input("huge", Tensor.of(1, 2, 1e200, 1e200));
            int line = 0;
            try {
                line = line(); big.forward(huge);
                throw new AssertionError("the overflow was not caught");
            } catch (NonFiniteException caught) {
                assertEquals(site(line, "withSitesOffBackwardReportsSaySoAndForwardOnesStillNameTheLine"),
                        caught.report().site());
            }
        }
    }
}
