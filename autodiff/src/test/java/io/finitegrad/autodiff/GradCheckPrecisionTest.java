package io.finitegrad.autodiff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.finitegrad.core.Emulation;
import io.finitegrad.core.Precision;
import io.finitegrad.core.Tensor;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * GradCheck runs in float64 inside any emulation scope: a central difference with h = 1e-5 is
 * meaningless in a format whose epsilon is 1e-3 (1 + 1e-5 rounds to 1 in float16), and the check
 * is of the VJP formulas, which do not depend on the format.
 */
@SuppressWarnings("try") // the emulation scopes are opened for their effect
class GradCheckPrecisionTest {
    @ParameterizedTest
    @EnumSource(Precision.class)
    void gradCheckComputesInFloat64WhateverTheScopeAndRestoresIt(Precision p) {
        try (Emulation e = Precision.emulate(p)) {
            Var w = Var.param("w", Tensor.of(new double[][] {{1.0, 0.3}}));
            GradCheck.Result r = GradCheck.check(() -> w.div(3.0).sum(), List.of(w));
            assertTrue(r.passed(1e-8), p + ": " + r);
            assertEquals(1.0 / 3.0, r.analytic("w")[0], 0.0, "the analytic gradient in float64 (float16 would give 0.33325)");
            assertEquals(1.0 / 3.0, r.numeric("w")[1], 1e-10, "the central difference in float64");
            assertSame(p, Precision.current(), "the caller's format is back after the check");
            assertEquals(p.round(p.round(0.3) / 3.0), w.div(3.0).value().get(0, 1), 0.0, "and graphs built afterwards compute in it again");
        }
    }

    @ParameterizedTest
    @EnumSource(value = Precision.class, names = {"BFLOAT16", "FLOAT16"})
    void roundedParametersAreCheckedAtTheirStoredValues(Precision p) {
        try (Emulation e = Precision.emulate(p).roundParameters(true)) {
            Var w = Var.param("w", Tensor.of(new double[][] {{0.1}}));
            GradCheck.Result r = GradCheck.check(() -> w.square().sum(), List.of(w));
            assertEquals(2 * p.round(0.1), r.analytic("w")[0], 0.0, "d/dw w^2 = 2w at the stored (rounded) w, in float64");
            assertTrue(r.passed(1e-8), r.toString());
            assertEquals(p.round(0.1), w.item(), 0.0, "the parameter is put back exactly");
        }
    }
}
