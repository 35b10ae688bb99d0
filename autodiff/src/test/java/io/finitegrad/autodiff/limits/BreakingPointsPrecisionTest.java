package io.finitegrad.autodiff.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.finitegrad.autodiff.NaiveOps;
import io.finitegrad.autodiff.Var;
import io.finitegrad.autodiff.op.Phase;
import io.finitegrad.core.Emulation;
import io.finitegrad.core.Precision;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The search under a format walks the format's values and reports them: exp overflows in float16
 * from 11.09375 (exp(11.0859375) = 65253 rounds to 65248; exp(11.09375) = 65764 is past 65520,
 * the overflow threshold), in bfloat16 from 89 (its values near 88.7 are 88.5 and 89), in float32
 * from the first float above ln(3.4028235e38 + half an ulp) = 88.7228391.
 */
@SuppressWarnings("try") // the emulation scope is opened for its effect
class BreakingPointsPrecisionTest {
    private static Var pair(Var x) {
        return Var.concatCols(x, Var.constant(0));
    }

    /** The first value of the format whose exp overflows in it, and the value below it, computed without the search. */
    private static double[] expLimit(Precision p) {
        switch (p) {
            case FLOAT16: return new double[] {11.09375, 11.0859375};
            case BFLOAT16: return new double[] {89.0, 88.5};
            case FLOAT32: {
                float f = 88f;
                while (!Float.isInfinite((float) Math.exp(f))) f = Math.nextUp(f);
                return new double[] {f, Math.nextDown(f)};
            }
            default: return new double[] {Math.nextUp(Math.log(Double.MAX_VALUE)), Math.log(Double.MAX_VALUE)};
        }
    }

    @ParameterizedTest
    @EnumSource(Precision.class)
    void naiveSoftmaxBreaksAtTheFormatsFirstValueWhoseExpOverflowsAndTheStableOneNever(Precision p) {
        BreakingPoint b = BreakingPoints.search(x -> NaiveOps.softmax(pair(x)), 0, 1000, p);
        double[] limit = expLimit(p);
        assertEquals(limit[0], b.at(), p.label());
        assertEquals(limit[1], b.lastFinite(), "the neighbouring value of the format, not of double");
        assertSame(p, b.precision());
        assertFalse(b.inGradient());
        assertEquals(Phase.FORWARD, b.phase());
        assertEquals("naiveSoftmax/exp", b.node());
        BreakingPoint stable = BreakingPoints.search(x -> pair(x).softmax(), 0, 1000, p);
        assertFalse(stable.found(), stable.toString());
        assertSame(Precision.FLOAT64, Precision.current(), "the search's scope is closed again");
    }

    @ParameterizedTest
    @EnumSource(Precision.class)
    void everyStableTwinHoldsInEveryFormatWhereEveryNaiveOneBreaks(Precision p) {
        // over |x| <= 1000 every twin's true value and gradient is representable in every format
        for (Twins.Twin t : Twins.all()) {
            BreakingPoint stable = t.stableLimit(p);
            assertFalse(stable.found(), t.name() + " in " + p.label() + ": " + stable);
            BreakingPoint naive = t.naiveLimit(p);
            assertTrue(naive.found(), t.name() + " in " + p.label());
            assertEquals(naive.at(), p.round(naive.at()), "a value of the format");
        }
    }

    @Test
    void theSearchRunsInTheFormatOfAnOpenScopeAndPrintsItsValues() {
        try (Emulation e = Precision.emulate(Precision.FLOAT16)) {
            BreakingPoint b = BreakingPoints.search(x -> NaiveOps.softmax(pair(x)), 0, 1000);
            assertSame(Precision.FLOAT16, b.precision());
            assertEquals(11.09375, b.at());
            assertTrue(b.toString().startsWith("x = 11.09 in float16: value non-finite; entry exp 'naiveSoftmax/exp' (forward, "),
                    b.toString());
            assertEquals("none in [0.0, 1000.0] in float16", BreakingPoints.search(x -> pair(x).softmax(), 0, 1000).toString());
        }
    }

