package io.finitegrad.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.finitegrad.autodiff.Var;
import io.finitegrad.core.Emulation;
import io.finitegrad.core.Precision;
import io.finitegrad.core.Tensor;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Master weights vs stored-rounded parameters: by default an optimiser under emulation keeps
 * float64 parameters and state; inside {@code emulate(p).roundParameters(true)} what a step stores
 * is a value of the format. Gradients are set in float64 before the scope opens, so only the step
 * runs emulated.
 */
@SuppressWarnings("try") // emulation scopes opened for their effect
class RoundParametersTest {
    private static final double[] START = {0.1, 0.3, -0.7, 1.1};
    private static final double[] GRAD = {0.01, -0.02, 0.3, 1e-3};

    private static boolean allInFormat(double[] v, Precision p) {
        for (double x : v) if (p.round(x) != x) return false;
        return true;
    }

    /** Three steps of {@code make}'s optimiser on one parameter, emulating float16, rounding stored values or not. */
    private static Var steps(Function<List<Var>, Optimizer> make, boolean round, Optimizer[] out) {
        Var w = Var.param("w", Tensor.row(START));
        Optimizer opt = make.apply(List.of(w));
        out[0] = opt;
        for (int i = 0; i < 3; i++) {
            Grads.set(w, GRAD);
            try (Emulation e = Precision.emulate(Precision.FLOAT16).roundParameters(round)) {
                opt.step();
            }
        }
        return w;
    }

    @Test
    void underRoundParametersEveryStoredParameterAndMomentIsAFloat16Value() {
        List<Function<List<Var>, Optimizer>> makers = List.of(ps -> new Adam(ps, 1e-3), ps -> new AdamW(ps, 1e-3),
                ps -> new SGD(ps, 1e-3, 0.9), ps -> new SGD(ps, 1e-3));
        for (Function<List<Var>, Optimizer> make : makers) {
            Optimizer[] opt = new Optimizer[1];
            Var rounded = steps(make, true, opt);
            String who = opt[0].getClass().getSimpleName();
            assertTrue(allInFormat(rounded.value().toFlatArray(), Precision.FLOAT16), who + ": "
                    + java.util.Arrays.toString(rounded.value().toFlatArray()));
            assertEquals(3, rounded.version(), who + ": stored through write(), once per step");
            if (opt[0] instanceof Adam a) {
                assertTrue(allInFormat(a.firstMoment(0), Precision.FLOAT16), who + " m");
                assertTrue(allInFormat(a.secondMoment(0), Precision.FLOAT16), who + " v");
            }
            Var master = steps(make, false, opt);
            assertFalse(allInFormat(master.value().toFlatArray(), Precision.FLOAT16),
                    who + ": float64 masters keep what float16 cannot hold: "
                            + java.util.Arrays.toString(master.value().toFlatArray()));
            if (opt[0] instanceof Adam a) assertFalse(allInFormat(a.secondMoment(0), Precision.FLOAT16), who + " v");
        }
    }

    @Test
    void underRoundParametersAnUpdateBelowHalfAnUlpIsLostAsInTheFormat() {
        Var w = Var.param("w", Tensor.row(1.0));
        SGD sgd = new SGD(List.of(w), 1e-4);
        Grads.set(w, 1.0); // 1 - 1e-4: float16's spacing below 1 is 2^-11, about 4.9e-4
        try (Emulation e = Precision.emulate(Precision.FLOAT16).roundParameters(true)) {
            sgd.step();
        }
        assertEquals(1.0, w.value().get(0, 0));
        try (Emulation e = Precision.emulate(Precision.FLOAT16)) {
            sgd.step();
        }
        assertEquals(1 - 1e-4, w.value().get(0, 0), 1e-16, "the float64 master keeps it");
    }

    @Test
    void aParameterThatRoundsToInfinityIsRefusedNamingTheFormat() {
        Var w = Var.param("w", Tensor.row(65000.0));
        SGD sgd = new SGD(List.of(w), 1.0);
        Grads.set(w, -1000);
        NonFiniteUpdateException e;
        try (Emulation s = Precision.emulate(Precision.FLOAT16).roundParameters(true)) {
            e = assertThrows(NonFiniteUpdateException.class, sgd::step);
        }
        assertTrue(e.getMessage().contains("stored rounded to float16") && e.getMessage().contains("65504"), e.getMessage());
        assertArrayEquals(new double[] {65000.0}, w.value().toFlatArray(), 0, "nothing written");
        assertEquals(0, sgd.appliedSteps());
    }

    /** Adam's message quotes the range of the moments' storage: float16 under roundParameters, else float64. */
    @Test
    void adamsSecondMomentOverflowMessageUsesTheStoredFormatsNumbers() {
        Var w = Var.param("w", Tensor.row(1.0, -1.0));
        Adam adam = new Adam(List.of(w), 0.1);
        Grads.set(w, 1e4, 0.5); // (1 - beta2) g^2 = 1e5: beyond float16's 65,504
        NonFiniteUpdateException e;
        try (Emulation s = Precision.emulate(Precision.FLOAT16).roundParameters(true)) {
            e = assertThrows(NonFiniteUpdateException.class, adam::step);
        }
        assertTrue(e.getMessage().contains("second moment") && e.getMessage().contains("float16's range")
                && e.getMessage().contains("8.1e+03"), e.getMessage());
        assertFalse(e.getMessage().contains("double"), e.getMessage());
        assertArrayEquals(new double[] {0, 0}, adam.secondMoment(0), 0, "nothing committed");
        try (Emulation s = Precision.emulate(Precision.FLOAT16)) {
            adam.step(); // float64 master moments hold 1e5
        }
        assertEquals(1, adam.appliedSteps());
        Grads.set(w, 1e156, 0.5); // the bound is sqrt(max / (1 - beta2)), computed without overflowing max / 0.001
        e = assertThrows(NonFiniteUpdateException.class, adam::step);
        assertTrue(e.getMessage().contains("the float64 range") && e.getMessage().contains("4.2e+155"), e.getMessage());
    }
}
