package io.finitegrad.autodiff.proptest;

import io.finitegrad.autodiff.limits.BreakingPoints;
import io.finitegrad.core.Precision;
import io.finitegrad.core.Tensor;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.DoublePredicate;
import java.util.function.Function;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

/**
 * QuickTheories generators of doubles and tensors for numerical property tests. Every generator
 * shrinks towards simple values: magnitudes towards 1, signs towards +, edge values towards 0,
 * shapes towards 1x1, masks towards keeping everything, so a failing property reports the
 * simplest input that still fails.
 *
 * <pre>{@code
 * Gen<Tensor> xs = TensorGens.tensors(2, 3, TensorGens.edgeBiased(TensorGens.logUniform()));
 * }</pre>
 *
 * <p><b>Formats.</b> The generators without a range ({@link #logUniform()}, {@link #edgeValues()},
 * {@link #edgeBiased()}) follow the format the thread computes in when they draw: inside
 * {@code Precision.emulate(Precision.FLOAT16)}, where a property's {@code check()} runs, they draw
 * values of float16 within its range (subnormals from 6.0e-8 to 65,504) and its own edges
 * ({@link #edges(Precision)}: 65,504, 6.1e-5, both sides of 11.09 where exp overflows, ...), so
 * that no draw overflows on entry to the graph. Their {@code (Precision)} overloads fix the format
 * whatever the scope. Generators given a range ({@link #uniform}, {@link #logUniform(double, double)})
 * draw in it as asked; the graph rounds their values to the format on entry, and values beyond the
 * format's range are infinite there.
 *
 * @throws IllegalArgumentException (from the factories) for empty shapes or inverted/non-finite ranges
 */
public final class TensorGens {
    private static final double LN_MAX = Math.log(Double.MAX_VALUE);
    private static final double SQRT_MAX = Math.sqrt(Double.MAX_VALUE);

    /**
     * Values that numerical code gets wrong, simplest first (the order they shrink in): zeros of
     * both signs, ±1, the smallest subnormal, a subnormal, the smallest normal, ±1e-300, both sides
     * of exp's overflow (x = ±709.78: exp(x) is finite up to {@code Math.log(Double.MAX_VALUE)}),
     * both sides of exp's underflow to 0 (x = ±745.13), both sides of {@code sqrt(Double.MAX_VALUE)}
     * where squares overflow (~1.34e154), 1e300, and the largest finite values.
     */
    public static final List<Double> EDGE_VALUES = List.of(
            0.0, -0.0, 1.0, -1.0,
            Double.MIN_VALUE, -Double.MIN_VALUE, 2.5e-320, Double.MIN_NORMAL, 1e-300, -1e-300,
            LN_MAX, Math.nextUp(LN_MAX), -LN_MAX, -Math.nextUp(LN_MAX),
            745.1332191019411, -745.1332191019411, -745.1332191019412, 745.1332191019412,
            1e154, SQRT_MAX, Math.nextUp(SQRT_MAX), -Math.nextUp(SQRT_MAX),
            1e300, -1e300, Double.MAX_VALUE, -Double.MAX_VALUE);

    private static final long MANTISSA = 1L << 52;

    private static final Map<Precision, List<Double>> EDGES = new EnumMap<>(Precision.class);

    static {
        for (Precision p : Precision.values()) EDGES.put(p, p.isNative() ? EDGE_VALUES : formatEdges(p));
    }

    private TensorGens() {
    }

    /**
     * The edge values of {@code p}, in {@link #EDGE_VALUES}' order and roles, every one a finite
     * value of the format: zeros of both signs, ±1, its smallest subnormal (either sign), its
     * largest subnormal, its smallest normal, ±2^(minExponent/2) (squares of smaller values are
     * subnormal), both sides of exp's overflow (the last value whose exp is finite in the format
     * and the next, either sign: 11.0859375 and 11.09375 in float16), both sides of exp's
     * underflow to 0, a power of two below the square root of the largest value, both sides of
     * where squares overflow (255.875 and 256 in float16), ±2^maxExponent and the largest finite
     * values (±65,504 in float16). For float64 it is {@link #EDGE_VALUES}.
     *
     * @throws IllegalArgumentException if {@code p} is null
     */
    public static List<Double> edges(Precision p) {
        if (p == null) throw new IllegalArgumentException("edges: precision is null");
        return EDGES.get(p);
    }

