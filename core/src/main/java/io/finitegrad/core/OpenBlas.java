package io.finitegrad.core;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.openblas.global.openblas_full;
import org.bytedeco.openblas.global.openblas_nolapack;
import org.ejml.data.DMatrixRMaj;

/**
 * OpenBLAS's {@code cblas_dgemm} on copies of EJML's row-major storage, loaded once; when
 * the natives cannot load (another platform, a locked-down temp directory) {@link #available()}
 * is false and {@link #unavailableReason()} says why, and {@link Gemm} stays in Java.
 *
 * <p>Thresholds from {@code GemmBench} on a 2-core AMD EPYC (Zen, AVX2), bench/results/gemm.txt:
 * EJML and OpenBLAS on one thread are even at 8x8x8 (512 multiply-adds, ~2 GFLOP/s), OpenBLAS is
 * ahead from 8x8x16 (3.0 against 2.5) and far ahead from 16x16x16 (5.2 against 2.3) up.
 *
 * <p>Threads: one. OpenBLAS's count is process-global, and switching it between products by size
 * costs more than a second thread gains: a 784-256-256-10 training step (config A of
 * {@code MlpStepBench}) took 6.4-7.4 ms forward and 6.1-6.4 ms backward when its products switched
 * between 1 and 2 threads, 2.9-3.3 and 3.3-3.7 with 2 set once, 2.9-3.0 and 3.6 with 1; and with 2
 * set once, OpenBLAS splits the mid-sized products of 64-128-128-10 at batch 32 too (it splits from
 * 65,536 x {@code GEMM_MULTITHREAD_THRESHOLD} multiply-adds), which made that step 1.5x slower than
 * on one thread. Two threads do pay for a lone large product ({@code GemmBench}: 58-69 against 38
 * GFLOP/s from 256^3); {@link #threads} is there for benchmarks that compare counts.
 */
final class OpenBlas {
    /** Products with fewer multiply-adds ({@code m n k}) stay in Java: the native call costs more. */
    static final long MIN_MULADDS = 1024;
    /** The thread count set at load and kept (see the class comment). */
    static final int THREADS = 1;

    private static final String PROBLEM = load();
    /** OpenBLAS's thread count is process-global: the count last set. */
    private static int threadsSet;
    private static String description;

    private OpenBlas() {
    }

    private static String load() {
        try {
            org.bytedeco.javacpp.Loader.load(openblas_nolapack.class);
            threads(THREADS);
            return null;
        } catch (Throwable t) { // UnsatisfiedLinkError, NoClassDefFoundError: any reason means Java
            return t.getClass().getSimpleName() + ": " + t.getMessage();
        }
    }

    static boolean available() {
        return PROBLEM == null;
    }

    static String unavailableReason() {
        return PROBLEM == null ? "none" : PROBLEM;
    }

    /**
     * Sets OpenBLAS's process-global thread count when it differs from the last one set: once at
     * load, and by tests and benchmarks that compare counts. OpenBLAS splits the output, not the
     * sums, so the bits do not depend on the count.
     */
    static synchronized void threads(int n) {
        if (n != threadsSet) {
            org.bytedeco.openblas.presets.openblas_nolapack.blas_set_num_threads(n);
            threadsSet = n;
        }
    }

    /** OpenBLAS's thread count as last set by {@link #threads}. */
    static synchronized int threadsSet() {
        return threadsSet;
    }

    /**
     * The runtime core OpenBLAS picked, its version, the thread policy and {@code OPENBLAS_CORETYPE},
     * computed once: the core name needs the second JNI library, loaded here rather than at start.
     */
    static synchronized String describe() {
        if (description == null) {
            String coretype = System.getenv("OPENBLAS_CORETYPE");
            String core;
            try {
                core = openblas_full.openblas_get_corename().getString();
            } catch (Throwable t) { // the core name is only named: a missing library must not stop a product
                core = "unknown (" + t.getClass().getSimpleName() + ")";
            }
            description = openblas_nolapack.OPENBLAS_VERSION.trim() + ", core " + core + ", OPENBLAS_CORETYPE"
                    + (coretype == null ? " unset" : "=" + coretype) + "; " + THREADS + (THREADS == 1 ? " thread" : " threads")
                    + (THREADS == 1 ? ", set once" : ", set once (small products run on one)");
        }
        return description;
    }

    /**
     * {@code c = op(a) op(b)} through off-heap copies of the operands: JavaCPP hands a
     * {@code double[]} to C by copying all three arrays in and back out, while copying the two
     * operands in and the result out by hand, into buffers kept per thread, measured faster
     * (16x16x32: 13.4 against 10.1 GFLOP/s; 32x64x128: 26.7 against 23.7; 128x784x256: 38.9
     * against 38.0, one thread, this 2-core AMD EPYC).
     */
    static void gemm(boolean transA, boolean transB, DMatrixRMaj a, DMatrixRMaj b, DMatrixRMaj c) {
        int m = c.numRows, n = c.numCols, k = transA ? a.numRows : a.numCols;
        OffHeap h = OFF_HEAP.get();
        int na = a.getNumElements(), nb = b.getNumElements(), nc = m * n;
        DoublePointer pa = h.a = fit(h.a, na), pb = h.b = fit(h.b, nb), pc = h.c = fit(h.c, nc);
        pa.put(a.data, 0, na);
        pb.put(b.data, 0, nb);
        openblas_nolapack.cblas_dgemm(openblas_nolapack.CblasRowMajor,
                transA ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans,
                transB ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans,
                m, n, k, 1.0, pa, a.numCols, pb, b.numCols, 0.0, pc, n);
        pc.get(c.data, 0, nc);
    }

    /** This thread's operand and result buffers, each grown to the largest product it has carried. */
    private static final class OffHeap {
        DoublePointer a, b, c;
    }

    private static final ThreadLocal<OffHeap> OFF_HEAP = ThreadLocal.withInitial(OffHeap::new);

    /** {@code p} if it holds {@code n} doubles, else a new buffer (the old one freed now, not at GC). */
    private static DoublePointer fit(DoublePointer p, long n) {
        if (p != null && p.capacity() >= n) return p;
        if (p != null) p.close();
        return new DoublePointer(Math.max(n, 1));
    }
}
