package io.finitegrad.layers;

import java.util.HashMap;
import java.util.Map;

/**
 * Default layer names: {@code dense1}, {@code dense2}, {@code rnn1}, ... from one counter per
 * layer kind and thread, as Keras names layers. {@link #reset()} restarts the counters (Keras'
 * {@code clear_session()}), so a program that builds the same model twice can get the same names.
 */
public final class LayerNames {
    private static final ThreadLocal<Map<String, Integer>> COUNTERS = ThreadLocal.withInitial(HashMap::new);

    private LayerNames() {
    }

    /** The next default name for a kind of layer, e.g. {@code next("dense")} gives {@code "dense3"}. */
    public static String next(String kind) {
        int n = COUNTERS.get().merge(kind, 1, Integer::sum);
        return kind + n;
    }

    /** Restarts every counter of this thread at 1. */
    public static void reset() {
        COUNTERS.get().clear();
    }

    /**
     * Checks a user-given layer name, which becomes a name scope.
     *
     * @throws IllegalArgumentException if it is null, empty or contains '/'
     */
    static String check(String layer, String name) {
        if (name == null || name.isEmpty() || name.indexOf('/') >= 0) {
            throw new IllegalArgumentException(layer + ": name must be non-empty and contain no '/', got '" + name + "'");
        }
        return name;
    }
}