    private static List<Double> formatEdges(Precision p) {
        double sub = p.minSubnormal(), normal = p.minNormal();
        double expLast = largestWhere(p, p.expOverflow(), x -> Double.isFinite(p.round(Math.exp(x))));
        double underLast = largestWhere(p, -Math.log(sub), y -> p.round(Math.exp(-y)) != 0);
        double sqrtLast = largestWhere(p, Math.sqrt(p.maxFinite()), x -> Double.isFinite(p.round(x * x)));
        double tiny = Math.scalb(1.0, p.minExponent() / 2), root = Math.scalb(1.0, p.maxExponent() / 2);
        double big = Math.scalb(1.0, p.maxExponent());
        return List.of(0.0, -0.0, 1.0, -1.0,
                sub, -sub, normal - sub, normal, tiny, -tiny,
                expLast, next(expLast, p), -expLast, -next(expLast, p),
                underLast, -underLast, -next(underLast, p), next(underLast, p),
                root, sqrtLast, next(sqrtLast, p), -next(sqrtLast, p),
                big, -big, p.maxFinite(), -p.maxFinite());
    }

    /**
     * The largest value of {@code p} at which {@code holds}, walking from the value nearest
     * {@code near} (a threshold's estimate: the test holds below the threshold and fails above).
     */
    private static double largestWhere(Precision p, double near, DoublePredicate holds) {
        double x = p.round(near);
        while (!holds.test(x)) x = BreakingPoints.fromOrdinal(BreakingPoints.ordinal(x, p) - 1, p);
        while (holds.test(next(x, p))) x = next(x, p);
        return x;
    }

    /** The value of {@code p} just above {@code x}. */
    private static double next(double x, Precision p) {
        return BreakingPoints.fromOrdinal(BreakingPoints.ordinal(x, p) + 1, p);
    }

    /** A generator that draws from {@code perFormat}'s generator for the format the thread computes in at the draw. */
    private static <T> Gen<T> inCurrentFormat(Function<Precision, Gen<T>> perFormat) {
        Map<Precision, Gen<T>> gens = new EnumMap<>(Precision.class);
        for (Precision p : Precision.values()) gens.put(p, perFormat.apply(p));
        return in -> gens.get(Precision.current()).generate(in);
    }

    /** Uniform in [lo, hi]; shrinks towards the value nearest 0. */
    public static Gen<Double> uniform(double lo, double hi) {
        if (!Double.isFinite(lo) || !Double.isFinite(hi) || !(lo <= hi)) {
            throw new IllegalArgumentException("uniform: need finite lo <= hi, got [" + lo + ", " + hi + "]");
        }
        long steps = 1L << 53;
        double zeroAt = lo >= 0 ? 0 : hi <= 0 ? 1 : -lo / (hi - lo); // hi - lo may overflow: then ~0.5
        long shrink = Double.isFinite(zeroAt) ? Math.round(zeroAt * steps) : steps / 2;
        return Generate.longRange(0, steps, shrink).map(k -> {
            double t = (double) k / steps;
            double v = lo * (1 - t) + hi * t; // no hi - lo: it overflows for [-MAX, MAX]
            return Math.min(hi, Math.max(lo, v));
        });
    }

    /**
     * Log-uniform magnitudes over the whole range of the format the thread computes in (the double
     * range unless a {@code Precision.emulate} scope is open), subnormals included, with either sign;
     * shrinks towards 1. See {@link #logUniform(Precision)}.
     */
    public static Gen<Double> logUniform() {
        return inCurrentFormat(TensorGens::logUniform);
    }

