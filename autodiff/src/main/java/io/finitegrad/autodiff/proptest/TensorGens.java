package io.finitegrad.autodiff.proptest;

import io.finitegrad.core.Tensor;
import java.util.List;
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

    private TensorGens() {
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

    /** Log-uniform magnitudes over the whole double range, subnormals included, with either sign; shrinks towards 1. */
    public static Gen<Double> logUniform() {
        return logUniform(Double.MIN_VALUE, Double.MAX_VALUE);
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

    /** One of {@link #EDGE_VALUES}, each equally likely; shrinks towards 0. */
    public static Gen<Double> edgeValues() {
        return Generate.pick(EDGE_VALUES);
    }

    /** {@code base} three times in four, otherwise one of the {@link #EDGE_VALUES}. */
    public static Gen<Double> edgeBiased(Gen<Double> base) {
        Gen<Integer> which = Generate.range(0, 3, 0);
        Gen<Double> edges = edgeValues();
        return in -> which.generate(in) == 0 ? edges.generate(in) : base.generate(in);
    }

    /** {@link #logUniform()} mixed with the {@link #EDGE_VALUES}: the default for stability properties. */
    public static Gen<Double> edgeBiased() {
        return edgeBiased(logUniform());
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
