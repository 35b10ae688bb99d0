package io.finitegrad.autodiff;

import io.finitegrad.autodiff.op.Op;
import io.finitegrad.autodiff.op.ShapeException;
import io.finitegrad.autodiff.ops.Arithmetic;
import io.finitegrad.autodiff.ops.Elementwise;
import io.finitegrad.autodiff.ops.Linear;
import io.finitegrad.autodiff.ops.Reductions;
import io.finitegrad.autodiff.ops.Select;
import io.finitegrad.autodiff.ops.Shaping;
import io.finitegrad.autodiff.ops.SoftmaxOps;
import io.finitegrad.core.FiniteScan;
import io.finitegrad.core.FiniteStats;
import io.finitegrad.core.Precision;
import io.finitegrad.core.PrecisionState;
import io.finitegrad.core.StepBuffers;
import io.finitegrad.core.Tensor;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.ejml.data.DMatrixRMaj;

/**
 * A node of the reverse-mode graph: a value, the op and parents that made it, and after
 * {@link #backward()} the gradient of the result with respect to it.
 *
 * <p>The whole idea in one place: {@link #apply} runs an op's forward and records the parents;
 * {@link #backward} walks the nodes in reverse topological order and asks each op for its
 * vector-Jacobian product per parent, summing contributions. Every node is checked by the
 * {@link FiniteGuard} when it is created and when its gradients are computed; the guard keeps its
 * marks and reports itself, so a node holds only its value, gradient, op, parents, kind and name.
 *
 * <p>Leaves are {@link #constant}, {@link #input} (data) and {@link #param} (trainable, keeps its
 * gradient until {@link #zeroGrad()}). A leaf's storage is read with {@link #read()} and modified
 * only through {@link #write()}, which counts a version: backward refuses to combine a gradient
 * with values written after the forward pass read them. Graphs belong to the thread that builds them.
 *
 * @throws NonFiniteException from any factory or op when the guard is in THROW mode (the default)
 *     and this node is where a NaN/Inf first appears
 * @throws ShapeException from an op whose operand shapes do not fit
 * @throws IllegalStateException from {@link #backward()} when a leaf was written after a node read it
 */
public final class Var {
    /** What kind of node this is. */
    public enum Kind { CONSTANT, INPUT, PARAM, OP }

    /**
     * Node ids, JVM-wide and increasing: a long, since a training run makes half a million nodes a
     * second and ids double as the write clock of leaves across graphs (an int wraps in an hour).
     */
    private static final AtomicLong IDS = new AtomicLong();
    private static final Var[] NO_PARENTS = new Var[0];

    final DMatrixRMaj value;
    private DMatrixRMaj grad;
    /**
     * True while the backward sweep's finding that the whole {@link #grad} is finite still holds:
     * set by the sweep right after its check, cleared by every path that changes the gradient or
     * hands its storage out for changing (a one-bit version stamp, which fits in the object's
     * padding where a counter would make every node bigger).
     */
    private boolean gradChecked;
    /** True while {@link #grad} holds only the zeros {@link #zeroGrad()} wrote (the sweep then writes into it). */
    private boolean gradZeroed;
    final Var[] parents;
    final Op op;
    final Kind kind;
    final boolean requiresGrad;

    final long id = IDS.incrementAndGet();
    final String scope;
    /** The hints of the scopes this node was made in (innermost first), or null. */
    final Hint.Chain hints;
    /** 0, or n for the (n+1)-th node of this op in one entry of its scope: named {@code scope/op_n}. */
    private final int nameIndex;
    final StackWalker.StackFrame site;
    private String label;
    /** Bumped each time {@link #write()} hands out the live storage; the guard rescans on a change. */
    private int version;
    /**
     * The last node id handed out when {@link #write()} was last called (0 if never): a node with
     * an id at or below it read this leaf before the write. Node ids double as a clock, so nodes
     * record nothing about their operands' versions.
     */
    private long writtenAt;
    /** Backward sweeps that reached this leaf since the last {@link #zeroGrad()}. */
    private int backwardCalls;
    /** Made while the guard was OFF: no site, no check. */
    final boolean unguarded;
    /**
     * A float64 master parameter rounded to an emulated format, as ops read it; valid while this
     * leaf's version and the format are those it was rounded at (see {@link #operand}).
     */
    private DMatrixRMaj rounded;
    private int roundedVersion;
    /**
     * The values this leaf was given, before rounding to the emulated format, kept only when
     * rounding made a non-zero value 0: the underflow trace names such a leaf.
     */
    private DMatrixRMaj entered;
    private Precision roundedFormat;

