package io.finitegrad.autodiff.op;

/**
 * Operand shapes that an op cannot combine. Ops throw it with the bare reason; {@code Var.apply}
 * rethrows it with the op, both labels and both shapes, e.g.
 * {@code matmul #12 matmul (3x4) @ w1 (5x2): inner dimensions differ}.
 */
public class ShapeException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public ShapeException(String message) {
        super(message);
    }
}