    /**
     * Log-uniform values of {@code p} over its whole range, from its smallest subnormal to its
     * largest finite value (each binary exponent equally likely, each significand of the format
     * too), with either sign; shrinks towards 1. Every value drawn is one of the format's, so it
     * enters a graph in {@code p} unchanged.
     *
     * @throws IllegalArgumentException if {@code p} is null
     */
    public static Gen<Double> logUniform(Precision p) {
        if (p == null) throw new IllegalArgumentException("logUniform: precision is null");
        if (p.isNative()) return logUniform(Double.MIN_VALUE, Double.MAX_VALUE);
        int lo = p.minExponent() - p.fractionBits(), hi = p.maxExponent(), bits = p.fractionBits();
        Gen<Integer> exponent = Generate.range(lo, hi, 0);
        Gen<Long> significand = Generate.longRange(0, (1L << bits) - 1, 0);
        Gen<Integer> sign = Generate.range(0, 1, 0);
        return exponent.zip(significand, sign, (e, m, s) -> {
            // below the normal range the format keeps fewer bits: rounding gives its nearest subnormal
            double v = p.round(Math.scalb(1.0 + (double) m / (1L << bits), e));
            return s == 0 ? v : -v;
        });
    }

    /**
     * Magnitudes log-uniform in [minMagnitude, maxMagnitude] (each binary exponent equally likely)
     * with either sign; shrinks towards the magnitude nearest 1 and towards +.
     */
    public static Gen<Double> logUniform(double minMagnitude, double maxMagnitude) {
        if (!(minMagnitude > 0) || !(maxMagnitude >= minMagnitude) || !Double.isFinite(maxMagnitude)) {
            throw new IllegalArgumentException("logUniform: need 0 < minMagnitude <= maxMagnitude < Infinity, got ["
                    + minMagnitude + ", " + maxMagnitude + "]");
        }
        int lo = Math.getExponent(minMagnitude) < Double.MIN_EXPONENT ? -1074 : Math.getExponent(minMagnitude);
        int hi = Math.getExponent(maxMagnitude);
        Gen<Integer> exponent = Generate.range(lo, hi, Math.max(lo, Math.min(hi, 0)));
        Gen<Long> mantissa = Generate.longRange(0, MANTISSA - 1, 0);
        Gen<Integer> sign = Generate.range(0, 1, 0);
        return exponent.zip(mantissa, sign, (e, m, s) -> {
            double v = Math.scalb(1.0 + (double) m / MANTISSA, e);
            v = Math.min(maxMagnitude, Math.max(minMagnitude, v));
            return s == 0 ? v : -v;
        });
    }

    /** The absolute values of {@code values} (so -0.0 becomes 0.0). */
    public static Gen<Double> positive(Gen<Double> values) {
        return values.map(v -> Math.abs(v));
    }

    /**
     * One of the {@link #edges} of the format the thread computes in ({@link #EDGE_VALUES} in
     * float64), each equally likely; shrinks towards 0.
     */
    public static Gen<Double> edgeValues() {
        return inCurrentFormat(TensorGens::edgeValues);
    }

    /**
     * One of {@code p}'s {@link #edges}, each equally likely; shrinks towards 0.
     *
     * @throws IllegalArgumentException if {@code p} is null
     */
    public static Gen<Double> edgeValues(Precision p) {
        return Generate.pick(edges(p));
    }

    /** {@code base} three times in four, otherwise one of the {@link #edges} of the format the thread computes in. */
    public static Gen<Double> edgeBiased(Gen<Double> base) {
        return mixed(base, edgeValues());
    }

    /** {@link #logUniform()} mixed with the edge values, both of the thread's format: the default for stability properties. */
    public static Gen<Double> edgeBiased() {
        return edgeBiased(logUniform());
    }

    /**
     * {@link #logUniform(Precision)} mixed with {@code p}'s {@link #edges}, one time in four,
     * whatever format the thread computes in.
     *
     * @throws IllegalArgumentException if {@code p} is null
     */
    public static Gen<Double> edgeBiased(Precision p) {
        return mixed(logUniform(p), edgeValues(p));
    }