    @Test
    void naiveBinaryCrossEntropyBreaksAtMinus11Point09InFloat16AndMinus89InBfloat16() {
        // -log(1 / (1 + exp(-x))): exp(-x) overflows, the sigmoid is 0 and its log -Infinity
        UnaryOperator<Var> naive = x -> NaiveOps.binaryCrossEntropy(NaiveOps.sigmoid(x), Var.constant(1));
        BreakingPoint half = BreakingPoints.search(naive, 0, -1000, Precision.FLOAT16);
        assertEquals(-11.09375, half.at());
        assertEquals(-11.0859375, half.lastFinite());
        assertEquals("-11.09", BreakingPoints.shortest(half.at(), Precision.FLOAT16));
        assertEquals(-89.0, BreakingPoints.search(naive, 0, -1000, Precision.BFLOAT16).at());
        assertFalse(BreakingPoints.search(x -> x.neg().softplus(), 0, -1000, Precision.FLOAT16).found());
    }

    @Test
    void aSquareOverflowsFloat16Above255Point9() {
        // 255.875^2 = 65472 (finite); 256^2 = 65536, past 65520
        BreakingPoint b = BreakingPoints.search(Var::square, 1, 1000, Precision.FLOAT16);
        assertEquals(256.0, b.at());
        assertEquals(255.875, b.lastFinite());
    }

    @Test
    void anIntervalBeyondTheFormatIsRefusedNamingIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BreakingPoints.search(Var::exp, 0, 1e6, Precision.FLOAT16));
        assertTrue(e.getMessage().contains("1000000.0") && e.getMessage().contains("float16")
                && e.getMessage().contains("65504"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> BreakingPoints.search(Var::exp, 0, 1, null));
    }

    @Test
    void valuesPrintWithTheFewestDigitsThatReadBackInTheFormat() {
        assertEquals("11.09", BreakingPoints.shortest(11.09375, Precision.FLOAT16));
        assertEquals("65500.0", BreakingPoints.shortest(65504, Precision.FLOAT16), "as numpy prints float16(65504)");
        assertEquals("6.104E-5", BreakingPoints.shortest(Precision.FLOAT16.minNormal(), Precision.FLOAT16));
        assertEquals("6.0E-8", BreakingPoints.shortest(Precision.FLOAT16.minSubnormal(), Precision.FLOAT16));
        assertEquals("89.0", BreakingPoints.shortest(89, Precision.BFLOAT16));
        assertEquals(Float.toString((float) 88.72283935546875), BreakingPoints.shortest(88.72283935546875, Precision.FLOAT32));
        assertEquals("709.7827128933841", BreakingPoints.shortest(709.7827128933841, Precision.FLOAT64));
        assertEquals("-0.0", BreakingPoints.shortest(-0.0, Precision.FLOAT16));
        assertEquals("-Infinity", BreakingPoints.shortest(Double.NEGATIVE_INFINITY, Precision.FLOAT16));
        for (double v : new double[] {0.1, 1.0 / 3, 1000, 3.14159, 1e-6, 12345.678}) {
            for (Precision p : Precision.values()) {
                double x = p.round(v);
                assertEquals(x, p.round(Double.parseDouble(BreakingPoints.shortest(x, p))), p + " " + x);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = Precision.class, names = {"BFLOAT16", "FLOAT16"})
    void ordinalsCountTheFormatsValuesOneByOne(Precision p) {
        long top = BreakingPoints.ordinal(p.maxFinite(), p);
        double previous = Double.NEGATIVE_INFINITY;
        for (long o = -top - 1; o <= top; o++) {
            double v = BreakingPoints.fromOrdinal(o, p);
            assertEquals(v, p.round(v), "a value of the format");
            assertEquals(o, BreakingPoints.ordinal(v, p));
            assertTrue(v > previous || (v == 0 && previous == 0), v + " after " + previous);
            previous = v;
        }
        assertEquals(p == Precision.FLOAT16 ? 31743 : 32639, top, "every finite positive value but 0 has its ordinal");
        assertEquals(-1, BreakingPoints.ordinal(-0.0, p));
        assertEquals(BreakingPoints.ordinal(1.5, Precision.FLOAT64), BreakingPoints.ordinal(1.5));
    }
}
