package io.finitegrad.autodiff.op;

import io.finitegrad.core.Interval;
import io.finitegrad.core.Precision;
import org.ejml.data.DMatrixRMaj;

/**
 * One differentiable operation: the unit that owns its forward, its vector-Jacobian product and
 * its diagnosis. Built-in ops implement this interface exactly as user code does, and the graph,
 * the finiteness guard and {@code GradCheck} treat both alike: apply one with
 * {@code Var.apply(op, inputs...)}. This package is the extension point: it depends on nothing
 * else in finitegrad autodiff, and the built-in ops ({@code io.finitegrad.autodiff.ops}) use only it.
 *
 * <pre>{@code
 * Op cube = new Op() {
 *     public String name() { return "cube"; }
 *     public DMatrixRMaj forward(DMatrixRMaj[] x) { ... y = x^3 ... }
 *     public DMatrixRMaj vjp(int i, DMatrixRMaj[] x, DMatrixRMaj y, DMatrixRMaj g) { ... g * 3x^2 ... }
 * };
 * Var y = Var.apply(cube, x);
 * }</pre>
 *
 * <p>An op may keep state computed in {@code forward} (a dropout mask, say) in its own fields: use
 * a new instance per node in that case.
 */
public interface Op {
    /** Short name shown in reports and node labels, e.g. {@code "log"}. */
    String name();

    /**
     * Computes the output from the operand values. Must not modify the operands, and must return a
     * new matrix that it does not keep writing to.
     *
     * @throws ShapeException when the operand shapes do not fit; {@code Var.apply} adds the
     *     operands' labels and shapes to the message
     */
    DMatrixRMaj forward(DMatrixRMaj[] x);

    /**
     * Vector-Jacobian product: the gradient of the loss with respect to operand {@code i}, shaped like
     * {@code x[i]}, given the operands {@code x}, this op's output {@code y} and the gradient
     * {@code g} of the loss with respect to {@code y}. Must return a new matrix, which the engine
     * takes ownership of.
     */
    DMatrixRMaj vjp(int i, DMatrixRMaj[] x, DMatrixRMaj y, DMatrixRMaj g);

    /**
     * {@link #vjp} written into {@code out}, a scratch matrix shaped like {@code x[i]} whose
     * contents are undefined on entry: the engine asks this for the gradient to a parameter, which
     * it adds into the parameter's own gradient at once, so a step allocates nothing for it. An op
     * that overrides this writes every element of {@code out} and returns it; the default returns
     * {@link #vjp}'s new matrix, which is always correct.
     */
    default DMatrixRMaj vjpInto(int i, DMatrixRMaj[] x, DMatrixRMaj y, DMatrixRMaj g, DMatrixRMaj out) {
        return vjp(i, x, y, g);
    }

    /**
     * Why the output (forward) or the gradient to an operand (backward) is non-finite at the element
     * the guard found. Operands are usually finite; they may hold values the guard allowed (a -Inf
     * mask) or never saw (made under {@code Mode.OFF}). The default reads the numbers only: a NaN
     * or Inf already in an operand is {@link Cause#NON_FINITE_INPUT} ({@link Diagnosis#operandHeld}),
     * an infinity from finite operands {@link Cause#OVERFLOW}, a NaN {@link Cause#UNDEFINED}.
     */
    default Diagnosis diagnose(Fault f) {
        return Diagnosis.generic(f);
    }

    /**
     * Range transfer of the forward: a box holding every output this op can compute (in double,
     * before the engine rounds it to {@code p}) for operands anywhere in the boxes {@code x}, and the
     * causes by which it may be non-finite from finite operands, named as {@link #diagnose} names
     * them in format {@code p}. It must be sound: a result outside the box, or a non-finite one from
     * a cause not listed, is a false certificate. Widen for the rounding of the computation
     * (one ulp per correctly rounded operation, the JDK's documented error for {@code Math.exp},
     * {@code log}, {@code tanh}..., an a-priori bound for sums whose order the kernel picks). The
     * default is {@link Range#unknown()}: the analysis then names this op as the one it could not
     * see through, and a custom op stays valid without one.
     */
    default Range forwardRange(Interval[] x, Precision p) {
        return Range.unknown();
    }

    /**
     * Range transfer of {@link #vjp}: a box holding every gradient to operand {@code i} for
     * operands in {@code x}, an output in {@code y} and an upstream gradient in {@code g}, and the
     * causes by which it may be non-finite when those are finite. Sound, as {@link #forwardRange}.
     * The default is {@link Range#unknown()}.
     */
    default Range vjpRange(int i, Interval[] x, Interval y, Interval g, Precision p) {
        return Range.unknown();
    }

    /**
     * True if output element (r, c) depends only on the operands' elements at (r, c), with size-1
     * dimensions broadcast; reports then show each operand's value at the offending element.
     */
    default boolean elementwise() {
        return false;
    }

    /**
     * True if the output is always a value of the operands' format when the operands are (a sign
     * change, a selection, a copy: {@code neg}, {@code abs}, {@code relu}, slicing, {@code where},
     * transposes): under {@code Precision.emulate} the engine then skips rounding this op's output
     * and gradients. False by default, which is always safe: rounding a value already in the format
     * changes nothing, it only costs a pass.
     */
    default boolean exact() {
        return false;
    }

    /**
     * True if finite operands always give a finite output, and a finite upstream gradient always
     * gives finite gradients to the operands (a sign change, a selection or a copy: {@code neg},
     * {@code abs}, {@code relu}, slices, concatenation, transposes): the guard then skips scanning
     * what it can prove finite from what it already checked. False by default, which is always
     * safe; an op that claims it wrongly hides the NaN/Inf it makes.
     */
    default boolean finiteFromFinite() {
        return false;
    }

    /** The infix symbol used in shape errors, e.g. {@code "@"} for matmul; a comma by default. */
    default String symbol() {
        return ",";
    }
}
