package io.finitegrad.autodiff.proptest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.finitegrad.core.Tensor;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/**
 * Each generator reaches its edge values within a fixed number of draws (counted, with a fixed
 * seed), stays inside its range, and shrinks a failing property to a simple input. QuickTheories
 * never runs the same example twice, so a generator with few distinct values yields fewer than
 * {@code DRAWS} examples: shares are counted over the examples actually drawn.
 */
class TensorGensTest {
    private static final int DRAWS = 2000;

    /** Up to {@code DRAWS} distinct examples from {@code gen} with a fixed seed, in the order QuickTheories drew them. */
    private static <T> List<T> draw(Gen<T> gen) {
        List<T> out = new ArrayList<>();
        Runner.run("draw", gen, out::add, 7L, DRAWS);
        return out;
    }

    /** The shrunk input of a property that fails on {@code gen}. */
    private static <T> String shrunk(Gen<T> gen, java.util.function.Predicate<T> holds) {
        PropertyFailure f = assertThrows(PropertyFailure.class, () -> Runner.run("p", gen, v -> {
            if (!holds.test(v)) throw new Violation("does not hold", null);
        }, 7L, DRAWS));
        return f.input();
    }

    @Test
    void edgeValuesAreWhatTheySayTheyAre() {
        double lnMax = TensorGens.EDGE_VALUES.get(10);
        assertTrue(Double.isFinite(Math.exp(lnMax)) && Math.exp(Math.nextUp(lnMax)) == Double.POSITIVE_INFINITY);
        assertTrue(TensorGens.EDGE_VALUES.contains(Math.nextUp(lnMax)) && TensorGens.EDGE_VALUES.contains(-lnMax));
        assertTrue(Math.exp(-745.1332191019411) > 0 && Math.exp(-745.1332191019412) == 0, "exp underflows to 0 between them");
        double sqrtMax = Math.sqrt(Double.MAX_VALUE);
        assertTrue(Double.isFinite(sqrtMax * sqrtMax) && Double.isInfinite(Math.nextUp(sqrtMax) * Math.nextUp(sqrtMax)));
        assertTrue(TensorGens.EDGE_VALUES.contains(sqrtMax) && TensorGens.EDGE_VALUES.contains(Math.nextUp(sqrtMax)));
        for (double v : List.of(0.0, -0.0, Double.MIN_VALUE, 2.5e-320, 1e-300, 1e154, Double.MAX_VALUE, -Double.MAX_VALUE)) {
            assertTrue(TensorGens.EDGE_VALUES.stream().anyMatch(e -> Double.doubleToRawLongBits(e) == Double.doubleToRawLongBits(v)), "missing " + v);
        }
        assertTrue(TensorGens.EDGE_VALUES.stream().allMatch(Double::isFinite));
    }

    @Test
    void edgeValuesCoversEveryEdgeIncludingNegativeZero() {
        Set<Long> seen = new HashSet<>();
        for (double v : draw(TensorGens.edgeValues())) seen.add(Double.doubleToRawLongBits(v));
        for (double e : TensorGens.EDGE_VALUES) assertTrue(seen.contains(Double.doubleToRawLongBits(e)), "never drew " + e);
    }

    @Test
    void edgeBiasedDrawsEveryEdgeAndMostlyItsBase() {
        Set<Long> seen = new HashSet<>();
        int base = 0;
        List<Double> vs = draw(TensorGens.edgeBiased(TensorGens.uniform(2, 3)));
        for (double v : vs) {
            if (v >= 2 && v <= 3) base++;
            else seen.add(Double.doubleToRawLongBits(v));
        }
        for (double e : TensorGens.EDGE_VALUES) assertTrue(seen.contains(Double.doubleToRawLongBits(e)), "never drew " + e);
        assertTrue(base > vs.size() / 2, base + " of " + vs.size() + " from the base generator");
    }

    @Test
    void logUniformSpansTheWholeRangeWithBothSigns() {
        int subnormal = 0, tiny = 0, small = 0, large = 0, huge = 0, negative = 0;
        for (double v : draw(TensorGens.logUniform())) {
            assertTrue(Double.isFinite(v) && v != 0, "drew " + v);
            double a = Math.abs(v);
            if (a < Double.MIN_NORMAL) subnormal++;
            else if (a < 1e-150) tiny++;
            else if (a < 1) small++;
            else if (a < 1e150) large++;
            else huge++;
            if (v < 0) negative++;
        }
        // 2098 binary exponents, 52 of them subnormal: each band holds its share within a factor of two
        assertTrue(subnormal > DRAWS * 52 / 2098 / 2, "subnormals: " + subnormal);
        for (int band : new int[] {tiny, small, large, huge}) assertTrue(band > DRAWS / 10, "band of " + band);
        assertTrue(negative > DRAWS / 3 && negative < 2 * DRAWS / 3, negative + " negative");
    }

