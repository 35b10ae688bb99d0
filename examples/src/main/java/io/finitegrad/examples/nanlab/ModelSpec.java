package io.finitegrad.examples.nanlab;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.finitegrad.core.Heap;
import io.finitegrad.core.Tensor;
import io.finitegrad.layers.Activation;
import io.finitegrad.layers.Dense;
import io.finitegrad.layers.Init;
import io.finitegrad.layers.Layer;
import io.finitegrad.layers.Sequential;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Everything needed to rebuild and use a model trained by {@code nanlab train}, kept as JSON in
 * the checkpoint's {@code __metadata__} under {@link #KEY}: the feature names (in input order), the
 * hidden layer sizes, activation and initialiser, the class vocabulary, and the feature scaling's
 * statistics. Immutable.
 *
 * @throws InputException from {@link #fromJson} for metadata that is not such a description, naming what is wrong
 * @throws IllegalArgumentException from the constructor for inconsistent parts
 */
final class ModelSpec {
    /** The metadata key. */
    static final String KEY = "nanlab";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final List<String> features;
    private final int[] hidden;
    private final Activation activation;
    private final Init init;
    private final List<String> classes;
    private final FeatureScaling scaling;

    ModelSpec(List<String> features, int[] hidden, Activation activation, Init init, List<String> classes,
              FeatureScaling scaling) {
        if (features.isEmpty()) throw new IllegalArgumentException("ModelSpec: no features");
        if (classes.size() < 2) throw new IllegalArgumentException("ModelSpec: a classifier needs 2 or more classes, got " + classes);
        for (int h : hidden) if (h <= 0) throw new IllegalArgumentException("ModelSpec: hidden layer sizes must be positive, got " + h);
        if (scaling.width() >= 0 && scaling.width() != features.size()) {
            throw new IllegalArgumentException("ModelSpec: scaling has " + scaling.width() + " columns for " + features.size()
                    + " features");
        }
        this.features = List.copyOf(features);
        this.hidden = hidden.clone();
        this.activation = activation;
        this.init = init;
        this.classes = List.copyOf(classes);
        this.scaling = scaling;
    }

    List<String> features() { return features; }
    List<String> classes() { return classes; }
    FeatureScaling scaling() { return scaling; }

    /** The layer sizes from input to output, e.g. [4, 16, 16, 3]. */
    int[] sizes() {
        int[] s = new int[hidden.length + 2];
        s[0] = features.size();
        System.arraycopy(hidden, 0, s, 1, hidden.length);
        s[s.length - 1] = classes.size();
        return s;
    }

    /**
     * Refuses a model whose memory this JVM cannot spare, before anything is built: the estimate
     * counts the weights ({@code copies} times: 4 to train, for the values, gradients and the
     * optimiser's two moments; 2 to predict, for the values and the checkpoint's tensors as read)
     * and, three times, every layer's output for {@code rows} rows (value, gradient, the product
     * before the activation). In double arithmetic, because sizes such as [4, 2e9, 3] overflow an
     * int, and the products of several large layers a long.
     *
     * @param culprit what the size came from, e.g. {@code --hidden 100000000} or the checkpoint's name
     * @param doing   "train" or "predict", for the message
     * @throws InputException naming the culprit, the sizes, the memory needed and the memory free
     */
    void requireMemory(String culprit, String doing, int copies, long rows) {
        int[] s = sizes();
        double weights = 0, widths = 0;
        for (int i = 0; i + 1 < s.length; i++) {
            weights += ((double) s[i] + 1) * s[i + 1];
            widths += s[i + 1];
        }
        double needed = Double.BYTES * (copies * weights + 3 * widths * rows);
        long free = Heap.available();
        if (needed > free) {
            throw new InputException(culprit + ": a model of sizes " + Arrays.toString(s) + " needs about "
                    + gigabytes(needed) + " to " + doing + ", more than the " + gigabytes(free) + " free of the "
                    + gigabytes(Heap.max()) + " this JVM may use (use smaller layers, or raise java -Xmx)");
        }
    }

    private static String gigabytes(double bytes) {
        return String.format(Locale.ROOT, "%.1f GB", bytes / 1e9);
    }

    /** A fresh MLP of this shape, initialised from {@code rng}: hidden Dense layers, then a linear output. */
    Layer build(Random rng) {
        int[] s = sizes();
        Layer[] layers = new Layer[s.length - 1];
        for (int i = 0; i < layers.length; i++) {
            boolean last = i == layers.length - 1;
            layers[i] = new Dense(last ? "out" : "dense" + (i + 1), s[i], s[i + 1], last ? Activation.IDENTITY : activation,
                    last ? Init.XAVIER_UNIFORM : init, rng);
        }
        return new Sequential(layers);
    }

    String toJson() {
        ObjectNode o = JSON.createObjectNode();
        ArrayNode sizes = o.putArray("sizes");
        for (int v : sizes()) sizes.add(v);
        ArrayNode acts = o.putArray("activations");
        for (int i = 0; i < hidden.length; i++) acts.add(activation.name());
        acts.add(Activation.IDENTITY.name());
        o.put("activation", activation.name());
        o.put("init", init.name());
        ArrayNode f = o.putArray("features");
        features.forEach(f::add);
        ArrayNode c = o.putArray("classes");
        classes.forEach(c::add);
        ObjectNode sc = o.putObject("scaler");
        sc.put("kind", scaling.kind());
        ArrayNode shift = sc.putArray("shift"), scale = sc.putArray("scale");
        for (double v : scaling.shift()) shift.add(v);
        for (double v : scaling.scale()) scale.add(v);
        try {
            return JSON.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("ModelSpec: cannot write JSON", e);
        }
    }

    /** Reads the description back; {@code source} names the file in error messages. */
    static ModelSpec fromJson(String json, String source) {
        if (json == null) throw new InputException(source + ": no '" + KEY + "' metadata: not a model written by nanlab train");
        try {
            JsonNode o = JSON.readTree(json);
            int[] sizes = ints(o, "sizes", source);
            if (sizes.length < 2) throw new InputException(source + ": metadata 'sizes' needs input and output sizes, got "
                    + sizes.length + " entries");
            int[] hidden = new int[sizes.length - 2];
            System.arraycopy(sizes, 1, hidden, 0, hidden.length);
            Activation act = Activation.valueOf(text(o, "activation", source));
            Init init = Init.parse(text(o, "init", source));
            List<String> features = strings(o, "features", source), classes = strings(o, "classes", source);
            JsonNode sc = need(o, "scaler", source);
            FeatureScaling scaling = FeatureScaling.of(text(sc, "kind", source), doubles(sc, "shift", source),
                    doubles(sc, "scale", source));
            ModelSpec spec = new ModelSpec(features, hidden, act, init, classes, scaling);
            if (sizes[0] != features.size() || sizes[sizes.length - 1] != classes.size()) {
                throw new InputException(source + ": metadata sizes " + Arrays.toString(sizes) + " do not fit "
                        + features.size() + " features and " + classes.size() + " classes");
            }
            return spec;
        } catch (JsonProcessingException e) {
            throw new InputException(source + ": metadata '" + KEY + "' is not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new InputException(source + ": metadata '" + KEY + "': " + e.getMessage(), e);
        }
    }

    private static JsonNode need(JsonNode o, String field, String source) {
        JsonNode n = o.get(field);
        if (n == null || n.isNull()) throw new InputException(source + ": metadata '" + KEY + "' lacks '" + field + "'");
        return n;
    }

    private static String text(JsonNode o, String field, String source) {
        return need(o, field, source).asText();
    }

    private static int[] ints(JsonNode o, String field, String source) {
        JsonNode a = need(o, field, source);
        int[] v = new int[a.size()];
        for (int i = 0; i < v.length; i++) v[i] = a.get(i).asInt();
        return v;
    }

    private static double[] doubles(JsonNode o, String field, String source) {
        JsonNode a = need(o, field, source);
        double[] v = new double[a.size()];
        for (int i = 0; i < v.length; i++) v[i] = a.get(i).asDouble();
        return v;
    }

    private static List<String> strings(JsonNode o, String field, String source) {
        JsonNode a = need(o, field, source);
        List<String> v = new ArrayList<>();
        for (JsonNode n : a) v.add(n.asText());
        return v;
    }

    /** The features scaled as at training time. */
    Tensor scale(Tensor x) {
        return scaling.apply(x);
    }
}
