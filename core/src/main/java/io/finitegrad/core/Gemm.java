package io.finitegrad.core;

import java.util.Locale;
import org.ejml.EjmlVersion;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;

/**
 * The matrix multiply every product in finitegrad goes through, named as EJML's
 * {@code CommonOps_DDRM}: {@link #mult}, {@link #multTransA}, {@link #multTransB}. Storage stays
 * EJML's {@link DMatrixRMaj}; the kernel is picked per product: small products stay in Java
 * (EJML), where a native call costs more than it saves, and larger ones go to OpenBLAS when its
 * natives load on this platform, on one thread, or on two for the largest (OpenBLAS's thread
 * count is process-global: it is set only when the next product needs another).
 *
 * <p>Which kernel large products use is decided, in order, by an open {@link #use} scope on this
 * thread, the system property {@code finitegrad.gemm} or the environment variable
 * {@code FINITEGRAD_GEMM} ({@code java}, {@code openblas} or {@code auto}, the default: OpenBLAS
 * when it loads, else Java). Results differ between kernels in the last bits (and OpenBLAS picks
 * its kernels per CPU), so "same seed, same bytes" holds per kernel and host.
 *
 * @throws IllegalArgumentException from the products when the shapes do not fit, naming the product and both shapes
 */
public final class Gemm {
    /** A matrix-multiply implementation. */
    public enum Kernel {
        /** EJML's single-threaded Java kernel: the same bits on every JVM. */
        JAVA,
        /** OpenBLAS through JavaCPP: near the machine's limit, bits per CPU. */
        OPENBLAS
    }

    /** The system property choosing the kernel. */
    static final String PROPERTY = "finitegrad.gemm";
    /** The environment variable choosing the kernel when the property is not set. */
    static final String ENV = "FINITEGRAD_GEMM";
    private static final ThreadLocal<Kernel[]> PINNED = ThreadLocal.withInitial(() -> new Kernel[1]);

    /** The configured kernel, read (and OpenBLAS loaded) at the first large product, not at startup. */
    private static final class Default {
        /** The kernel, or null when the setting is bad: then every call says why, not just the first. */
        static final Kernel KERNEL;
        static final RuntimeException BAD;

        static {
            Kernel k = null;
            RuntimeException bad = null;
            try {
                k = configured();
            } catch (IllegalArgumentException | IllegalStateException e) {
                bad = e;
            }
            KERNEL = k;
            BAD = bad;
        }
    }

    /** An open {@link #use} scope; closing it restores the kernel pinned before, and throws nothing. */
    public static final class Pin implements AutoCloseable {
        private final Kernel[] slot;
        private final Kernel previous;

        private Pin(Kernel[] slot, Kernel previous) {
            this.slot = slot;
            this.previous = previous;
        }

        @Override
        public void close() {
            slot[0] = previous;
        }
    }

    private Gemm() {
    }

    /** {@code c = a b}. */
    public static void mult(DMatrixRMaj a, DMatrixRMaj b, DMatrixRMaj c) {
        if (a.numCols != b.numRows) throw new IllegalArgumentException("mult: " + shapes(a, b) + ": inner dimensions differ");
        c.reshape(a.numRows, b.numCols);
        if (native_(a.numRows, b.numCols, a.numCols)) OpenBlas.gemm(false, false, a, b, c);
        else CommonOps_DDRM.mult(a, b, c);
    }

    /** {@code c = a^T b}. */
    public static void multTransA(DMatrixRMaj a, DMatrixRMaj b, DMatrixRMaj c) {
        if (a.numRows != b.numRows) throw new IllegalArgumentException("multTransA: " + shapes(a, b) + ": row counts differ");
        c.reshape(a.numCols, b.numCols);
        if (native_(a.numCols, b.numCols, a.numRows)) OpenBlas.gemm(true, false, a, b, c);
        else CommonOps_DDRM.multTransA(a, b, c);
    }

    /** {@code c = a b^T}. */
    public static void multTransB(DMatrixRMaj a, DMatrixRMaj b, DMatrixRMaj c) {
        if (a.numCols != b.numCols) throw new IllegalArgumentException("multTransB: " + shapes(a, b) + ": column counts differ");
        c.reshape(a.numRows, b.numRows);
        if (native_(a.numRows, b.numRows, a.numCols)) OpenBlas.gemm(false, true, a, b, c);
        else CommonOps_DDRM.multTransB(a, b, c);
    }

