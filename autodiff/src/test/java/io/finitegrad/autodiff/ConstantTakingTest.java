package io.finitegrad.autodiff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.finitegrad.core.Precision;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.Test;

/** {@link Var#constantTaking} keeps the matrix it is given, checked like any constant. */
@SuppressWarnings("try") // the emulation scope is opened for its effect
class ConstantTakingTest {
    @Test
    void theConstantIsTheGivenStorage() {
        DMatrixRMaj m = new DMatrixRMaj(2, 2, true, 1, 2, 3, 4);
        Var c = Var.constantTaking(m);
        assertSame(m, c.read());
        assertEquals(Var.Kind.CONSTANT, c.kind());
        assertEquals(10.0, c.sum().item(), 0.0);
    }

    @Test
    void aNonFiniteValueIsReportedAsForAnyConstant() {
        DMatrixRMaj m = new DMatrixRMaj(1, 2, true, 1, Double.NaN);
        NonFiniteException e = assertThrows(NonFiniteException.class, () -> Var.constantTaking(m));
        assertTrue(e.getMessage().contains("NaN"), e.getMessage());
    }

    @Test
    void nullOrEmptyValuesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> Var.constantTaking(null));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Var.constantTaking(new DMatrixRMaj(0, 3)));
        assertTrue(e.getMessage().contains("0x3"), e.getMessage());
    }

    @Test
    void underEmulationTheValuesAreCopiedAndRoundedLeavingTheGivenMatrixAlone() {
        DMatrixRMaj m = new DMatrixRMaj(1, 1, true, 1.0 / 3);
        try (var half = Precision.emulate(Precision.FLOAT16)) {
            Var c = Var.constantTaking(m);
            assertNotSame(m, c.read());
            assertEquals(Precision.FLOAT16.round(1.0 / 3), c.item(), 0.0);
        }
        assertEquals(1.0 / 3, m.data[0], 0.0);
    }
}
