package io.finitegrad.autodiff.proptest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.finitegrad.core.Emulation;
import io.finitegrad.core.Precision;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.quicktheories.core.Gen;

/**
 * The generators follow the thread's format: inside an emulation scope they draw values of the
 * format within its range and its own edges, so a property there compares instead of overflowing
 * on entry; the {@code (Precision)} overloads fix the format.
 */
@SuppressWarnings("try") // the emulation scopes are opened for their effect on the draws
class TensorGensPrecisionTest {
    private static final int DRAWS = 2000;

    private static <T> List<T> draw(Gen<T> gen) {
        List<T> out = new ArrayList<>();
        Runner.run("draw", gen, out::add, 7L, DRAWS);
        return out;
    }

    private static boolean valueOf(double v, Precision p) {
        return Double.isFinite(v) && Double.doubleToRawLongBits(p.round(v)) == Double.doubleToRawLongBits(v);
    }

    @Test
    void float16sEdgesAreItsLimits() {
        List<Double> e = TensorGens.edges(Precision.FLOAT16);
        for (double v : new double[] {0.0, -0.0, 1.0, 65504, -65504, 6.103515625E-5, 5.960464477539063E-8,
                11.0859375, 11.09375, -11.09375, 255.875, 256, -256}) {
            assertTrue(e.stream().anyMatch(x -> Double.doubleToRawLongBits(x) == Double.doubleToRawLongBits(v)), "missing " + v + " in " + e);
        }
        assertEquals(TensorGens.EDGE_VALUES, TensorGens.edges(Precision.FLOAT64));
    }

    @ParameterizedTest
    @EnumSource(Precision.class)
    void everyFormatsEdgesAreValuesOfItOnBothSidesOfItsThresholds(Precision p) {
        List<Double> e = TensorGens.edges(p);
        assertEquals(TensorGens.EDGE_VALUES.size(), e.size());
        for (double v : e) assertTrue(valueOf(v, p), v + " is a finite " + p.label() + " value");
        // the roles of EDGE_VALUES, at the same places: exp overflow at 10-11, exp underflow at 14-17, squares at 19-20
        assertTrue(Double.isFinite(p.round(Math.exp(e.get(10)))) && Double.isInfinite(p.round(Math.exp(e.get(11)))), p + ": exp");
        assertTrue(p.round(Math.exp(-e.get(14))) > 0 && p.round(Math.exp(e.get(16))) == 0, p + ": exp underflow");
        double s = e.get(19), t = e.get(20);
        assertTrue(Double.isFinite(p.round(s * s)) && Double.isInfinite(p.round(t * t)), p + ": squares");
        assertEquals(p.maxFinite(), e.get(24), 0.0);
        assertEquals(p.minSubnormal(), e.get(4), 0.0);
    }

    @Test
    void insideAFloat16ScopeTheDefaultGeneratorsDrawFloat16ValuesAndItsEdges() {
        List<Double> biased, wide;
        try (Emulation e = Precision.emulate(Precision.FLOAT16)) {
            biased = draw(TensorGens.edgeBiased());
            wide = draw(TensorGens.logUniform());
        }
        Set<Long> seen = new HashSet<>();
        for (double v : biased) {
            assertTrue(valueOf(v, Precision.FLOAT16), "drew " + v);
            seen.add(Double.doubleToRawLongBits(v));
        }
        for (double edge : TensorGens.edges(Precision.FLOAT16)) {
            assertTrue(seen.contains(Double.doubleToRawLongBits(edge)), "never drew " + edge);
        }
        int subnormal = 0, large = 0;
        for (double v : wide) {
            assertTrue(valueOf(v, Precision.FLOAT16) && v != 0, "drew " + v);
            if (Math.abs(v) < Precision.FLOAT16.minNormal()) subnormal++;
            if (Math.abs(v) > 1000) large++;
        }
        // 40 binary exponents from 2^-24 to 2^15, 10 of them subnormal and 6 above 1000
        assertTrue(subnormal > DRAWS / 8 && large > DRAWS / 20, subnormal + " subnormal, " + large + " above 1000");
        // outside the scope the same generator draws doubles again
        assertTrue(draw(TensorGens.logUniform()).stream().anyMatch(v -> Math.abs(v) > 1e300));
    }

    @ParameterizedTest
    @EnumSource(value = Precision.class, names = {"FLOAT32", "BFLOAT16", "FLOAT16"})
    void theExplicitFormatGeneratorsIgnoreTheScope(Precision p) {
        for (double v : draw(TensorGens.edgeBiased(p))) assertTrue(valueOf(v, p), p + " drew " + v);
        for (double v : draw(TensorGens.logUniform(p))) {
            assertTrue(valueOf(v, p) && Math.abs(v) >= p.minSubnormal() && Math.abs(v) <= p.maxFinite(), p + " drew " + v);
        }
        assertTrue(draw(TensorGens.logUniform(p)).stream().anyMatch(v -> Math.abs(v) > p.maxFinite() / 4), "reaches the top");
    }
}
