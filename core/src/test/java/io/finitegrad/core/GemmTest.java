package io.finitegrad.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

import java.util.Random;
import org.bytedeco.openblas.global.openblas_full;
import org.ejml.EjmlVersion;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/**
 * Gemm agrees with EJML within the rounding a k-term dot product allows, on shapes either side of
 * the size where it switches to OpenBLAS; pinned to Java it gives EJML's bits; its pin scopes
 * nest; its configuration and shape errors name the culprit.
 */
@SuppressWarnings("try") // pin scopes are opened for their effect, never read
class GemmTest {
    /** Which of the three products, on operands laid out for it. */
    enum Variant { MULT, TRANS_A, TRANS_B }

    /** A product c = op(a) op(b) of an m x k by a k x n matrix, operands stored as the variant wants. */
    record Case(Variant variant, int m, int k, int n, long seed) {
        @Override
        public String toString() {
            return variant + " " + m + "x" + k + "x" + n + " seed " + seed;
        }
    }

    /** Each side 1..40, so m n k runs from 1 to 64000, across OpenBlas.MIN_MULADDS and below the threaded size. */
    private static final Gen<Case> CASES = in -> new Case(
            Variant.values()[integers().between(0, 2).generate(in)],
            integers().between(1, 40).generate(in), integers().between(1, 40).generate(in),
            integers().between(1, 40).generate(in), integers().all().generate(in));

    private static DMatrixRMaj random(int rows, int cols, Random rng) {
        DMatrixRMaj x = new DMatrixRMaj(rows, cols);
        for (int i = 0; i < x.data.length; i++) x.data[i] = rng.nextGaussian() * Math.exp(rng.nextGaussian());
        return x;
    }

    private static DMatrixRMaj[] operands(Case c) {
        Random rng = new Random(c.seed());
        DMatrixRMaj a = c.variant() == Variant.TRANS_A ? random(c.k(), c.m(), rng) : random(c.m(), c.k(), rng);
        DMatrixRMaj b = c.variant() == Variant.TRANS_B ? random(c.n(), c.k(), rng) : random(c.k(), c.n(), rng);
        return new DMatrixRMaj[] {a, b};
    }

    private static DMatrixRMaj gemm(Case c, DMatrixRMaj a, DMatrixRMaj b) {
        DMatrixRMaj out = new DMatrixRMaj(1, 1); // reshaped by the product
        switch (c.variant()) {
            case MULT: Gemm.mult(a, b, out); break;
            case TRANS_A: Gemm.multTransA(a, b, out); break;
            default: Gemm.multTransB(a, b, out);
        }
        return out;
    }

    private static DMatrixRMaj ejml(Case c, DMatrixRMaj a, DMatrixRMaj b) {
        DMatrixRMaj out = new DMatrixRMaj(c.m(), c.n());
        switch (c.variant()) {
            case MULT: CommonOps_DDRM.mult(a, b, out); break;
            case TRANS_A: CommonOps_DDRM.multTransA(a, b, out); break;
            default: CommonOps_DDRM.multTransB(a, b, out);
        }
        return out;
    }

    /** sum_k |a_ik b_kj| for every element: what the rounding of either summation order is bounded by. */
    private static DMatrixRMaj magnitudes(Case c, DMatrixRMaj a, DMatrixRMaj b) {
        DMatrixRMaj absA = a.copy(), absB = b.copy();
        CommonOps_DDRM.abs(absA);
        CommonOps_DDRM.abs(absB);
        return ejml(c, absA, absB);
    }