    private Var(DMatrixRMaj value, Var[] parents, Op op, Kind kind, boolean requiresGrad, GuardState st) {
        this.value = value;
        this.parents = parents;
        this.op = op;
        this.kind = kind;
        this.requiresGrad = requiresGrad;
        this.scope = st.scopePrefix();
        this.unguarded = !st.on();
        this.hints = st.hints();
        this.nameIndex = op != null && st.openScope() != null ? st.openScope().nextIndex(op.name()) : 0;
        // Library code inside its own name scope shares the site the scope recorded. Constants and
        // inputs otherwise skip the walk: their reports are made while the user's frame is live.
        this.site = !st.on() || !st.captureSites() ? null
                : st.scopeSite() != null ? st.scopeSite()
                : kind == Kind.CONSTANT || kind == Kind.INPUT ? null : Site.capture();
    }

    // ---- leaves ------------------------------------------------------------------------------

    /** A constant: no name, no gradient. */
    public static Var constant(Tensor t) {
        return leaf(null, t, null, Kind.CONSTANT, null);
    }

    /** A 1x1 constant. */
    public static Var constant(double v) {
        return constant(Tensor.scalar(v));
    }

    /**
     * A constant whose storage is {@code values} itself rather than a copy: for code that has just
     * computed the values into a matrix of its own and gives it up (a loss scaling its targets, into
     * a {@link StepBuffers} buffer when a training loop recycles them). The caller must neither write
     * nor keep {@code values} afterwards. Under {@link Precision#emulate} it is copied as
     * {@link #constant(Tensor)} does, since the guard keeps the values as given beside the rounded ones.
     *
     * @throws IllegalArgumentException if {@code values} is null or has no elements
     * @throws NonFiniteException in THROW mode if {@code values} holds NaN/Inf
     */
    public static Var constantTaking(DMatrixRMaj values) {
        if (values == null || values.getNumElements() == 0) {
            throw new IllegalArgumentException("Var.constantTaking: values is " + (values == null ? "null"
                    : values.numRows + "x" + values.numCols + ", with no elements"));
        }
        if (GuardState.get().precision().emulating()) return constant(Tensor.of(values));
        return leaf(null, null, values, Kind.CONSTANT, null);
    }

    /** Input data, named (and qualified by the current {@link Names} scope) for reports. */
    public static Var input(String name, Tensor t) {
        return leaf(name, t, null, Kind.INPUT, null);
    }

    /**
     * Input data whose rows came from {@code provenance} (a dataset's rows, a file's lines): a
     * report on a NaN/Inf in it names the source row, file line and feature of the first bad element.
     * The provenance is handed to the guard, not kept by the node.
     *
     * @throws IllegalArgumentException if {@code provenance} is null or describes another number of
     *     rows, or names another number of columns, than {@code t} has
     */
    public static Var input(String name, Tensor t, Provenance provenance) {
        if (provenance == null) throw new IllegalArgumentException("Var.input '" + name + "': provenance is null");
        if (t != null && provenance.size() != t.rows()) {
            throw new IllegalArgumentException("Var.input '" + name + "': the tensor has " + t.rows() + " rows but its provenance describes "
                    + provenance.size() + " rows");
        }
        if (t != null && !provenance.columns().isEmpty() && provenance.columns().size() != t.cols()) {
            throw new IllegalArgumentException("Var.input '" + name + "': the tensor has " + t.cols() + " columns but its provenance has "
                    + provenance.columns().size() + " column names " + provenance.columns());
        }
        return leaf(name, t, null, Kind.INPUT, provenance);
    }

