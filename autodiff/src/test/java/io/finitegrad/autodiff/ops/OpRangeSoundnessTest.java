package io.finitegrad.autodiff.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.longs;

import io.finitegrad.autodiff.FiniteGuard;
import io.finitegrad.autodiff.NanReport;
import io.finitegrad.autodiff.Var;
import io.finitegrad.autodiff.op.Cause;
import io.finitegrad.autodiff.op.Op;
import io.finitegrad.autodiff.op.Phase;
import io.finitegrad.autodiff.op.Range;
import io.finitegrad.core.Emulation;
import io.finitegrad.core.Interval;
import io.finitegrad.core.Precision;
import io.finitegrad.core.Tensor;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every built-in op's range transfer is sound: for random operand boxes (points, boxes touching or
 * holding 0, tiny and huge ends) and random values inside them (ends favoured), the op's real
 * output and every real gradient lie in the boxes its transfers give, in float64 and rounded to
 * each emulated format as the engine rounds them; and when the real guard reports the node, in any
 * format, the transfer admitted a non-finite result with that cause. Examples per op: the
 * {@code qt.examples} property (100 by default, 2,000 under {@code -Pthorough}), each with 4 formats.
 */
class OpRangeSoundnessTest {
    private static final Set<Cause> ZERO = EnumSet.of(Cause.LOG_OF_ZERO, Cause.DIV_BY_ZERO, Cause.ZERO_DIV_ZERO, Cause.ZERO_TIMES_INF);

    record Case(String name, Supplier<Op> op, int[][] shapes) {
    }

    private static final int[][] UNARY = {{2, 3}};
    private static final int[][] BINARY = {{2, 3}, {2, 3}};
    private static final DMatrixRMaj MASK = new DMatrixRMaj(2, 3, true, 1, 0, 1, 0, 0, 1);

    static List<Case> cases() {
        return List.of(
                new Case("neg", Elementwise.Neg::new, UNARY),
                new Case("exp", Elementwise.Exp::new, UNARY),
                new Case("log", Elementwise.Log::new, UNARY),
                new Case("sqrt", Elementwise.Sqrt::new, UNARY),
                new Case("pow(2)", () -> new Elementwise.Pow(2), UNARY),
                new Case("pow(3)", () -> new Elementwise.Pow(3), UNARY),
                new Case("pow(0.5)", () -> new Elementwise.Pow(0.5), UNARY),
                new Case("pow(-1)", () -> new Elementwise.Pow(-1), UNARY),
                new Case("pow(-2)", () -> new Elementwise.Pow(-2), UNARY),
                new Case("pow(1.5)", () -> new Elementwise.Pow(1.5), UNARY),
                new Case("pow(0)", () -> new Elementwise.Pow(0), UNARY),
                new Case("abs", Elementwise.Abs::new, UNARY),
                new Case("sigmoid", Elementwise.Sigmoid::new, UNARY),
                new Case("tanh", Elementwise.Tanh::new, UNARY),
                new Case("relu", Elementwise.Relu::new, UNARY),
                new Case("leakyRelu(0.1)", () -> new Elementwise.LeakyRelu(0.1), UNARY),
                new Case("softplus", Elementwise.Softplus::new, UNARY),
                new Case("clamp(-1, 2)", () -> new Elementwise.Clamp(-1, 2), UNARY),
                new Case("add", Arithmetic.Add::new, BINARY),
                new Case("add broadcast row", Arithmetic.Add::new, new int[][] {{2, 3}, {1, 3}}),
                new Case("sub", Arithmetic.Sub::new, BINARY),
                new Case("sub broadcast column", Arithmetic.Sub::new, new int[][] {{2, 3}, {2, 1}}),
                new Case("mul", Arithmetic.Mul::new, BINARY),
                new Case("mul broadcast", Arithmetic.Mul::new, new int[][] {{2, 3}, {1, 1}}),
                new Case("div", Arithmetic.Div::new, BINARY),
                new Case("div broadcast", Arithmetic.Div::new, new int[][] {{2, 3}, {2, 1}}),
                new Case("matmul", Linear.MatMul::new, new int[][] {{2, 3}, {3, 2}}),
                new Case("transpose", Linear.Transpose::new, UNARY),
                new Case("sum", Reductions.Sum::new, UNARY),
                new Case("mean", Reductions.Mean::new, UNARY),
                new Case("sumRows", Reductions.SumRows::new, UNARY),
                new Case("meanRows", Reductions.MeanRows::new, UNARY),
                new Case("sumCols", Reductions.SumCols::new, UNARY),
                new Case("meanCols", Reductions.MeanCols::new, UNARY),
                new Case("softmax", SoftmaxOps.Softmax::new, UNARY),
                new Case("logSoftmax", SoftmaxOps.LogSoftmax::new, UNARY),
                new Case("logSumExp", SoftmaxOps.LogSumExp::new, UNARY),
                new Case("where", () -> new Select.Where(MASK), BINARY),
                new Case("sliceRows(1, 3)", () -> new Shaping.SliceRows(1, 3), new int[][] {{4, 3}}),
                new Case("sliceCols(0, 2)", () -> new Shaping.SliceCols(0, 2), UNARY),
                new Case("concatRows", Shaping.ConcatRows::new, BINARY),
                new Case("concatCols", Shaping.ConcatCols::new, new int[][] {{2, 3}, {2, 1}}));
    }

