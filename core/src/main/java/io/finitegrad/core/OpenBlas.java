package io.finitegrad.core;

import org.bytedeco.openblas.global.openblas_nolapack;
import org.ejml.data.DMatrixRMaj;

/**
 * OpenBLAS's {@code cblas_dgemm} on EJML's row-major {@code double[]} storage, loaded once; when
 * the natives cannot load (another platform, a locked-down temp directory) {@link #available()}
 * is false and {@link #unavailableReason()} says why, and {@link Gemm} stays in Java.
 */
final class OpenBlas {
    /** Products with fewer multiply-adds ({@code m n k}) stay in Java: the native call costs more. */
    static final long MIN_MULADDS = 4096;

    private static final String PROBLEM = load();

    private OpenBlas() {
    }

    private static String load() {
        try {
            org.bytedeco.javacpp.Loader.load(openblas_nolapack.class);
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

    static String describe() {
        String coretype = System.getenv("OPENBLAS_CORETYPE");
        return "OpenBLAS " + openblas_nolapack.OPENBLAS_VERSION.trim() + " (" + openblas_nolapack.OPENBLAS_CHAR_CORENAME
                + ", OPENBLAS_CORETYPE " + (coretype == null ? "unset" : coretype) + ")";
    }

    static void gemm(boolean transA, boolean transB, DMatrixRMaj a, DMatrixRMaj b, DMatrixRMaj c) {
        int m = c.numRows, n = c.numCols, k = transA ? a.numRows : a.numCols;
        openblas_nolapack.cblas_dgemm(openblas_nolapack.CblasRowMajor,
                transA ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans,
                transB ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans,
                m, n, k, 1.0, a.data, a.numCols, b.data, b.numCols, 0.0, c.data, n);
    }
}