    /** A trainable parameter: requires grad, keeps its gradient across backward calls until zeroed. */
    public static Var param(String name, Tensor t) {
        return leaf(name, t, null, Kind.PARAM, null);
    }

    /** A leaf of {@code t}'s values, or of {@code taken} itself (t null: not emulating, nothing to round). */
    private static Var leaf(String name, Tensor t, DMatrixRMaj taken, Kind kind, Provenance provenance) {
        if (t == null && taken == null) throw new IllegalArgumentException("Var." + kind.name().toLowerCase() + ": tensor is null");
        if (kind != Kind.CONSTANT && (name == null || name.isBlank())) {
            throw new IllegalArgumentException("Var." + kind.name().toLowerCase() + ": a name is required");
        }
        GuardState st = GuardState.get();
        DMatrixRMaj m = taken != null ? taken : t.toMatrix();
        // data and constants enter the graph in the format; a parameter stays a float64 master
        // unless the emulation stores parameters rounded
        PrecisionState ps = st.precision();
        boolean rounds = ps.emulating() && (kind != Kind.PARAM || ps.roundParameters());
        long summary = rounds ? ps.precision().roundAndScan(m) : 0L;
        Var v = new Var(m, NO_PARENTS, null, kind, kind == Kind.PARAM, st);
        if (name != null) v.label = st.scopePrefix().isEmpty() ? name : st.scopePrefix() + "/" + name;
        boolean finite = Precision.allFinite(summary);
        // the values before rounding (t still holds them) are copied only when rounding changed
        // something the guard must explain: a value flushed to 0 (an epsilon of 1e-8 in float16),
        // kept for the underflow trace, or one that overflowed the format, which is not bad data
        DMatrixRMaj given = Precision.flushed(summary) > 0 || !finite ? t.toMatrix() : null;
        if (Precision.flushed(summary) > 0) v.entered = given;
        if (finite) FiniteGuard.checkLeaf(v, st, provenance);
        else FiniteGuard.checkRoundedLeaf(v, st, provenance, given);
        return v;
    }

    // ---- the one way nodes are made ---------------------------------------------------------

    /**
     * Applies {@code op} to {@code inputs}: the entry point for built-in and custom ops alike. Under
     * {@link Precision#emulate} the op computes in double and its output is rounded once to the
     * format, in the same pass as the guard's finiteness scan (an {@linkplain Op#exact() exact} op
     * is not rounded).
     */
    public static Var apply(Op op, Var... inputs) {
        GuardState st = GuardState.get();
        PrecisionState ps = st.precision();
        DMatrixRMaj[] xs = new DMatrixRMaj[inputs.length];
        boolean rg = false;
        for (int i = 0; i < inputs.length; i++) {
            if (inputs[i] == null) throw new IllegalArgumentException(op.name() + ": operand " + i + " is null");
            xs[i] = inputs[i].operand(ps);
            rg |= inputs[i].requiresGrad;
        }
        DMatrixRMaj y;
        try {
            y = op.forward(xs);
        } catch (ShapeException e) {
            throw new ShapeException(describe(op, inputs) + ": " + e.getMessage());
        }
        Precision p = ps.precision();
        boolean finite = p != Precision.FLOAT64 && !op.exact() ? Precision.allFinite(p.roundAndScan(y))
                : !st.on() || FiniteGuard.provenFinite(op, inputs, st) || FiniteScan.allFinite(y);
        Var v = new Var(y, inputs.clone(), op, Kind.OP, rg, st);
        FiniteGuard.checkForward(v, st, finite);
        return v;
    }

    /**
     * The value this leaf was given at (r, c) before rounding to the emulated format, when rounding
     * made some non-zero value of it 0; NaN otherwise (nothing flushed, or not a leaf).
     */
    double enteredAt(int r, int c) {
        return entered == null ? Double.NaN : entered.data[r * entered.numCols + c];
    }