    /** A random end scale: zeros, small integers, ordinary and extreme magnitudes. */
    private static double centre(Random rnd) {
        double u = rnd.nextDouble();
        if (u < 0.12) return 0;
        if (u < 0.3) return rnd.nextInt(7) - 3;
        double mag = u < 0.75 ? Math.pow(10, rnd.nextDouble() * 6 - 3) : Math.pow(10, rnd.nextDouble() * 616 - 308);
        return rnd.nextBoolean() ? mag : -mag;
    }

    static Interval box(int rows, int cols, Random rnd) {
        double[] lo = new double[rows * cols], hi = new double[rows * cols];
        int kind = rnd.nextInt(4);
        for (int k = 0; k < lo.length; k++) {
            double c = centre(rnd);
            double w = switch (kind) {
                case 0 -> 0;
                case 1 -> Math.abs(c) * Math.pow(10, -rnd.nextInt(16));
                case 2 -> Math.pow(10, rnd.nextDouble() * 6 - 4);
                default -> rnd.nextBoolean() ? 0 : Math.abs(centre(rnd));
            };
            lo[k] = Math.max(-Double.MAX_VALUE, c - w);
            hi[k] = Math.min(Double.MAX_VALUE, c + w);
        }
        return Interval.taking(rows, cols, lo, hi, false);
    }

    static DMatrixRMaj inside(Interval b, Random rnd) {
        DMatrixRMaj m = new DMatrixRMaj(b.rows(), b.cols());
        for (int k = 0; k < b.size(); k++) {
            double u = rnd.nextDouble(), lo = b.lo(k), hi = b.hi(k);
            m.data[k] = u < 0.3 ? lo : u < 0.6 ? hi : Math.min(hi, Math.max(lo, lo + (hi - lo) * rnd.nextDouble()));
            if (!Double.isFinite(m.data[k])) m.data[k] = lo * 0.5 + hi * 0.5;
        }
        return m;
    }

    private static DMatrixRMaj rounded(DMatrixRMaj m, Precision p) {
        DMatrixRMaj r = m.copy();
        for (int k = 0; k < r.data.length; k++) r.data[k] = p.round(r.data[k]);
        return r;
    }

    private static String show(DMatrixRMaj m) {
        return java.util.Arrays.toString(m.data);
    }

    private static String show(Interval b) {
        StringBuilder sb = new StringBuilder();
        for (int k = 0; k < b.size(); k++) sb.append(b.toString(k)).append(' ');
        return sb.toString() + (b.mayBeNaN() ? "or NaN" : "");
    }

