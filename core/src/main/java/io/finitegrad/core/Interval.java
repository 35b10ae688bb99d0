package io.finitegrad.core;

import java.util.Arrays;
import org.ejml.data.DMatrixRMaj;

/**
 * An immutable rows x cols box of intervals: element k lies in {@code [lo(k), hi(k)]} (row-major,
 * ends may be infinite), and the box may also admit NaN somewhere ({@link #mayBeNaN()}). It is the
 * value the finiteness analysis computes with: each op maps its operands' boxes to a box that holds
 * every value its output can take. A point ({@code lo == hi}) is a known value; {@code [-Inf, Inf]}
 * with NaN is "unknown".
 *
 * <p>Bounds are per element. Factories check shapes and ends and throw
 * {@link IllegalArgumentException} naming the bad element; {@link #taking} skips the copy (for
 * ops building a result) and trusts its caller.
 */
public final class Interval {
    private final int rows;
    private final int cols;
    private final double[] lo;
    private final double[] hi;
    private final boolean nan;

    private Interval(int rows, int cols, double[] lo, double[] hi, boolean nan) {
        this.rows = rows;
        this.cols = cols;
        this.lo = lo;
        this.hi = hi;
        this.nan = nan;
    }

    /**
     * A box over {@code lo} and {@code hi} (row-major, {@code rows * cols} each), which it takes
     * without a copy: the caller must not modify them afterwards. Ends must satisfy
     * {@code lo[k] <= hi[k]} and be non-NaN; this is not checked (use {@link #of} for that).
     */
    public static Interval taking(int rows, int cols, double[] lo, double[] hi, boolean mayBeNaN) {
        return new Interval(rows, cols, lo, hi, mayBeNaN);
    }

    /**
     * A box with per-element ends (copied).
     *
     * @throws IllegalArgumentException if the shapes differ, an end is NaN, or some lo > hi
     */
    public static Interval of(Tensor lo, Tensor hi) {
        if (lo == null || hi == null) throw new IllegalArgumentException("Interval.of: lo or hi is null");
        if (lo.rows() != hi.rows() || lo.cols() != hi.cols()) {
            throw new IllegalArgumentException("Interval.of: lo is " + lo.shape() + " but hi is " + hi.shape());
        }
        double[] l = lo.toFlatArray(), h = hi.toFlatArray();
        for (int k = 0; k < l.length; k++) {
            if (Double.isNaN(l[k]) || Double.isNaN(h[k]) || l[k] > h[k]) {
                throw new IllegalArgumentException("Interval.of: element (" + k / lo.cols() + ", " + k % lo.cols()
                        + ") has lo = " + l[k] + ", hi = " + h[k] + " (needs lo <= hi, neither NaN)");
            }
        }
        return new Interval(lo.rows(), lo.cols(), l, h, false);
    }

    /**
     * Every element in {@code [lo, hi]}.
     *
     * @throws IllegalArgumentException for a non-positive shape, a NaN end or lo > hi
     */
    public static Interval full(int rows, int cols, double lo, double hi) {
        if (rows <= 0 || cols <= 0) throw new IllegalArgumentException("Interval.full: shape " + rows + "x" + cols);
        if (Double.isNaN(lo) || Double.isNaN(hi) || lo > hi) {
            throw new IllegalArgumentException("Interval.full: [" + lo + ", " + hi + "] is not an interval");
        }
        double[] l = new double[rows * cols], h = new double[rows * cols];
        Arrays.fill(l, lo);
        Arrays.fill(h, hi);
        return new Interval(rows, cols, l, h, false);
    }

    /** A 1x1 box {@code [lo, hi]}. */
    public static Interval scalar(double lo, double hi) {
        return full(1, 1, lo, hi);
    }

    /** The box holding exactly the values of {@code m} (NaN possible where {@code m} holds one). */
    public static Interval point(DMatrixRMaj m) {
        int n = m.getNumElements();
        double[] l = new double[n], h = new double[n];
        boolean nan = false;
        for (int k = 0; k < n; k++) {
            double v = m.data[k];
            if (v != v) {
                nan = true;
                l[k] = Double.NEGATIVE_INFINITY;
                h[k] = Double.POSITIVE_INFINITY;
            } else {
                l[k] = v;
                h[k] = v;
            }
        }
        return new Interval(m.numRows, m.numCols, l, h, nan);
    }

