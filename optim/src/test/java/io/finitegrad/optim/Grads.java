package io.finitegrad.optim;

import io.finitegrad.autodiff.Var;
import io.finitegrad.core.Tensor;

/** Test helper: gives parameters exact gradients through a real backward pass. */
final class Grads {
    private Grads() {
    }

    /** Sets p's gradient to {@code g} (row-major) via backward of sum(p * g). */
    static void set(Var p, double... g) {
        p.zeroGrad();
        p.mul(Var.constant(Tensor.of(p.rows(), p.cols(), g))).sum().backward();
    }

    static double[] values(Var p) {
        return p.value().toFlatArray();
    }
}