    /**
     * The value ops read: the storage itself, except for a float64 master parameter under
     * emulation, which ops read rounded to the format. The rounded copy is made once per
     * {@link #version()} and format, so a training step rounds each parameter once.
     */
    DMatrixRMaj operand(PrecisionState ps) {
        if (kind != Kind.PARAM || !ps.emulating() || ps.roundParameters()) return value;
        Precision p = ps.precision();
        if (rounded == null || roundedVersion != version || roundedFormat != p) {
            if (rounded == null) rounded = new DMatrixRMaj(value.numRows, value.numCols);
            System.arraycopy(value.data, 0, rounded.data, 0, value.getNumElements());
            p.roundAndScan(rounded);
            roundedVersion = version;
            roundedFormat = p;
        }
        return rounded;
    }

    private static String describe(Op op, Var[] in) {
        StringBuilder sb = new StringBuilder(op.name()).append(' ');
        for (int i = 0; i < in.length; i++) {
            if (i > 0) sb.append(' ').append(op.symbol()).append(' ');
            sb.append(in[i].name()).append(" (").append(in[i].shape()).append(')');
        }
        return sb.toString();
    }

    // ---- backward ----------------------------------------------------------------------------

    /**
     * Backpropagates from this 1x1 node: every node that depends on a parameter gets (adds to) its
     * gradient.
     *
     * @throws IllegalStateException if this node is not 1x1 or depends on no parameter
     * @throws NonFiniteException in THROW mode, at the first gradient that turns non-finite
     */
    public void backward() {
        Backprop.run(this, null);
    }

    /**
     * Backpropagates from this node of any shape, given the gradient of the loss with respect to it
     * (PyTorch's {@code y.backward(gradient)}): the vector in the vector-Jacobian products. With a
     * tensor of ones it gives the gradient of {@code sum()} without forming the sum, which may
     * overflow where every element is finite.
     *
     * @throws IllegalArgumentException if {@code upstream} is null, not shaped like this node, or holds
     *     NaN/Inf (the guard would have nothing to find the entry of)
     * @throws IllegalStateException if this node depends on no parameter
     * @throws NonFiniteException in THROW mode, at the first gradient that turns non-finite
     */
    public void backward(Tensor upstream) {
        if (upstream == null || upstream.rows() != rows() || upstream.cols() != cols()) {
            throw new IllegalArgumentException("backward(upstream): '" + name() + "' is " + shape() + ", upstream is "
                    + (upstream == null ? "null" : upstream.shape()));
        }
        FiniteStats s = upstream.scan();
        if (!s.allFinite()) {
            throw new IllegalArgumentException("backward(upstream): the upstream gradient for '" + name() + "' holds "
                    + upstream.get(s.firstBadRow(), s.firstBadCol()) + " at (" + s.firstBadRow() + ", " + s.firstBadCol() + ")");
        }
        DMatrixRMaj seed = upstream.toMatrix();
        Precision p = Precision.current();
        if (p != Precision.FLOAT64 && !Precision.allFinite(p.roundAndScan(seed))) {
            FiniteStats r = Tensor.of(seed).scan();
            throw new IllegalArgumentException("backward(upstream): the upstream gradient for '" + name() + "' holds "
                    + upstream.get(r.firstBadRow(), r.firstBadCol()) + " at (" + r.firstBadRow() + ", " + r.firstBadCol()
                    + "), beyond " + p.label() + "'s largest finite value " + p.maxFinite() + " (emulated with Precision.emulate)"
                    + ": use a smaller seed (a loss scale of at most 2^15 in float16)");
        }
        Backprop.run(this, seed);
    }

    // ---- arithmetic (broadcasting a row, column or scalar operand) ---------------------------