    @Test
    void logUniformWithBoundsStaysInThem() {
        for (double v : draw(TensorGens.logUniform(1e-3, 1e3))) {
            assertTrue(Math.abs(v) >= 1e-3 && Math.abs(v) <= 1e3, "drew " + v);
        }
        for (double v : draw(TensorGens.positive(TensorGens.logUniform()))) assertTrue(v > 0, "drew " + v);
        assertThrows(IllegalArgumentException.class, () -> TensorGens.logUniform(0, 1));
        assertThrows(IllegalArgumentException.class, () -> TensorGens.logUniform(2, 1));
    }

    @Test
    void uniformStaysInRangeAndReachesBothEnds() {
        List<Double> vs = draw(TensorGens.uniform(-3, 5));
        assertTrue(vs.stream().allMatch(v -> v >= -3 && v <= 5));
        assertTrue(vs.stream().anyMatch(v -> v < -2.9) && vs.stream().anyMatch(v -> v > 4.9));
        List<Double> wide = draw(TensorGens.uniform(-Double.MAX_VALUE, Double.MAX_VALUE));
        assertTrue(wide.stream().allMatch(Double::isFinite), "no overflow across the whole range");
        assertTrue(wide.stream().anyMatch(v -> v > 1e307) && wide.stream().anyMatch(v -> v < -1e307));
        assertThrows(IllegalArgumentException.class, () -> TensorGens.uniform(1, 0));
        assertThrows(IllegalArgumentException.class, () -> TensorGens.uniform(0, Double.POSITIVE_INFINITY));
    }

    @Test
    void masksHoldZerosAndMinusInfinityAndSometimesAWholeMaskedRow() {
        int fullyMaskedRows = 0, masked = 0;
        List<Tensor> ms = draw(TensorGens.masks(2, 2));
        for (Tensor m : ms) {
            for (double[] row : m.toArray()) {
                boolean all = true;
                for (double v : row) {
                    assertTrue(v == 0 || v == Double.NEGATIVE_INFINITY, "mask value " + v);
                    if (v == 0) all = false;
                    else masked++;
                }
                if (all) fullyMaskedRows++;
            }
        }
        int entries = 4 * ms.size();
        assertTrue(masked > entries / 5 && masked < entries / 2, masked + " of " + entries + " entries masked"); // one in three
        assertTrue(fullyMaskedRows > ms.size() / 10, fullyMaskedRows + " fully masked rows in " + ms.size() + " masks");
        for (Tensor m : draw(TensorGens.masksKeepingOnePerRow(3, 2))) {
            for (double[] row : m.toArray()) assertTrue(row[0] == 0 || row[1] == 0, "a row masked entirely: " + m);
        }
    }

    @Test
    void shapesAndTensorsCoverTheirRange() {
        Set<String> shapes = new HashSet<>();
        for (Tensor t : draw(TensorGens.tensors(TensorGens.shapes(3, 4), TensorGens.uniform(-1, 1)))) {
            shapes.add(t.shape());
            assertTrue(t.isFinite());
        }
        assertEquals(12, shapes.size(), "every shape from 1x1 to 3x4: " + shapes);
        for (Tensor t : draw(TensorGens.scalars(TensorGens.edgeValues()))) assertEquals("1x1", t.shape());
        assertThrows(IllegalArgumentException.class, () -> TensorGens.tensors(0, 2, TensorGens.uniform(0, 1)));
    }

    @Test
    void failingPropertiesShrinkToSimpleInputs() {
        // the smallest power of two above 1000, positive: exponent and sign shrink, the mantissa to 1
        assertEquals("1024.0", shrunk(TensorGens.logUniform(), v -> v < 1000));
        // the first subnormal in the edge list's order
        assertEquals("4.9E-324", shrunk(TensorGens.edgeValues(), v -> v == 0 || Math.abs(v) >= Double.MIN_NORMAL));
        assertEquals("0.0", shrunk(TensorGens.uniform(-5, 5), v -> v != 0 && v < 4));
        // a single masked entry
        String mask = shrunk(TensorGens.masks(1, 3), m -> m.isFinite());
        assertEquals(1, mask.split("-Infinity", -1).length - 1, mask);
        // the smallest shape that has a second row
        String s = shrunk(TensorGens.tensors(TensorGens.shapes(4, 4), TensorGens.uniform(0, 1)), t -> t.rows() < 2);
        assertTrue(s.startsWith("2x1 [[0.0], [0.0]]"), s);
        assertFalse(s.isEmpty());
    }
}