    @Test
    void openBlasAgreesWithEjmlWithinTheDotProductBoundAcrossTheThreshold() throws Exception {
        assumeTrue(Gemm.nativeAvailable(), "OpenBLAS did not load");
        int[] native_ = {0};
        try (Gemm.Pin pin = Gemm.use(Gemm.Kernel.OPENBLAS)) {
            qt().withExamples(300).withFixedSeed(20261207L).forAll(CASES).checkAssert(c -> {
                DMatrixRMaj[] ab = operands(c);
                DMatrixRMaj got = gemm(c, ab[0], ab[1]), want = ejml(c, ab[0], ab[1]), mag = magnitudes(c, ab[0], ab[1]);
                assertEquals(c.m(), got.numRows, c + ": rows");
                assertEquals(c.n(), got.numCols, c + ": cols");
                // each order of a k-term sum is within k eps of sum |a b| from the exact value: twice that between two orders
                double bound = 2.0 * c.k() * Math.ulp(1.0);
                for (int i = 0; i < got.data.length; i++) {
                    double err = Math.abs(got.data[i] - want.data[i]);
                    assertTrue(err <= bound * mag.data[i], c + ": element " + i + " " + got.data[i] + " vs EJML "
                            + want.data[i] + ", off by " + err + " > " + bound * mag.data[i]);
                }
                if ((long) c.m() * c.n() * c.k() >= OpenBlas.MIN_MULADDS) native_[0]++;
            });
        }
        assertTrue(native_[0] >= 50, "only " + native_[0] + " of 300 shapes reached OpenBLAS");
    }

    @Test
    void pinnedToJavaEveryProductHasEjmlsExactBits() throws Exception {
        try (Gemm.Pin pin = Gemm.use(Gemm.Kernel.JAVA)) {
            for (Variant v : Variant.values()) {
                for (int side : new int[] {3, 64, 130}) {
                    Case c = new Case(v, side, side + 1, side + 2, side);
                    DMatrixRMaj[] ab = operands(c);
                    assertArrayEquals(ejml(c, ab[0], ab[1]).data, gemm(c, ab[0], ab[1]).data, c.toString());
                }
            }
        }
    }

    @Test
    void theThreadCountIsSetOnceAndNoProductChangesIt() throws Exception {
        assumeTrue(Gemm.nativeAvailable(), "OpenBLAS did not load");
        try (Gemm.Pin pin = Gemm.use(Gemm.Kernel.OPENBLAS)) {
            // switching the count between products cost a 784-256-256-10 step 40%: sizes must not switch it
            for (int side : new int[] {300, 20, 256, 12}) {
                Case c = new Case(Variant.MULT, side, side, side, side);
                DMatrixRMaj[] ab = operands(c);
                gemm(c, ab[0], ab[1]);
                assertEquals(OpenBlas.THREADS, OpenBlas.threadsSet(), "after a " + side + "^3 product");
                assertEquals(OpenBlas.THREADS, openblas_full.openblas_get_num_threads(), "after a " + side + "^3 product");
            }
        }
    }

    @Test
    void theThreadCountDoesNotChangeTheBits() throws Exception {
        assumeTrue(Gemm.nativeAvailable(), "OpenBLAS did not load");
        Case big = new Case(Variant.MULT, 256, 256, 256, 3);
        DMatrixRMaj[] ab = operands(big);
        DMatrixRMaj threaded, single;
        try (Gemm.Pin pin = Gemm.use(Gemm.Kernel.OPENBLAS)) {
            OpenBlas.threads(2);
            threaded = gemm(big, ab[0], ab[1]);
            OpenBlas.threads(1);
            single = gemm(big, ab[0], ab[1]);
        } finally {
            OpenBlas.threads(OpenBlas.THREADS);
        }
        assertArrayEquals(single.data, threaded.data, "OpenBLAS splits the output between threads, not the sums");
    }

    @Test
    void shapeErrorsNameTheProductAndBothShapes() {
        DMatrixRMaj a = new DMatrixRMaj(2, 3), b = new DMatrixRMaj(4, 5), c = new DMatrixRMaj(1, 1);
        String m = assertThrows(IllegalArgumentException.class, () -> Gemm.mult(a, b, c)).getMessage();
        assertTrue(m.contains("mult: 2x3 and 4x5"), m);
        m = assertThrows(IllegalArgumentException.class, () -> Gemm.multTransA(a, b, c)).getMessage();
        assertTrue(m.contains("multTransA: 2x3 and 4x5"), m);
        m = assertThrows(IllegalArgumentException.class, () -> Gemm.multTransB(a, b, c)).getMessage();
        assertTrue(m.contains("multTransB: 2x3 and 4x5"), m);
    }