    private static Gen<Double> mixed(Gen<Double> base, Gen<Double> edges) {
        Gen<Integer> which = Generate.range(0, 3, 0);
        return in -> which.generate(in) == 0 ? edges.generate(in) : base.generate(in);
    }

    /** A tensor shape. */
    public record Shape(int rows, int cols) {
        public Shape {
            if (rows < 1 || cols < 1) throw new IllegalArgumentException("Shape: need rows, cols >= 1, got " + rows + "x" + cols);
        }

        @Override
        public String toString() {
            return rows + "x" + cols;
        }
    }

    /** Shapes from 1x1 up to maxRows x maxCols; shrinks towards 1x1. */
    public static Gen<Shape> shapes(int maxRows, int maxCols) {
        new Shape(maxRows, maxCols); // refuses an empty maximum now, not at the first draw
        return Generate.range(1, maxRows, 1).zip(Generate.range(1, maxCols, 1), Shape::new);
    }

    /** Tensors of one shape with elements from {@code values}. */
    public static Gen<Tensor> tensors(int rows, int cols, Gen<Double> values) {
        return tensors(Generate.constant(new Shape(rows, cols)), values);
    }

    /** Tensors of shapes from {@code shapes} with elements from {@code values}. */
    public static Gen<Tensor> tensors(Gen<Shape> shapes, Gen<Double> values) {
        return describe(in -> {
            Shape s = shapes.generate(in);
            double[] d = new double[s.rows() * s.cols()];
            for (int k = 0; k < d.length; k++) d[k] = values.generate(in);
            return Tensor.of(s.rows(), s.cols(), d);
        });
    }

    /** 1x1 tensors with the value from {@code values}. */
    public static Gen<Tensor> scalars(Gen<Double> values) {
        return tensors(1, 1, values);
    }

    /**
     * Additive attention masks: 0 keeps an entry, -Infinity masks it (each one time in three), and a
     * row may be masked entirely. Shrinks towards keeping everything.
     */
    public static Gen<Tensor> masks(int rows, int cols) {
        return tensors(rows, cols, Generate.pick(List.of(0.0, 0.0, Double.NEGATIVE_INFINITY)));
    }

    /** Like {@link #masks} but every row keeps at least one entry (a padding-free batch). */
    public static Gen<Tensor> masksKeepingOnePerRow(int rows, int cols) {
        Gen<Tensor> masks = masks(rows, cols);
        Gen<Integer> keep = Generate.range(0, cols - 1, 0);
        return describe(in -> {
            double[][] m = masks.generate(in).toArray();
            for (double[] row : m) {
                int k = keep.generate(in);
                boolean any = false;
                for (double v : row) any |= v == 0;
                if (!any) row[k] = 0.0;
            }
            return Tensor.of(m);
        });
    }

    /** Full precision in failure messages: the shrunk input can be pasted back into a test. */
    private static Gen<Tensor> describe(Gen<Tensor> g) {
        return g.describedAs(TensorGens::describe);
    }

    /** Elements printed in a failure message at most; a larger tensor shows its first ones. */
    public static final int SHOWN = 400;

    /**
     * {@code 1x2 [[709.7827128933841, 0.0]]}: the elements as Double.toString prints them, which
     * reads back exactly; beyond {@value #SHOWN} elements the rest is counted, not printed. The
     * generators print their tensors this way; use it in the {@code toString} of your own example
     * records so that a shrunk counterexample can be pasted back into a test.
     */
    public static String describe(Tensor t) {
        StringBuilder sb = new StringBuilder().append(t.shape()).append(" [");
        double[][] a = t.toArray();
        int shown = 0;
        for (int r = 0; r < a.length && shown < SHOWN; r++) {
            sb.append(r == 0 ? "[" : ", [");
            for (int c = 0; c < a[r].length && shown < SHOWN; c++, shown++) sb.append(c == 0 ? "" : ", ").append(a[r][c]);
            sb.append(']');
        }
        if (shown < t.size()) sb.append(" ... ").append(t.size() - shown).append(" more");
        return sb.append(']').toString();
    }
}
