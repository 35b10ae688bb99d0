package io.finitegrad.bench;

import io.finitegrad.core.Gemm;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.bytedeco.openblas.global.openblas_nolapack;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Matrix multiply {@code C = A B} per kernel, to set {@code OpenBlas.MIN_MULADDS} and the thread
 * policy: EJML ({@code JAVA}), OpenBLAS's {@code cblas_dgemm} on {@code double[]} with its
 * process-global thread count forced to {@code threads} ({@code OPENBLAS}), and {@link Gemm#mult}
 * with its own size and thread policy ({@code GEMM}, to show the policy picks the faster one).
 * {@code threads} applies to OPENBLAS only (the others refuse threads 2), so run it as two commands:
 * {@code GemmBench -p kernel=OPENBLAS} and {@code GemmBench -p kernel=JAVA,GEMM -p threads=1}.
 *
 * <p>GFLOP/s is the secondary metric {@code flops} (2 m n k per product, in ops/s) divided by 1e9.
 * The kernel in force is printed once per trial on standard error as {@code Gemm.describe()}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class GemmBench {
    /** The kernel measured. */
    public enum Kernel {
        /** EJML's {@code CommonOps_DDRM.mult}. */
        JAVA,
        /** {@code cblas_dgemm} on {@code threads} threads. */
        OPENBLAS,
        /** {@link Gemm#mult}, whatever it picks. */
        GEMM
    }

    /** m x k x n: A is m x k, B is k x n. The MLP's products, then squares. */
    @Param({"16x16x32", "32x64x128", "64x64x64", "128x256x10", "128x128x128", "128x784x256", "256x256x256",
            "512x512x512", "1024x1024x1024"})
    public String shape;

    /** The kernel measured. */
    @Param({"JAVA", "OPENBLAS", "GEMM"})
    public Kernel kernel;

    /** OpenBLAS's thread count for OPENBLAS; 1 for the others. */
    @Param({"1", "2"})
    public int threads;

    private DMatrixRMaj a;
    private DMatrixRMaj b;
    private DMatrixRMaj c;
    private long flopsPerProduct;

    /** Floating-point operations done, reported by JMH as a rate beside the product rate. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Flops {
        /** 2 m n k per product. */
        public long flops;

        /** Zeroed per iteration so JMH reports this iteration's rate. */
        @Setup(Level.Iteration)
        public void clear() {
            flops = 0;
        }
    }

    /** Random operands; OPENBLAS's thread count set once here, where the measurement does not see it. */
    @Setup(Level.Trial)
    public void setup() {
        String[] d = shape.split("x");
        int m = Integer.parseInt(d[0]), k = Integer.parseInt(d[1]), n = Integer.parseInt(d[2]);
        Random rng = new Random(7);
        a = new DMatrixRMaj(m, k);
        b = new DMatrixRMaj(k, n);
        c = new DMatrixRMaj(m, n);
        for (int i = 0; i < a.data.length; i++) a.data[i] = rng.nextGaussian();
        for (int i = 0; i < b.data.length; i++) b.data[i] = rng.nextGaussian();
        flopsPerProduct = 2L * m * n * k;
        if (kernel != Kernel.OPENBLAS && threads != 1) {
            throw new IllegalStateException("threads " + threads + " applies to OPENBLAS only: skip with -p threads=1");
        }
        // describe() loads OpenBLAS, which sets its own count: the trial's count is set after it
        System.err.println("GemmBench " + kernel + " " + shape + ": " + Gemm.describe());
        if (kernel == Kernel.OPENBLAS) {
            org.bytedeco.openblas.presets.openblas_nolapack.blas_set_num_threads(threads);
        }
    }

    /** One product. */
    @Benchmark
    public DMatrixRMaj multiply(Flops counter) {
        switch (kernel) {
            case JAVA:
                CommonOps_DDRM.mult(a, b, c);
                break;
            case OPENBLAS:
                openblas_nolapack.cblas_dgemm(openblas_nolapack.CblasRowMajor, openblas_nolapack.CblasNoTrans,
                        openblas_nolapack.CblasNoTrans, a.numRows, b.numCols, a.numCols, 1.0, a.data, a.numCols,
                        b.data, b.numCols, 0.0, c.data, c.numCols);
                break;
            default:
                Gemm.mult(a, b, c);
        }
        counter.flops += flopsPerProduct;
        return c;
    }
}