    @Test
    void nestedScopesRestoreTheKernelBeforeThemOnClose() throws Exception {
        assumeTrue(Gemm.nativeAvailable(), "OpenBLAS did not load");
        Gemm.Kernel outside = Gemm.kernel();
        try (Gemm.Pin outer = Gemm.use(Gemm.Kernel.JAVA)) {
            assertEquals(Gemm.Kernel.JAVA, Gemm.kernel());
            try (Gemm.Pin inner = Gemm.use(Gemm.Kernel.OPENBLAS)) {
                assertEquals(Gemm.Kernel.OPENBLAS, Gemm.kernel());
                try (Gemm.Pin innermost = Gemm.use(Gemm.Kernel.JAVA)) {
                    assertEquals(Gemm.Kernel.JAVA, Gemm.kernel());
                }
                assertEquals(Gemm.Kernel.OPENBLAS, Gemm.kernel());
            }
            assertEquals(Gemm.Kernel.JAVA, Gemm.kernel());
        }
        assertEquals(outside, Gemm.kernel());
    }

    @Test
    void aPinHoldsOnlyOnItsOwnThread() throws Exception {
        Gemm.Kernel outside = Gemm.kernel();
        Gemm.Kernel[] seen = new Gemm.Kernel[1];
        try (Gemm.Pin pin = Gemm.use(outside == Gemm.Kernel.JAVA && Gemm.nativeAvailable()
                ? Gemm.Kernel.OPENBLAS : Gemm.Kernel.JAVA)) {
            Thread t = new Thread(() -> seen[0] = Gemm.kernel());
            t.start();
            t.join();
        }
        assertEquals(outside, seen[0]);
    }

    @Test
    void parseReadsTheThreeValuesInAnyCase() {
        assertEquals(Gemm.Kernel.JAVA, Gemm.parse(" Java "));
        assertEquals(Gemm.nativeAvailable() ? Gemm.Kernel.OPENBLAS : Gemm.Kernel.JAVA, Gemm.parse("AUTO"));
        if (Gemm.nativeAvailable()) assertEquals(Gemm.Kernel.OPENBLAS, Gemm.parse("openblas"));
    }

    @Test
    void parseRejectsAnUnknownValueNamingThePropertyAndTheValue() {
        String m = assertThrows(IllegalArgumentException.class, () -> Gemm.parse("mkl")).getMessage();
        assertTrue(m.contains("finitegrad.gemm") && m.contains("FINITEGRAD_GEMM") && m.contains("'mkl'"), m);
        assertTrue(m.contains("java, openblas or auto"), m);
        m = assertThrows(IllegalArgumentException.class, () -> Gemm.parse("")).getMessage();
        assertTrue(m.contains("''"), m);
    }

    @Test
    void describeNamesTheKernelInForceAndItsVersions() throws Exception {
        try (Gemm.Pin pin = Gemm.use(Gemm.Kernel.JAVA)) {
            String d = Gemm.describe();
            assertTrue(d.startsWith("java: EJML " + EjmlVersion.VERSION + " (pure Java)"), d);
        }
        assumeTrue(Gemm.nativeAvailable(), "OpenBLAS did not load");
        try (Gemm.Pin pin = Gemm.use(Gemm.Kernel.OPENBLAS)) {
            String d = Gemm.describe();
            String coretype = System.getenv("OPENBLAS_CORETYPE");
            assertTrue(d.startsWith("openblas: OpenBLAS 0."), d);
            assertTrue(d.contains("core " + openblas_full.openblas_get_corename().getString()), d);
            assertTrue(d.contains(coretype == null ? "OPENBLAS_CORETYPE unset" : "OPENBLAS_CORETYPE=" + coretype), d);
            assertTrue(d.contains(OpenBlas.THREADS + (OpenBlas.THREADS == 1 ? " thread" : " threads") + ", set once"), d);
            assertTrue(d.endsWith("EJML " + EjmlVersion.VERSION + " below " + OpenBlas.MIN_MULADDS + " multiply-adds"), d);
        }
    }
}