    /** The causes the engine records for a non-finite transfer result: the op's, plus what rounding adds. */
    static Set<Cause> allowed(Range r, Interval rounded, Precision p) {
        EnumSet<Cause> c = r.causes().isEmpty() ? EnumSet.noneOf(Cause.class) : EnumSet.copyOf(r.causes());
        if (!r.known()) c.add(Cause.UNDEFINED);
        if (r.known() && r.value().isFinite() && !c.contains(Cause.EXP_OVERFLOW)) c.add(Cause.OVERFLOW);
        if (c.isEmpty()) c.add(r.value().mayBeNaN() ? Cause.UNDEFINED : Cause.OVERFLOW);
        if (!p.isNative() && c.stream().anyMatch(ZERO::contains)) c.add(Cause.UNDERFLOW_TO_ZERO);
        return c;
    }

    @TestFactory
    Stream<DynamicTest> realValuesAndGradientsLieInTheTransfersBoxes() {
        return cases().stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> {
            AtomicLong checked = new AtomicLong(), reports = new AtomicLong();
            qt().forAll(longs().all()).checkAssert(seed -> {
                for (Precision p : Precision.values()) check(c, p, new Random(seed * 31 + p.ordinal()), checked, reports);
            });
            assertTrue(checked.get() >= 100, c.name() + ": only " + checked.get() + " containment checks were made");
        }));
    }

    @SuppressWarnings("try")
    private static void check(Case c, Precision p, Random rnd, AtomicLong checked, AtomicLong reports) {
        Op op = c.op().get();
        int n = c.shapes().length;
        Interval[] boxes = new Interval[n];
        DMatrixRMaj[] xs = new DMatrixRMaj[n];
        for (int i = 0; i < n; i++) {
            boxes[i] = box(c.shapes()[i][0], c.shapes()[i][1], rnd).rounded(p);
            xs[i] = rounded(inside(boxes[i], rnd), p);
            if (!boxes[i].isFinite()) return; // an end that overflowed the format: the engine stops at the leaf
        }
        Range fr = op.forwardRange(boxes, p);
        assertTrue(fr.known(), c.name() + " has no forward transfer");
        Interval fbox = op.exact() ? fr.value() : fr.value().rounded(p);
        DMatrixRMaj y = op.forward(xs);
        DMatrixRMaj yp = op.exact() ? y : rounded(y, p);
        assertTrue(fr.value().contains(y), () -> c.name() + " forward in double: x = " + show(xs[0])
                + (n > 1 ? " / " + show(xs[1]) : "") + " in " + show(boxes[0]) + (n > 1 ? " / " + show(boxes[1]) : "")
                + " gave " + show(y) + " outside " + show(fr.value()));
        assertTrue(fbox.contains(yp), () -> c.name() + " forward in " + p.label() + ": " + show(yp) + " outside " + show(fbox));
        checked.incrementAndGet();

        // the guard, on the same values in the same format
        Var[] vs = new Var[n];
        Var out;
        List<NanReport> seen;
        DMatrixRMaj g = null;
        Interval gbox = null;
        try (Emulation e = p.isNative() ? null : Precision.emulate(p);
             FiniteGuard.Scope s = FiniteGuard.mode(FiniteGuard.Mode.WARN)) {
            for (int i = 0; i < n; i++) vs[i] = Var.param("x" + i, Tensor.of(xs[i]));
            out = Var.apply(op, vs);
            boolean forwardFinite = s.reports().isEmpty();
            if (forwardFinite) {
                gbox = box(yp.numRows, yp.numCols, rnd).rounded(p);
                if (gbox.isFinite()) {
                    g = rounded(inside(gbox, rnd), p);
                    out.backward(Tensor.of(g));
                }
            }
            seen = s.reports();
        }
        for (NanReport r : seen) {
            reports.incrementAndGet();
            if (r.phase() == Phase.FORWARD && r.entryId() == out.id()) {
                assertTrue(!fbox.isFinite(), c.name() + ": the guard reported " + r.cause() + " but the box is finite: " + fbox);
                Set<Cause> ok = allowed(fr, fbox, p);
                assertTrue(ok.contains(r.cause()), c.name() + " in " + p.label() + ": the guard said " + r.cause()
                        + " (" + r.detail() + "), the transfer admits " + ok);
            }
        }
        if (g == null || !FiniteGuardless.finite(yp)) return;
        for (int i = 0; i < n; i++) {
            DMatrixRMaj gi = op.vjp(i, xs, yp, g);
            Range br = op.vjpRange(i, boxes, fbox.isFinite() ? fbox : fbox.finitePart(), gbox, p);
            assertTrue(br.known(), c.name() + " has no vjp transfer");
            Interval bbox = op.exact() ? br.value() : br.value().rounded(p);
            assertEquals(xs[i].getNumElements(), br.value().size(), c.name() + ": vjp box shape");
            final int operand = i;
            final DMatrixRMaj gg = g;
            final Interval gb = gbox;
            assertTrue(br.value().contains(gi), () -> c.name() + " vjp " + operand + " in double: x = " + show(xs[0])
                    + (n > 1 ? " / " + show(xs[1]) : "") + ", g = " + show(gg) + " in " + show(gb) + " gave " + show(gi)
                    + " outside " + show(br.value()));
            DMatrixRMaj gip = op.exact() ? gi : rounded(gi, p);
            assertTrue(bbox.contains(gip), () -> c.name() + " vjp " + operand + " in " + p.label() + ": " + show(gip)
                    + " outside " + show(bbox));
            checked.incrementAndGet();
            for (NanReport r : seen) {
                if (r.phase() == Phase.BACKWARD && r.entryId() == out.id() && r.operand() == i) {
                    assertTrue(!bbox.isFinite(), c.name() + ": backward report " + r.cause() + " but the box is finite");
                    Set<Cause> ok = allowed(br, bbox, p);
                    assertTrue(ok.contains(r.cause()), c.name() + " vjp " + i + " in " + p.label() + ": the guard said "
                            + r.cause() + " (" + r.detail() + "), the transfer admits " + ok);
                }
            }
        }
    }

    /** Finiteness without the guard's bookkeeping. */
    private static final class FiniteGuardless {
        static boolean finite(DMatrixRMaj m) {
            for (double v : m.data) if (!Double.isFinite(v)) return false;
            return true;
        }
    }

    @Test
    void pointsGiveTightBoxes() {
        Interval x = Interval.full(1, 2, 1, Math.E);
        Range log = new Elementwise.Log().forwardRange(new Interval[] {x}, Precision.FLOAT64);
        assertEquals(0, log.value().lo(0), 1e-15);
        assertEquals(1, log.value().hi(0), 1e-15);
        assertTrue(log.causes().isEmpty(), "log over [1, e] admits nothing");
        Range relu = new Elementwise.Relu().forwardRange(new Interval[] {Interval.scalar(-1, 2)}, Precision.FLOAT64);
        assertEquals(0, relu.value().lo(0));
        assertEquals(2, relu.value().hi(0));
        Range add = new Arithmetic.Add().forwardRange(new Interval[] {Interval.scalar(1, 1), Interval.scalar(2, 2)},
                Precision.FLOAT64);
        assertTrue(add.value().isPoint() && add.value().lo(0) == 3, "1 + 2 is exactly 3: " + add.value());
        Range mm = new Linear.MatMul().forwardRange(new Interval[] {Interval.full(2, 3, 1, 1), Interval.full(3, 2, 2, 2)},
                Precision.FLOAT64);
        assertEquals(6, mm.value().lo(0), 1e-12);
        assertEquals(6, mm.value().hi(0), 1e-12);
    }

    @Test
    void aLogOverMinusOneToOneAdmitsBothCauses() {
        Range r = new Elementwise.Log().forwardRange(new Interval[] {Interval.scalar(-1, 1)}, Precision.FLOAT64);
        assertTrue(r.causes().containsAll(Set.of(Cause.LOG_OF_ZERO, Cause.LOG_OF_NEGATIVE)), r.causes().toString());
        Range d = new Arithmetic.Div().forwardRange(new Interval[] {Interval.scalar(0, 1), Interval.scalar(0, 1)},
                Precision.FLOAT64);
        assertTrue(d.causes().containsAll(Set.of(Cause.DIV_BY_ZERO, Cause.ZERO_DIV_ZERO)), d.causes().toString());
        Range e = new Elementwise.Exp().forwardRange(new Interval[] {Interval.scalar(0, 100)}, Precision.FLOAT16);
        assertTrue(e.causes().contains(Cause.EXP_OVERFLOW), "exp(100) overflows float16: " + e.causes());
    }
}
