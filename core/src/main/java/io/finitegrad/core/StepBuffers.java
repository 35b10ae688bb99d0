package io.finitegrad.core;

import java.util.Arrays;
import org.ejml.data.DMatrixRMaj;

/**
 * Recycled result buffers for a training loop that owns its graphs: while a scope is open on a
 * thread, {@link #zeros} hands out the matrices of the previous step again, in the order they
 * were asked for, instead of allocating new ones. A step builds the same graph each time, so from
 * the second step on the ops' results and gradients reuse the first step's storage.
 *
 * <p>The owner promises what makes this safe: the values and gradients of one step's graph stay
 * readable until it calls {@link #nextStep()}, after which they are overwritten; nothing from a
 * step may be kept past that (a parameter's gradient, a detached value and a report copy what they
 * keep). {@link #abandon()} gives up the buffers handed out so far, which then belong to their
 * nodes for good: for a step that ended in an incident, whose report may read them later.
 * Without an open scope {@link #zeros} allocates, so code that never opens one sees no change.
 *
 * <p>{@link #scratch} is {@link #zeros} without the zeroing, for a result its caller writes in
 * full (an elementwise op, a matrix product): zero-filling a buffer about to be overwritten was a
 * tenth of a step's Java time in config B of the benchmarks. Whether every caller keeps that promise
 * is what {@link #poisonScratch()} is for: recycled scratch then comes back full of NaN, which an
 * element left unwritten carries into the result.
 *
 * @throws IllegalStateException from {@link #recycle()} when this thread already has a scope open
 */
public final class StepBuffers implements AutoCloseable {
    private static final ThreadLocal<StepBuffers[]> OPEN = ThreadLocal.withInitial(() -> new StepBuffers[1]);

    private StepBuffers[] slot;
    private DMatrixRMaj[] tape = new DMatrixRMaj[64];
    /** Buffers handed out in this step; the next request takes {@code tape[cursor]} if it fits. */
    private int cursor;
    private long reused;
    private long allocated;
    private boolean poison;

    /** A set of buffers not yet in use: {@link #open()} starts recycling them. */
    public StepBuffers() {
    }

    /**
     * Opens recycling on this thread with a new set of buffers until {@link #close()}.
     *
     * @throws IllegalStateException if a scope is already open on this thread (one owner at a time)
     */
    public static StepBuffers recycle() {
        return new StepBuffers().open();
    }

    /**
     * Recycles these buffers on this thread until {@link #close()}, starting a new step: an owner
     * that reopens them (a Trainer at each fit) reuses the buffers of its last step.
     *
     * @throws IllegalStateException if a scope is already open on this thread (one owner at a time)
     */
    public StepBuffers open() {
        StepBuffers[] s = OPEN.get();
        if (s[0] != null) throw new IllegalStateException("StepBuffers.recycle: this thread already recycles buffers");
        s[0] = this;
        slot = s;
        cursor = 0;
        return this;
    }

    /** True if a scope is open on this thread: results handed out now are recycled at the next step. */
    public static boolean active() {
        return OPEN.get()[0] != null;
    }

    /**
     * A zeroed {@code rows x cols} matrix: the previous step's buffer at this position when a
     * scope is open and it is large enough, else a new one.
     */
    public static DMatrixRMaj zeros(int rows, int cols) {
        StepBuffers b = OPEN.get()[0];
        return b == null ? new DMatrixRMaj(rows, cols) : b.take(rows, cols, true);
    }

    /**
     * A {@code rows x cols} matrix whose contents are undefined, for a caller that writes every
     * element before anything reads it: as {@link #zeros}, but a recycled buffer keeps what it held
     * (NaN under {@link #poisonScratch()}). A new one is zeroed, as Java allocates it.
     */
    public static DMatrixRMaj scratch(int rows, int cols) {
        StepBuffers b = OPEN.get()[0];
        return b == null ? new DMatrixRMaj(rows, cols) : b.take(rows, cols, false);
    }

    /**
     * Fills every recycled {@link #scratch} buffer with NaN before handing it out, so a caller that
     * leaves an element unwritten shows it as a NaN instead of last step's value: for tests of ops
     * (slower; never on in a training loop). Returns this.
     */
    public StepBuffers poisonScratch() {
        poison = true;
        return this;
    }

    private DMatrixRMaj take(int rows, int cols, boolean zero) {
        int n = rows * cols;
        if (cursor == tape.length) tape = Arrays.copyOf(tape, cursor * 2);
        DMatrixRMaj m = tape[cursor];
        if (m != null && m.data.length >= n) {
            m.reshape(rows, cols, false);
            if (zero) Arrays.fill(m.data, 0, n, 0.0);
            else if (poison) Arrays.fill(m.data, 0, n, Double.NaN);
            reused++;
        } else {
            m = new DMatrixRMaj(rows, cols);
            tape[cursor] = m;
            allocated++;
        }
        cursor++;
        return m;
    }

    /** Starts a new step: the buffers of the last one are handed out again, so its values are overwritten from now. */
    public void nextStep() {
        cursor = 0;
    }

    /** Gives up every buffer handed out so far (they stay with their nodes) and starts a new step. */
    public void abandon() {
        Arrays.fill(tape, null);
        cursor = 0;
    }

    /** Requests served from a recycled buffer since the scope opened. */
    public long reused() {
        return reused;
    }

    /** Requests that needed a new buffer since the scope opened. */
    public long allocated() {
        return allocated;
    }

    /**
     * Ends recycling on this thread and throws nothing; the buffers are kept for the next
     * {@link #open()}, so an owner that reopens them must hold none of the last step's values.
     */
    @Override
    public void close() {
        if (slot != null && slot[0] == this) slot[0] = null;
    }
}