    public Var add(Var o) { return apply(new Arithmetic.Add(), this, o); }
    public Var sub(Var o) { return apply(new Arithmetic.Sub(), this, o); }
    public Var mul(Var o) { return apply(new Arithmetic.Mul(), this, o); }
    public Var div(Var o) { return apply(new Arithmetic.Div(), this, o); }
    public Var add(double c) { return add(constant(c)); }
    public Var sub(double c) { return sub(constant(c)); }
    public Var mul(double c) { return mul(constant(c)); }
    public Var div(double c) { return div(constant(c)); }
    /** {@code c - this}. */
    public Var rsub(double c) { return constant(c).sub(this); }
    /** {@code c / this}. */
    public Var rdiv(double c) { return constant(c).div(this); }
    public Var neg() { return apply(new Elementwise.Neg(), this); }

    // ---- elementwise functions ----------------------------------------------------------------

    public Var exp() { return apply(new Elementwise.Exp(), this); }
    public Var log() { return apply(new Elementwise.Log(), this); }
    public Var sqrt() { return apply(new Elementwise.Sqrt(), this); }
    public Var pow(double p) { return apply(new Elementwise.Pow(p), this); }
    public Var square() { return pow(2); }
    public Var abs() { return apply(new Elementwise.Abs(), this); }
    /** Branch-stable sigmoid (see {@link NaiveOps#sigmoid} for the textbook one). */
    public Var sigmoid() { return apply(new Elementwise.Sigmoid(), this); }
    public Var tanh() { return apply(new Elementwise.Tanh(), this); }
    public Var relu() { return apply(new Elementwise.Relu(), this); }
    public Var leakyRelu(double slope) { return apply(new Elementwise.LeakyRelu(slope), this); }
    /** Stable {@code log(1 + exp(x))}. */
    public Var softplus() { return apply(new Elementwise.Softplus(), this); }
    /** Elementwise clamp to [lo, hi]; the gradient flows where lo <= x <= hi. */
    public Var clamp(double lo, double hi) { return apply(new Elementwise.Clamp(lo, hi), this); }

    // ---- linear algebra and shapes ------------------------------------------------------------

    public Var matmul(Var o) { return apply(new Linear.MatMul(), this, o); }
    public Var transpose() { return apply(new Linear.Transpose(), this); }
    /** Rows [from, to). */
    public Var sliceRows(int from, int to) { return apply(new Shaping.SliceRows(from, to), this); }
    /** Columns [from, to). */
    public Var sliceCols(int from, int to) { return apply(new Shaping.SliceCols(from, to), this); }
    /** Stacks nodes with equal column counts on top of each other. */
    public static Var concatRows(Var... vs) { return apply(new Shaping.ConcatRows(), vs); }
    /** Joins nodes with equal row counts side by side. */
    public static Var concatCols(Var... vs) { return apply(new Shaping.ConcatCols(), vs); }

    // ---- reductions ---------------------------------------------------------------------------

    /** Sum of all elements (1x1). */
    public Var sum() { return apply(new Reductions.Sum(), this); }
    /** Mean of all elements (1x1). */
    public Var mean() { return apply(new Reductions.Mean(), this); }
    /** Sum of each row: rows x 1 (NumPy {@code sum(axis=1)}). */
    public Var sumRows() { return apply(new Reductions.SumRows(), this); }
    /** Sum of each column: 1 x cols (NumPy {@code sum(axis=0)}). */
    public Var sumCols() { return apply(new Reductions.SumCols(), this); }
    /** Mean of each row: rows x 1. */
    public Var meanRows() { return apply(new Reductions.MeanRows(), this); }
    /** Mean of each column: 1 x cols. */
    public Var meanCols() { return apply(new Reductions.MeanCols(), this); }

    // ---- softmax family (row-wise, stable) -----------------------------------------------------

    public Var softmax() { return apply(new SoftmaxOps.Softmax(), this); }
    public Var logSoftmax() { return apply(new SoftmaxOps.LogSoftmax(), this); }
    /** Row-wise log-sum-exp: rows x 1. */
    public Var logSumExp() { return apply(new SoftmaxOps.LogSumExp(), this); }

    // ---- selection ----------------------------------------------------------------------------

    /** Where {@code mask} is non-zero take this node's value, elsewhere {@code other}'s. */
    public Var where(Tensor mask, Var other) {
        if (mask == null) throw new IllegalArgumentException("where: the mask for '" + name() + "' is null");
        return apply(new Select.Where(mask.toMatrix()), this, other);
    }

