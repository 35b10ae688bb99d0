package io.finitegrad.examples.nanlab;

import io.finitegrad.autodiff.Tracer;
import io.finitegrad.autodiff.Var;
import io.finitegrad.autodiff.check.FinitenessCheck;
import io.finitegrad.autodiff.check.FinitenessReport;
import io.finitegrad.autodiff.check.Inputs;
import io.finitegrad.core.Interval;
import io.finitegrad.core.Precision;
import io.finitegrad.core.Tensor;
import io.finitegrad.layers.Layer;
import io.finitegrad.optim.data.DataRanges;
import io.finitegrad.optim.data.Dataset;
import io.finitegrad.optim.train.Loss;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * What {@code nanlab check} analyses for one version of a lesson: the builder (inputs → loss) made
 * from the lesson's own model and loss, the input ranges declared from its data (per-column min/max,
 * as an {@link Interval} for a batch of the size the lesson trains with), the real batch it is
 * traced at, and the format. {@link #check()} turns it into a configured {@link FinitenessCheck}.
 * The builder takes its data from the {@link Inputs} only and changes nothing: the model is put in
 * eval mode when the spec is made. Immutable (the model it holds is the lesson's, built for it).
 *
 * @throws IllegalArgumentException from the factories for a null builder, model, loss or data, or
 *     traced values outside (or shaped unlike) their ranges
 */
public final class CheckSpec {
    /** The input the features are declared as: the name the Trainer gives its input node. */
    public static final String FEATURES = "x";
    /** The input the targets are declared as. */
    public static final String TARGETS = "y";
    /** Confirmation runs per potential defect unless a lesson says otherwise. */
    public static final int TRIES = 200;
    /**
     * The largest parameter radius the radius search tries: far beyond the engine's default of
     * 1000, since a learning rate too high moves weights by orders of magnitude before a square
     * overflows float32 (an error of 1e19).
     */
    public static final double MAX_RADIUS = 1e30;

    private final Function<Inputs, Var> builder;
    private final Map<String, Interval> ranges;
    private final Map<String, Tensor> at;
    private final Precision format;
    private final int tries;
    private final boolean suggest;

    private CheckSpec(Function<Inputs, Var> builder, Map<String, Interval> ranges, Map<String, Tensor> at,
            Precision format, int tries, boolean suggest) {
        this.builder = builder;
        this.ranges = ranges;
        this.at = at;
        this.format = format;
        this.tries = tries;
        this.suggest = suggest;
    }

    /**
     * A spec of any builder: inputs by name with their ranges and the values they are traced at
     * (in the ranges' order; null values trace at the midpoints), in {@code format}.
     */
    public static CheckSpec of(Function<Inputs, Var> builder, Map<String, Interval> ranges, Map<String, Tensor> at,
            Precision format) {
        if (builder == null || ranges == null || at == null || format == null) {
            throw new IllegalArgumentException("CheckSpec.of: builder, ranges, traced values and format are required");
        }
        Map<String, Interval> r = new LinkedHashMap<>(ranges);
        Map<String, Tensor> a = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : at.entrySet()) {
            Interval box = r.get(e.getKey());
            Tensor t = e.getValue();
            if (box == null) throw new IllegalArgumentException("CheckSpec.of: traced value for undeclared '" + e.getKey() + "'");
            if (t != null && (t.rows() != box.rows() || t.cols() != box.cols() || !box.contains(t.toMatrix()))) {
                throw new IllegalArgumentException("CheckSpec.of: the traced '" + e.getKey() + "' is not a "
                        + box.shape() + " tensor inside its range");
            }
            if (t != null) a.put(e.getKey(), t);
        }
        return new CheckSpec(builder, java.util.Collections.unmodifiableMap(r), java.util.Collections.unmodifiableMap(a),
                format, TRIES, true);
    }

    /**
     * The loss {@code loss(model(x), y)} of a batch of {@code batch} rows (at most the data's size),
     * with x and y declared as each column's range over the whole of {@code data} (one-hot targets
     * for a classification set, as the Trainer feeds them), traced at a real batch: the rows with a
     * non-finite cell first, then the first rows. The model is put in eval mode. The format is the
     * thread's current one.
     */
    public static CheckSpec loss(Layer model, Loss loss, Dataset data, int batch) {
        if (model == null || loss == null || data == null) {
            throw new IllegalArgumentException("CheckSpec.loss: model, loss and data are required");
        }
        if (batch <= 0) throw new IllegalArgumentException("CheckSpec.loss: batch must be positive, got " + batch);
        model.eval();
        Dataset d = data.isClassification() ? data.oneHot() : data;
        int n = Math.min(batch, d.size());
        Dataset traced = d.subset(traceRows(d, n));
        Map<String, Interval> ranges = new LinkedHashMap<>();
        ranges.put(FEATURES, DataRanges.features(d, n));
        ranges.put(TARGETS, DataRanges.targets(d, n));
        Map<String, Tensor> at = new LinkedHashMap<>();
        at.put(FEATURES, traced.features());
        at.put(TARGETS, traced.targets());
        return of(in -> loss.apply(model.forward(in.get(FEATURES)), in.get(TARGETS)), ranges, at, Precision.current());
    }

    /** The rows a check traces at: those with a non-finite feature or target first, then the rest in order. */
    static int[] traceRows(Dataset d, int n) {
        List<Integer> bad = new ArrayList<>(), good = new ArrayList<>();
        double[] x = d.features().toFlatArray(), y = d.targets().toFlatArray();
        int fc = d.features().cols(), tc = d.targets().cols();
        for (int r = 0; r < d.size(); r++) {
            boolean finite = true;
            for (int c = 0; c < fc; c++) finite &= Double.isFinite(x[r * fc + c]);
            for (int c = 0; c < tc; c++) finite &= Double.isFinite(y[r * tc + c]);
            (finite ? good : bad).add(r);
        }
        bad.addAll(good);
        int[] rows = new int[n];
        for (int i = 0; i < n; i++) rows[i] = bad.get(i);
        return rows;
    }

    /** The same spec analysed in {@code p}. */
    public CheckSpec in(Precision p) {
        if (p == null) throw new IllegalArgumentException("CheckSpec.in: the format is null");
        return new CheckSpec(builder, ranges, at, p, tries, suggest);
    }

    /**
     * The same spec with {@code n} confirmation runs per potential defect.
     *
     * @throws IllegalArgumentException if n is negative
     */
    public CheckSpec tries(int n) {
        if (n < 0) throw new IllegalArgumentException("CheckSpec.tries: " + n);
        return new CheckSpec(builder, ranges, at, format, n, suggest);
    }

    /**
     * The same spec with fix suggestions and the radius search on or off: a long unrolled graph
     * (the RNN's 400 steps) has a finding per step past the first whose bound overflows, and
     * bisecting a fix for each costs hundreds of passes.
     */
    public CheckSpec suggest(boolean on) {
        return new CheckSpec(builder, ranges, at, format, tries, on);
    }

    /** The check this spec describes, configured (inputs, traced values, format, tries) and not yet run. */
    public FinitenessCheck check() {
        // the confirmation runs are not traced, so a layer with a graph path for traced runs
        // (Losses.softmaxCrossEntropy's targets) would build another graph there, which the search
        // cannot match to the analysed one: every run of the builder takes the traced path
        Function<Inputs, Var> same = in -> Tracer.active() ? builder.apply(in) : Tracer.trace(() -> builder.apply(in)).result();
        FinitenessCheck c = FinitenessCheck.of(same).precision(format).tries(tries).suggest(suggest)
                .maxRadius(MAX_RADIUS);
        for (Map.Entry<String, Interval> e : ranges.entrySet()) {
            Tensor t = at.get(e.getKey());
            if (t == null) c.input(e.getKey(), e.getValue());
            else c.input(e.getKey(), e.getValue(), t);
        }
        return c;
    }

    /** Runs the check: defects, confirmations, fixes, the certified radius. */
    public FinitenessReport run() {
        return check().run();
    }

    /** The builder: inputs → loss. */
    public Function<Inputs, Var> builder() { return builder; }

    /** The declared input ranges, by name, in declaration order. */
    public Map<String, Interval> ranges() { return ranges; }

    /** The real values the inputs are traced at, by name (an input missing here is traced at its midpoints). */
    public Map<String, Tensor> tracedAt() { return at; }

    /** The format analysed. */
    public Precision format() { return format; }

    /** Whether the check suggests fixes and searches the largest certified radius. */
    public boolean suggests() { return suggest; }

    /** Confirmation runs per potential defect. */
    public int tries() { return tries; }
}