    /**
     * The kernel that large products use on this thread now.
     *
     * @throws IllegalArgumentException if no kernel is pinned and {@code finitegrad.gemm} (or
     *     {@code FINITEGRAD_GEMM}) is none of java, openblas and auto, naming the value
     * @throws IllegalStateException if no kernel is pinned and the setting asks for OpenBLAS, which did not load
     */
    public static Kernel kernel() {
        Kernel k = PINNED.get()[0];
        if (k != null) return k;
        if (Default.BAD instanceof IllegalArgumentException a) throw new IllegalArgumentException(a.getMessage(), a);
        if (Default.BAD != null) throw new IllegalStateException(Default.BAD.getMessage(), Default.BAD);
        return Default.KERNEL;
    }

    /**
     * Pins this thread's kernel for large products until the returned scope closes (tests that pin
     * bits pin {@link Kernel#JAVA}); close restores the previous one and throws nothing.
     *
     * @throws IllegalStateException if {@code k} is OPENBLAS and its natives did not load (the reason is named)
     */
    public static Pin use(Kernel k) {
        if (k == Kernel.OPENBLAS && !OpenBlas.available()) {
            throw new IllegalStateException("Gemm.use(OPENBLAS): " + OpenBlas.unavailableReason());
        }
        Kernel[] slot = PINNED.get();
        Kernel previous = slot[0];
        slot[0] = k;
        return new Pin(slot, previous);
    }

    /** True if OpenBLAS's natives loaded on this platform. */
    public static boolean nativeAvailable() {
        return OpenBlas.available();
    }

    /**
     * One line naming the kernel in force on this thread and its configuration, for
     * {@code --version}, checkpoints and benchmark results: its name ({@code java:} or
     * {@code openblas:}), then, separated by {@code "; "}, OpenBLAS's version, the core it picked at
     * run time, whether {@code OPENBLAS_CORETYPE} was set (and to what), the thread policy, and
     * EJML's version with the size below which it is used; for Java, why OpenBLAS is not in use.
     */
    public static String describe() {
        String ejml = "EJML " + EjmlVersion.VERSION;
        if (kernel() == Kernel.JAVA) {
            return "java: " + ejml + " (pure Java); OpenBLAS "
                    + (OpenBlas.available() ? "loaded, not in use" : "unavailable: " + OpenBlas.unavailableReason());
        }
        return "openblas: " + OpenBlas.describe() + "; " + ejml + " below " + OpenBlas.MIN_MULADDS + " multiply-adds";
    }

    private static boolean native_(int m, int n, int k) {
        return (long) m * n * k >= OpenBlas.MIN_MULADDS && kernel() == Kernel.OPENBLAS;
    }

    private static Kernel configured() {
        return parse(System.getProperty(PROPERTY, System.getenv().getOrDefault(ENV, "auto")));
    }

    /**
     * The kernel a {@code finitegrad.gemm} value (or a command-line flag's) chooses: {@code java},
     * {@code openblas} or {@code auto} (OpenBLAS when it loads, else Java), in any case and with
     * spaces around.
     *
     * @throws IllegalArgumentException naming the property and the value when it is none of these
     * @throws IllegalStateException if it is {@code openblas} and OpenBLAS did not load (the reason is named)
     */
    public static Kernel parse(String value) {
        switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "java": return Kernel.JAVA;
            case "openblas":
                if (!OpenBlas.available()) {
                    throw new IllegalStateException(PROPERTY + "=openblas: " + OpenBlas.unavailableReason());
                }
                return Kernel.OPENBLAS;
            case "auto": return OpenBlas.available() ? Kernel.OPENBLAS : Kernel.JAVA;
            default: throw new IllegalArgumentException(PROPERTY + " (or " + ENV + ") is '" + value
                    + "': use java, openblas or auto");
        }
    }

    private static String shapes(DMatrixRMaj a, DMatrixRMaj b) {
        return a.numRows + "x" + a.numCols + " and " + b.numRows + "x" + b.numCols;
    }
}