    /** Same value, cut from the graph: gradients stop here (truncated BPTT, targets). */
    public Var detach() {
        GuardState st = GuardState.get();
        // a parameter's value changes at the next step, and so does a recycled buffer's
        boolean copy = kind == Kind.PARAM || StepBuffers.active();
        Var v = new Var(copy ? operand(st.precision()).copy() : value, NO_PARENTS, null, Kind.CONSTANT, false, st);
        v.label = name() + "/detached";
        FiniteGuard.detached(this, v, st);
        return v;
    }

    // ---- naming and inspection ----------------------------------------------------------------

    /** Names this node (e.g. {@code "logits"}) and returns it. */
    public Var label(String name) {
        if (name == null || name.isBlank()) throw new IllegalArgumentException("label: name is empty");
        this.label = name;
        return this;
    }

    /**
     * The node's name: its label, else {@code scope/op} ({@code scope/op_1}, ... for the later nodes
     * of the same op in one entry of the scope), else {@code #id op} with its JVM-wide {@link #id()}
     * (as in exception messages). A {@link NanReport} numbers the nodes of that last kind itself
     * instead, {@code #1 op}, {@code #2 op}, ... in the order it lists them, so that its text does
     * not depend on what the JVM built before; its JSON maps those names to the ids.
     */
    public String name() {
        if (label != null) return label;
        String o = opName();
        if (scope.isEmpty()) return "#" + id + " " + o;
        return nameIndex == 0 ? scope + "/" + o : scope + "/" + o + "_" + nameIndex;
    }

    /** True if {@link #name()} is {@code #id op}: no label and no scope, so reports number it. */
    boolean numberedInReports() {
        return label == null && scope.isEmpty();
    }

    /** Op name, or {@code const}/{@code input}/{@code param} for leaves. */
    public String opName() {
        return op != null ? op.name() : kind == Kind.CONSTANT ? "const" : kind == Kind.INPUT ? "input" : "param";
    }

    public Kind kind() { return kind; }
    /** This node's id: unique in the JVM, increasing in creation order; its identity in reports' JSON and DOT. */
    public long id() { return id; }
    public Op op() { return op; }
    public boolean requiresGrad() { return requiresGrad; }
    public int rows() { return value.numRows; }
    public int cols() { return value.numCols; }
    public String shape() { return value.numRows + "x" + value.numCols; }
    public List<Var> parents() { return List.of(parents); }
    Var parent(int i) { return parents[i]; }

    /** Where user code created this node ({@code File.java:42 (Class.method)}). */
    public String site() {
        if (site == null && unguarded) {
            return "not recorded: made while the guard was OFF (Mode.OFF checks nothing and records no sites)";
        }
        if (site == null && (kind == Kind.CONSTANT || kind == Kind.INPUT)) {
            return "not recorded for " + opName() + "s (a report on one names the line that created or read it)";
        }
        return Site.format(site);
    }

    /** A copy of the value. */
    public Tensor value() {
        if (Tracer.tracing != 0) Tracer.noteRead(this);
        return Tensor.of(value);
    }

    /** The value of a 1x1 node. */
    public double item() {
        if (value.numRows != 1 || value.numCols != 1) {
            throw new IllegalStateException("item() needs a 1x1 node, '" + name() + "' is " + shape());
        }
        if (Tracer.tracing != 0) Tracer.noteRead(this);
        return value.data[0];
    }

    /** A copy of the gradient, or zeros if no gradient has reached this node. */
    public Tensor grad() { return grad == null ? Tensor.zeros(rows(), cols()) : Tensor.of(grad); }

    /** True once a gradient has reached this node. */
    public boolean hasGrad() { return grad != null; }

    /**
     * The live value storage, for reading only (optimisers, checkpoints, metrics read it without a
     * copy). Do not modify it: a write through it is invisible to the guard and to the check that
     * backward reads the values the forward pass read. Use {@link #write()} to modify a leaf.
     */
    public DMatrixRMaj read() {
        if (Tracer.tracing != 0) Tracer.noteRead(this);
        return value;
    }

