package io.finitegrad.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.quicktheories.core.Gen;

/**
 * {@link Precision#round} over the whole double range, for every format: it is idempotent,
 * monotone and sign-symmetric, float16 and bfloat16 agree with {@link FloatFormats}' independent
 * encoder, and {@link Precision#roundAndScan} agrees with it element by element. The example count
 * is a multiple of {@code -DQT_EXAMPLES} (rounding is cheap), the seed {@code -DQT_SEED}'s.
 */
class PrecisionPropertiesTest {
    private static final int EXAMPLES = 50 * Integer.getInteger("QT_EXAMPLES", 100);

    /** Any bit pattern: NaNs, infinities, zeros, double subnormals, every magnitude. */
    private static final Gen<Double> ANY_BITS = longs().all().map(Double::longBitsToDouble);

    /** Magnitudes spread evenly over the format's binades and a few past each end, either sign. */
    private static Gen<Double> inFormat(Precision p) {
        int lo = Math.max(-1074, p.minExponent() - p.fractionBits() - 3), hi = Math.min(1023, p.maxExponent() + 2);
        return integers().between(lo, hi).zip(longs().all(), (e, f) -> {
            double m = 1 + (f >>> 12) * 0x1p-52;
            return (f < 0 ? -1 : 1) * Math.scalb(m, e);
        });
    }

    /**
     * A tie of the format (a normal value with the first dropped bit set), moved by up to 2 double
     * ulps: where round-to-nearest-even has to decide.
     */
    private static Gen<Double> nearTies(Precision p) {
        int drop = 52 - p.fractionBits();
        if (drop == 0) return inFormat(p);
        return inFormat(p).zip(integers().between(-2, 2), (x, k) -> {
            long b = Double.doubleToRawLongBits(x);
            return Double.longBitsToDouble(((b & -(1L << drop)) | 1L << (drop - 1)) + k);
        });
    }

    private static Gen<Double> values(Precision p) {
        return ANY_BITS.mix(inFormat(p), 50).mix(nearTies(p), 40);
    }

    private static void assertSame(double expected, double actual, String what) {
        if (Double.isNaN(expected)) assertTrue(Double.isNaN(actual), what + ": expected NaN, got " + actual);
        else assertEquals(Double.doubleToRawLongBits(expected), Double.doubleToRawLongBits(actual),
                () -> what + ": expected " + expected + ", got " + actual);
    }

    private static Stream<DynamicTest> perFormat(String name, java.util.function.Consumer<Precision> property) {
        return Arrays.stream(Precision.values()).map(p -> DynamicTest.dynamicTest(name + " in " + p.label(), () -> property.accept(p)));
    }

    @TestFactory
    Stream<DynamicTest> roundingIsIdempotent() {
        return perFormat("round(round(x)) == round(x)", p -> qt().withExamples(EXAMPLES).forAll(values(p))
                .checkAssert(x -> assertSame(p.round(x), p.round(p.round(x)), p.label() + " twice at " + x)));
    }

    @TestFactory
    Stream<DynamicTest> roundingIsSignSymmetric() {
        return perFormat("round(-x) == -round(x)", p -> qt().withExamples(EXAMPLES).forAll(values(p))
                .checkAssert(x -> assertSame(-p.round(x), p.round(-x), p.label() + " at -(" + x + ")")));
    }

    @TestFactory
    Stream<DynamicTest> roundingIsMonotone() {
        // far-apart pairs, and close pairs (a few thousand double ulps apart) that straddle ties
        return perFormat("x <= y implies round(x) <= round(y)", p -> {
            Gen<double[]> far = values(p).zip(values(p), (a, b) -> new double[] {a, b});
            Gen<double[]> close = values(p).zip(integers().between(0, 4096), (a, k) -> new double[] {a, step(a, k)});
            qt().withExamples(EXAMPLES).forAll(far.mix(close, 50)).assuming(xy -> !Double.isNaN(xy[0]) && !Double.isNaN(xy[1]))
                    .checkAssert(xy -> {
                        double x = Math.min(xy[0], xy[1]), y = Math.max(xy[0], xy[1]);
                        assertTrue(p.round(x) <= p.round(y), p.label() + ": " + x + " <= " + y + " but round gives "
                                + p.round(x) + " > " + p.round(y));
                    });
        });
    }

    private static double step(double a, int k) {
        double b = a;
        for (int i = 0; i < k && Double.isFinite(b); i++) b = Math.nextUp(b);
        return b;
    }

    @TestFactory
    Stream<DynamicTest> narrowFormatsAgreeWithTheCheckpointCodec() {
        return Stream.of(Precision.FLOAT16, Precision.BFLOAT16).map(p -> DynamicTest.dynamicTest(p.label() + " vs FloatFormats",
                () -> qt().withExamples(EXAMPLES).forAll(values(p)).checkAssert(x -> {
                    double codec = p == Precision.FLOAT16 ? FloatFormats.halfToDouble(FloatFormats.doubleToHalf(x))
                            : FloatFormats.bfloat16ToDouble(FloatFormats.doubleToBfloat16(x));
                    assertSame(codec, p.round(x), p.label() + " at " + x);
                })));
    }

    @TestFactory
    Stream<DynamicTest> roundAndScanIsRoundElementByElement() {
        return perFormat("roundAndScan == round per element", p -> {
            Gen<double[]> arrays = integers().between(0, 12).flatMap(n -> in -> {
                double[] d = new double[n];
                for (int i = 0; i < n; i++) d[i] = values(p).generate(in);
                return d;
            });
            qt().withExamples(EXAMPLES / 5).forAll(arrays).checkAssert(d -> {
                double[] r = d.clone();
                long summary = p.roundAndScan(r, r.length);
                boolean finite = true;
                long flushed = 0;
                for (int i = 0; i < d.length; i++) {
                    double expected = p.round(d[i]);
                    assertSame(expected, r[i], p.label() + " element " + i + " of " + Arrays.toString(d));
                    finite &= Double.isFinite(expected);
                    if (expected == 0 && d[i] != 0 && !Double.isNaN(d[i])) flushed++;
                }
                assertEquals(finite, Precision.allFinite(summary), p.label() + " allFinite of " + Arrays.toString(d));
                assertEquals(flushed, Precision.flushed(summary), p.label() + " flushed of " + Arrays.toString(d));
            });
        });
    }
}
