package io.finitegrad.bench;

import io.finitegrad.core.Gemm;

/** Prints {@code Gemm.describe()}, the matrix multiply in force, for {@code bench/run}'s machine record. */
public final class GemmInfo {
    private GemmInfo() {
    }

    /** Prints one line; takes no arguments and throws nothing of its own. */
    public static void main(String[] args) {
        System.out.println(Gemm.describe());
    }
}