    /**
     * The live value storage of a leaf, for modifying it in place (an optimiser step, loading a
     * checkpoint, a running statistic). Each call counts as a new {@linkplain #version() version}:
     * the guard rescans the leaf the next time an op reads it, and a backward through a node that
     * read the leaf before this call throws instead of computing a gradient from the new values.
     * Modify the storage right after the call, not later.
     *
     * @throws IllegalStateException if this node is computed by an op (only leaves are written)
     */
    public DMatrixRMaj write() {
        if (op != null) {
            throw new IllegalStateException("write(): '" + name() + "' is computed by " + opName()
                    + "; only leaves (param, input, constant) may be modified in place");
        }
        if (Tracer.tracing != 0) Tracer.noteWrite(this);
        version++;
        writtenAt = IDS.get();
        return value;
    }

    /** How often {@link #write()} has handed out the storage; 0 if never (PyTorch's {@code _version}). */
    public int version() {
        return version;
    }

    /**
     * Test hook: moves the id counter forward so the next node's id is {@code last + 1}, to reach
     * the ids of a long-running process (past {@code Integer.MAX_VALUE}) in a test. Never moves it
     * back: ids stay unique in the JVM.
     */
    static void advanceIdsForTest(long last) {
        IDS.accumulateAndGet(last, Math::max);
    }

    /** True if this leaf was written after {@code reader} (a node made from it) read it. */
    boolean writtenAfter(Var reader) {
        return writtenAt >= reader.id;
    }

    /** Backward sweeps that reached this leaf since its last {@link #zeroGrad()}. */
    int backwardCalls() {
        return backwardCalls;
    }

    /** Counts one more sweep reaching this leaf; called by the sweep only. */
    void countBackward() {
        backwardCalls++;
    }

    /**
     * The live gradient storage, or null if no gradient has reached this node, for reading and
     * modifying in place (gradient clipping, unscaling, a hand-made gradient). Each call counts as a
     * write: whatever the backward sweep proved about the gradient's finiteness no longer holds
     * ({@link #gradientCheckedFinite()} turns false), so an optimiser scans it again. Code that only
     * reads should use {@link #readGrad()}.
     */
    public DMatrixRMaj gradData() {
        gradChecked = false;
        gradZeroed = false;
        return grad;
    }

    /**
     * The live gradient storage, or null, for reading only (an optimiser step, a norm, a report),
     * without counting a write. Do not modify it: a write through it is invisible to
     * {@link #gradientCheckedFinite()}, and so to the optimiser's check. Use {@link #gradData()}
     * to modify a gradient.
     */
    public DMatrixRMaj readGrad() {
        return grad;
    }

    /**
     * True if the backward sweep, with the guard on, found this whole gradient finite and nothing
     * has written to it since (no later contribution, {@link #zeroGrad()} or {@link #gradData()});
     * false when in doubt (the guard was OFF, the sum was not checked, or it was written since). An
     * optimiser skips its own scan of the gradient only when this is true.
     */
    public boolean gradientCheckedFinite() {
        return grad != null && gradChecked;
    }

    /**
     * The guard's report of where this node's gradient first went non-finite, or null (no such
     * gradient, or the guard was OFF). Optimisers use it to refuse a step with the reason.
     */
    public NanReport gradientReport() { return FiniteGuard.gradientReport(this); }

    /** The guard's report of where this node's value first went non-finite, or null. */
    public NanReport valueReport() { return FiniteGuard.valueReport(this); }

    /** Zeroes the gradient in place (keeping its storage, so steps do not allocate). */
    public void zeroGrad() {
        if (grad != null) Arrays.fill(grad.data, 0, grad.getNumElements(), 0.0);
        gradChecked = false;
        gradZeroed = grad != null;
        backwardCalls = 0;
        FiniteGuard.gradientZeroed(this);
    }

