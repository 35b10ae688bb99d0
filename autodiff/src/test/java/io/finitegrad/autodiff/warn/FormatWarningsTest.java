package io.finitegrad.autodiff.warn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.finitegrad.autodiff.EarlyWarning;
import io.finitegrad.autodiff.FiniteGuard;
import io.finitegrad.autodiff.NanReport;
import io.finitegrad.autodiff.Names;
import io.finitegrad.autodiff.Var;
import io.finitegrad.autodiff.Warnings;
import io.finitegrad.core.Emulation;
import io.finitegrad.core.Precision;
import io.finitegrad.core.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Early warnings under emulation: headroom to the format's overflow, and gradients that underflow to 0. */
@SuppressWarnings("try") // emulation and name scopes are opened for their effect on the body
class FormatWarningsTest {

    /** {@code x @ W} registered as layer "dense1", as a layer does. */
    private static Var dense(Var x, Var w) {
        try (var s = Names.scope("dense1")) {
            Var mm = x.matmul(w);
            Warnings.watch("dense1", mm, List.of(w));
            return mm;
        }
    }

    private static Var weight(double v) {
        try (var s = Names.scope("dense1")) {
            return Var.param("W", Tensor.scalar(v));
        }
    }

    @Test
    void theHeadroomThresholdIsFourOrdersFromTheFormatsOverflow() {
        try (Emulation e = Precision.emulate(Precision.FLOAT16); Warnings.Collector c = Warnings.collect()) {
            dense(Var.input("x", Tensor.scalar(1)), weight(6.5));
            assertEquals(List.of(), c.list(), "6.5 is below 65504 / 1e4 = 6.55");
            dense(Var.input("x", Tensor.scalar(1)), weight(10));
            List<EarlyWarning> ws = c.list();
            assertEquals(1, ws.size(), ws.toString());
            assertEquals(EarlyWarning.Kind.HEADROOM, ws.get(0).kind());
            assertTrue(ws.get(0).message().contains("dense1/matmul's values reached 10: 4 orders from overflow")
                    && ws.get(0).message().contains("(float16 ends at 65504)"), ws.get(0).message());
        }
        try (Warnings.Collector c = Warnings.collect()) {
            dense(Var.input("x", Tensor.scalar(1)), weight(1e6));
            assertEquals(List.of(), c.list(), "float64 has room for 1e6");
        }
    }

    /** x @ W, scaled down twice by 1e-4: the gradient reaching W is 1e-8, which float16 rounds to 0. */
    private static void tinyLossBackward(Var w) {
        dense(Var.input("x", Tensor.scalar(1)), w).mul(1e-4).mul(1e-4).sum().backward();
    }

    @Test
    void gradientsThatUnderflowToZeroAreAVanishingWarningNotAGuardReport() {
        Var w = weight(1);
        try (Emulation e = Precision.emulate(Precision.FLOAT16);
             FiniteGuard.Scope g = FiniteGuard.mode(FiniteGuard.Mode.WARN);
             Warnings.Collector c = Warnings.collect()) {
            tinyLossBackward(w);
            assertEquals(0.0, w.grad().get(0, 0), 0.0);
            assertEquals(List.<NanReport>of(), g.reports());
            List<EarlyWarning> ws = c.list();
            assertEquals(1, ws.size(), ws.toString());
            EarlyWarning v = ws.get(0);
            assertEquals(EarlyWarning.Kind.VANISHING, v.kind());
            assertEquals("dense1", v.layer());
            assertEquals("dense1/W", v.node());
            assertTrue(v.message().contains("has gradient exactly 0 in dense1/W: its gradients underflowed to 0 in float16"),
                    v.message());
            assertTrue(v.message().contains("dynamicLossScale()"), v.message());
        }
    }

    @Test
    void otherWarningsUnderEmulationSayWhichFormatTheyWereComputedIn() {
        Var w1 = weight(1e-6);
        Var w2;
        try (var s = Names.scope("dense2")) {
            w2 = Var.param("W", Tensor.scalar(1));
        }
        try (Emulation e = Precision.emulate(Precision.FLOAT32); Warnings.Collector c = Warnings.collect()) {
            Var h = dense(Var.input("x", Tensor.scalar(1)), w1);
            Var out;
            try (var s = Names.scope("dense2")) {
                out = h.matmul(w2);
                Warnings.watch("dense2", out, List.of(w2));
            }
            out.sum().backward(); // dL/dW1 = 1, dL/dW2 = h = 1e-6: below 1e-4 of the largest, vanishing
            List<EarlyWarning> ws = c.list();
            assertEquals(1, ws.size(), ws.toString());
            assertEquals(EarlyWarning.Kind.VANISHING, ws.get(0).kind());
            assertTrue(ws.get(0).message().endsWith(" (computed in float32)"), ws.get(0).message());
        }
    }

    @Test
    void theSameTinyGradientInFloat64AndAnHonestZeroGradientRaiseNothing() {
        Var w = weight(1);
        try (Warnings.Collector c = Warnings.collect()) {
            tinyLossBackward(w);
            assertEquals(1e-8, w.grad().get(0, 0), 1e-22);
            assertEquals(List.of(), c.list());
        }
        Var u = weight(1);
        try (Emulation e = Precision.emulate(Precision.FLOAT16); Warnings.Collector c = Warnings.collect()) {
            dense(Var.input("x", Tensor.scalar(0)), u).sum().backward(); // dL/dW = x = 0 exactly: nothing flushed
            assertEquals(0.0, u.grad().get(0, 0), 0.0);
            assertEquals(List.of(), c.list());
        }
    }
}