    /** The box holding exactly the values of {@code t}. */
    public static Interval point(Tensor t) {
        return point(t.toMatrix());
    }

    /** Any value, NaN included: what the analysis knows of an op without a range transfer. */
    public static Interval unknown(int rows, int cols) {
        double[] l = new double[rows * cols], h = new double[rows * cols];
        Arrays.fill(l, Double.NEGATIVE_INFINITY);
        Arrays.fill(h, Double.POSITIVE_INFINITY);
        return new Interval(rows, cols, l, h, true);
    }

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }

    public int size() {
        return lo.length;
    }

    public String shape() {
        return rows + "x" + cols;
    }

    /** Lower end of element k (row-major). */
    public double lo(int k) {
        return lo[k];
    }

    /** Upper end of element k (row-major). */
    public double hi(int k) {
        return hi[k];
    }

    public double lo(int r, int c) {
        return lo[r * cols + c];
    }

    public double hi(int r, int c) {
        return hi[r * cols + c];
    }

    /** A copy of the lower ends, row-major. */
    public double[] los() {
        return lo.clone();
    }

    /** A copy of the upper ends, row-major. */
    public double[] his() {
        return hi.clone();
    }

    /** Whether some element may be NaN. */
    public boolean mayBeNaN() {
        return nan;
    }

    /** Whether every element is bounded by finite ends and none may be NaN: nothing non-finite is admitted. */
    public boolean isFinite() {
        if (nan) return false;
        for (int k = 0; k < lo.length; k++) {
            if (lo[k] == Double.NEGATIVE_INFINITY || hi[k] == Double.POSITIVE_INFINITY) return false;
        }
        return true;
    }

    /** Whether element k may be +/-Infinity. */
    public boolean mayBeInfinite(int k) {
        return lo[k] == Double.NEGATIVE_INFINITY || hi[k] == Double.POSITIVE_INFINITY;
    }

    /** The first element that may be infinite, or -1 (NaN is told by {@link #mayBeNaN()}). */
    public int firstInfinite() {
        for (int k = 0; k < lo.length; k++) if (mayBeInfinite(k)) return k;
        return -1;
    }

    /** Whether element k may be 0. */
    public boolean mayBeZero(int k) {
        return lo[k] <= 0 && hi[k] >= 0;
    }

    /** Whether {@code v} lies in element k's interval (NaN only if the box admits NaN). */
    public boolean contains(int k, double v) {
        return v != v ? nan : lo[k] <= v && v <= hi[k];
    }

    /** Whether every element of {@code m} (shaped like this box) lies in its interval. */
    public boolean contains(DMatrixRMaj m) {
        if (m.numRows != rows || m.numCols != cols) return false;
        for (int k = 0; k < lo.length; k++) if (!contains(k, m.data[k])) return false;
        return true;
    }

    /** The first element of {@code m} outside its interval, or -1. */
    public int firstOutside(DMatrixRMaj m) {
        for (int k = 0; k < lo.length; k++) if (!contains(k, m.data[k])) return k;
        return -1;
    }

    /** The smallest lower end. */
    public double min() {
        double m = Double.POSITIVE_INFINITY;
        for (double v : lo) m = Math.min(m, v);
        return m;
    }

    /** The largest upper end. */
    public double max() {
        double m = Double.NEGATIVE_INFINITY;
        for (double v : hi) m = Math.max(m, v);
        return m;
    }

    /** The largest magnitude any element may take. */
    public double maxAbs() {
        double m = 0;
        for (int k = 0; k < lo.length; k++) m = Math.max(m, Math.max(Math.abs(lo[k]), Math.abs(hi[k])));
        return m;
    }

    /** Whether every element is a single known value. */
    public boolean isPoint() {
        if (nan) return false;
        for (int k = 0; k < lo.length; k++) if (lo[k] != hi[k]) return false;
        return true;
    }

    /**
     * This box with each end rounded to the nearest value of {@code p}: rounding is monotone, so the
     * rounded image of every value in an interval lies between its rounded ends. An end past
     * {@code p}'s range becomes infinite, as the value would.
     */
    public Interval rounded(Precision p) {
        if (p.isNative()) return this;
        double[] l = new double[lo.length], h = new double[hi.length];
        for (int k = 0; k < l.length; k++) {
            l[k] = p.round(lo[k]);
            h[k] = p.round(hi[k]);
        }
        return new Interval(rows, cols, l, h, nan);
    }

    /**
     * The finite part of this box: ends clamped to the largest finite double, NaN dropped. The
     * analysis goes on past a node it has flagged with this, so that each later finding is an entry
     * point of its own (as if the flagged node were fixed) and not an echo of the first.
     */
    public Interval finitePart() {
        if (isFinite()) return this;
        double[] l = new double[lo.length], h = new double[hi.length];
        for (int k = 0; k < l.length; k++) {
            l[k] = Math.max(lo[k], -Double.MAX_VALUE);
            h[k] = Math.min(hi[k], Double.MAX_VALUE);
            if (l[k] > h[k]) { // an element that can only be infinite: keep the nearest finite end
                double v = lo[k] > 0 ? Double.MAX_VALUE : -Double.MAX_VALUE;
                l[k] = v;
                h[k] = v;
            }
        }
        return new Interval(rows, cols, l, h, false);
    }

    /**
     * Each element's interval scaled by {@code factor} about its midpoint ({@code factor} in [0, 1]
     * shrinks the box towards its centre; infinite ends stay infinite).
     *
     * @throws IllegalArgumentException if factor is negative or NaN
     */
    public Interval scaled(double factor) {
        if (!(factor >= 0)) throw new IllegalArgumentException("Interval.scaled: factor " + factor);
        double[] l = new double[lo.length], h = new double[hi.length];
        for (int k = 0; k < l.length; k++) {
            if (Double.isInfinite(lo[k]) || Double.isInfinite(hi[k])) {
                l[k] = lo[k];
                h[k] = hi[k];
                continue;
            }
            double mid = lo[k] * 0.5 + hi[k] * 0.5, rad = (hi[k] * 0.5 - lo[k] * 0.5) * factor;
            l[k] = Math.nextDown(mid - rad);
            h[k] = Math.nextUp(mid + rad);
            if (factor <= 1) { // a shrink stays inside the box it shrinks
                l[k] = Math.min(Math.max(l[k], lo[k]), mid);
                h[k] = Math.max(Math.min(h[k], hi[k]), l[k]);
            }
        }
        return new Interval(rows, cols, l, h, nan);
    }

    /** Each element's interval widened by {@code radius} on both sides (rounded outward). */
    public Interval widened(double radius) {
        if (!(radius >= 0)) throw new IllegalArgumentException("Interval.widened: radius " + radius);
        if (radius == 0) return this;
        double[] l = new double[lo.length], h = new double[hi.length];
        for (int k = 0; k < l.length; k++) {
            l[k] = Math.nextDown(lo[k] - radius);
            h[k] = Math.nextUp(hi[k] + radius);
        }
        return new Interval(rows, cols, l, h, nan);
    }

    /** The midpoints of the elements' intervals (an infinite end gives the finite one, or 0). */
    public DMatrixRMaj midpoint() {
        DMatrixRMaj m = new DMatrixRMaj(rows, cols);
        for (int k = 0; k < lo.length; k++) {
            double l = lo[k], h = hi[k];
            if (Double.isInfinite(l) && Double.isInfinite(h)) m.data[k] = 0;
            else if (Double.isInfinite(l)) m.data[k] = h;
            else if (Double.isInfinite(h)) m.data[k] = l;
            else m.data[k] = l * 0.5 + h * 0.5;
        }
        return m;
    }

    /** The smallest box holding both this and {@code o} (shaped alike). */
    public Interval hull(Interval o) {
        requireShape("hull", o);
        double[] l = new double[lo.length], h = new double[hi.length];
        for (int k = 0; k < l.length; k++) {
            l[k] = Math.min(lo[k], o.lo[k]);
            h[k] = Math.max(hi[k], o.hi[k]);
        }
        return new Interval(rows, cols, l, h, nan || o.nan);
    }

    private void requireShape(String what, Interval o) {
        if (o.rows != rows || o.cols != cols) {
            throw new IllegalArgumentException("Interval." + what + ": " + shape() + " and " + o.shape());
        }
    }

    /** Element k as text, e.g. {@code [-1.0, 2.5]}. */
    public String toString(int k) {
        return "[" + lo[k] + ", " + hi[k] + "]";
    }

    /** The hull of all elements, the shape and NaN, e.g. {@code 4x3 in [-1.0, 2.5]}. */
    @Override
    public String toString() {
        return shape() + " in [" + min() + ", " + max() + "]" + (nan ? " or NaN" : "");
    }
}
