package io.finitegrad.autodiff.guard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.finitegrad.autodiff.FiniteGuard;
import io.finitegrad.autodiff.GuardScope;
import io.finitegrad.autodiff.Names;
import io.finitegrad.autodiff.NonFiniteException;
import io.finitegrad.autodiff.Var;
import io.finitegrad.core.Tensor;
import org.junit.jupiter.api.Test;

/**
 * Every guard and name scope closes without a checked exception: these methods declare none, so
 * they compile only if each {@code close()} throws nothing.
 */
@SuppressWarnings("try") // scopes are opened for their effect on the code inside
class GuardScopesTest {
    @Test
    void allowNonFiniteIsATryWithResourcesScopeThatRestoresTheGuard() {
        Tensor minusInf = Tensor.row(Double.NEGATIVE_INFINITY, 0);
        try (GuardScope mask = FiniteGuard.allowNonFinite("attention mask")) {
            assertEquals("mask", Var.constant(minusInf).label("mask").name());
        }
        assertThrows(NonFiniteException.class, () -> Var.constant(minusInf));
    }

    @Test
    void captureSitesIsATryWithResourcesScopeThatRestoresRecording() {
        Var x = Var.input("x", Tensor.row(1, 2));
        try (GuardScope fast = FiniteGuard.captureSites(false)) {
            assertTrue(x.exp().site().startsWith("unknown"));
        }
        assertTrue(x.exp().site().startsWith("GuardScopesTest.java:"));
    }

    @Test
    void modeAndNameScopesCloseWithoutCheckedExceptions() {
        try (FiniteGuard.Scope warn = FiniteGuard.mode(FiniteGuard.Mode.WARN);
             Names.Scope layer = Names.scope("layer")) {
            assertEquals(FiniteGuard.Mode.WARN, FiniteGuard.currentMode());
            assertEquals("layer", Names.current());
        }
        assertEquals(FiniteGuard.Mode.THROW, FiniteGuard.currentMode());
        assertEquals("", Names.current());
    }

    @Test
    void closingAGuardScopeTwiceRestoresOnce() {
        GuardScope outer = FiniteGuard.captureSites(false);
        GuardScope inner = FiniteGuard.captureSites(true);
        inner.close();
        outer.close();
        inner.close(); // must not switch recording back off
        assertTrue(Var.input("x", Tensor.row(1)).exp().site().startsWith("GuardScopesTest.java:"));
    }
}