    // ---- gradient storage, written by the backward sweep through these methods only ----------

    /** The live gradient, or null; for the sweep and the guard. */
    DMatrixRMaj gradient() {
        return grad;
    }

    /** Forgets an op node's gradient from an earlier sweep (only leaves accumulate across sweeps). */
    void dropGradient() {
        grad = null;
        gradChecked = false;
        gradZeroed = false;
    }

    /**
     * Records that the sweep just found the whole gradient finite (called by {@link Backprop} only,
     * right after the check, so no write can come between).
     */
    void gradientFoundFinite() {
        gradChecked = true;
    }

    /**
     * The gradient storage of a leaf that holds only {@link #zeroGrad()}'s zeros, for the sweep to
     * write its first contribution straight into (adding it to zeros would change nothing), or null
     * when there is no such storage. The gradient then counts as written.
     */
    DMatrixRMaj zeroedGradientForWriting() {
        if (!gradZeroed) return null;
        gradZeroed = false;
        gradChecked = false;
        return grad;
    }

    /** Puts back the zeros after the sweep moved a contribution out of {@link #zeroedGradientForWriting()}. */
    void rezeroGradient() {
        Arrays.fill(grad.data, 0, grad.getNumElements(), 0.0);
        gradZeroed = true;
    }

    /**
     * Adds a contribution to the gradient; the first one to an op node is taken as is, the first
     * one to a leaf is copied into storage the leaf keeps (zeroGrad keeps it too).
     * Returns whether the sum is all finite when {@code check} is set (always true otherwise, and
     * true when {@code g} was taken as is: the guard scanned it). A sum of two contributions is
     * rounded to {@code sumIn} (an emulated op node's gradient is a tensor of the format; float64
     * leaves the sum as it is).
     */
    boolean addGradient(DMatrixRMaj g, boolean check, Precision sumIn) {
        gradChecked = false;
        gradZeroed = false;
        if (grad == null) {
            // a leaf's gradient outlives the sweep: it gets storage of its own, while g may be the
            // sweep's scratch or a buffer a training loop recycles; an op node's gradient takes g
            grad = op == null ? g.copy() : g;
            return true;
        }
        if (sumIn != Precision.FLOAT64) {
            double[] a = grad.data, b = g.data;
            int n = grad.getNumElements();
            for (int i = 0; i < n; i++) a[i] += b[i];
            return Precision.allFinite(sumIn.roundAndScan(a, n)) || !check;
        }
        if (!check) {
            double[] a = grad.data, b = g.data;
            for (int i = 0, n = grad.getNumElements(); i < n; i++) a[i] += b[i];
            return true;
        }
        return addAndCheck(grad, g);
    }

    /** {@link #addGradient(DMatrixRMaj, boolean, Precision)} in float64. */
    boolean addGradient(DMatrixRMaj g, boolean check) {
        return addGradient(g, check, Precision.FLOAT64);
    }

    /** {@code grad += gi}, returning whether the sum is all finite, in one pass. */
    private static boolean addAndCheck(DMatrixRMaj grad, DMatrixRMaj gi) {
        double[] a = grad.data, b = gi.data;
        int n = grad.getNumElements();
        // x - x is 0 for finite x, NaN otherwise; four accumulators avoid a serial add chain
        double c0 = 0, c1 = 0, c2 = 0, c3 = 0;
        int i = 0;
        for (; i + 3 < n; i += 4) {
            double s0 = a[i] += b[i], s1 = a[i + 1] += b[i + 1], s2 = a[i + 2] += b[i + 2], s3 = a[i + 3] += b[i + 3];
            c0 += s0 - s0;
            c1 += s1 - s1;
            c2 += s2 - s2;
            c3 += s3 - s3;
        }
        for (; i < n; i++) {
            double s = a[i] += b[i];
            c0 += s - s;
        }
        double check = c0 + c1 + c2 + c3;
        return check == check;
    }

    @Override
    public String toString() {
        return "Var '" + name() + "' " + opName() + " " + shape() + (hasGrad() ? " (has grad)" : "");
    }
}
