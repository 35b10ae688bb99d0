package io.finitegrad.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.finitegrad.autodiff.op.Cause;
import io.finitegrad.autodiff.FiniteGuard;
import io.finitegrad.autodiff.Var;
import io.finitegrad.core.Tensor;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

@SuppressWarnings("try") // guard scopes are opened for their effect, never read
class NonFiniteGradientsTest {

    @Test
    void namesEveryParameterWithANonFiniteGradientAndKeepsTheFirstReport() {
        Var ok = Var.param("ok", Tensor.row(1.0, 2.0));
        Var w = Var.param("w", Tensor.row(0.0, 4.0));
        Var u = Var.param("u", Tensor.row(-1.0, 0.0));
        Var unused = Var.param("unused", Tensor.row(3.0));
        try (FiniteGuard.Scope g = FiniteGuard.mode(FiniteGuard.Mode.WARN)) {
            w.sqrt().sum().add(ok.sum()).add(u.sqrt().sum()).backward();
        }
        NonFiniteGradients bad = NonFiniteGradients.of(List.of(ok, w, unused, u));
        assertEquals(List.of("w", "u"), bad.names());
        assertTrue(bad.describe().startsWith("'w' (0 NaN, 1 +Inf, 0 -Inf), 'u' ("), bad.describe());
        assertEquals("sqrt", bad.firstReport().op());
        assertEquals(Cause.DIV_BY_ZERO, bad.firstReport().cause());
        assertTrue(bad.toString().startsWith("non-finite gradients in 'w'"), bad.toString());
    }

    @Test
    void finiteOrAbsentGradientsGiveAnEmptyAnswer() {
        Var w = Var.param("w", Tensor.row(1.0));
        Var never = Var.param("never", Tensor.row(1.0));
        w.mul(3).sum().backward();
        NonFiniteGradients none = NonFiniteGradients.of(List.of(w, never));
        assertTrue(none.isEmpty());
        assertEquals(List.of(), none.names());
        assertNull(none.firstReport());
        assertEquals("all gradients finite", none.toString());
    }

    @Test
    void optimizerAndClippingReportTheSameAnswer() {
        Var w = Var.param("w", Tensor.row(0.0, 4.0));
        try (FiniteGuard.Scope g = FiniteGuard.mode(FiniteGuard.Mode.WARN)) {
            w.sqrt().sum().backward();
        }
        List<Var> ps = List.of(w);
        NonFiniteGradients bad = NonFiniteGradients.of(ps);
        NonFiniteGradientException fromStep = assertThrows(NonFiniteGradientException.class, new SGD(ps, 0.1)::step);
        NonFiniteGradientException fromClip = assertThrows(NonFiniteGradientException.class,
                () -> GradClip.byGlobalNorm(ps, 1, true));
        for (NonFiniteGradientException e : Arrays.asList(fromStep, fromClip)) {
            assertEquals(bad.names(), e.parameters());
            assertTrue(e.getMessage().contains(bad.describe()), e.getMessage());
            assertEquals(bad.firstReport().op(), e.report().op());
        }
    }

    @Test
    void nullParametersAreNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NonFiniteGradients.of(Arrays.asList(Var.param("w", Tensor.row(1.0)), null)));
        assertEquals("NonFiniteGradients.of: params[1] is null", e.getMessage());
    }
}
