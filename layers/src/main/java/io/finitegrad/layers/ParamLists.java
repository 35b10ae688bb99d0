package io.finitegrad.layers;

import io.finitegrad.autodiff.Var;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Name maps and sizes of parameter lists, shared by {@link Layer} and the summary. */
final class ParamLists {
    private ParamLists() {
    }

    /** Vars keyed by name in list order, unmodifiable; throws IllegalStateException if two distinct vars share a name. */
    static Map<String, Var> byName(List<Var> vars) {
        Map<String, Var> out = new LinkedHashMap<>();
        for (Var v : vars) {
            Var previous = out.putIfAbsent(v.name(), v);
            if (previous != null && previous != v) {
                throw new IllegalStateException("two parameters are both named '" + v.name()
                        + "': give the layers distinct names");
            }
        }
        return Collections.unmodifiableMap(out);
    }

    /** Number of scalars in {@code vars}. */
    static long count(List<Var> vars) {
        long n = 0;
        for (Var v : vars) n += (long) v.rows() * v.cols();
        return n;
    }
}
