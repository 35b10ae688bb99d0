package io.finitegrad.layers;

import io.finitegrad.autodiff.Var;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

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

    /**
     * {@code vars} without repeats, each at its first place: a layer used twice (weight sharing)
     * owns one set of parameters, so an optimiser, a count and a checkpoint must see it once.
     * By identity, not name: two distinct vars with one name are {@link #byName}'s error to report.
     */
    static List<Var> distinct(List<Var> vars) {
        Set<Var> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        List<Var> out = new ArrayList<>(vars.size());
        for (Var v : vars) if (seen.add(v)) out.add(v);
        return List.copyOf(out);
    }

    /** Number of scalars in {@code vars}. */
    static long count(List<Var> vars) {
        long n = 0;
        for (Var v : vars) n += (long) v.rows() * v.cols();
        return n;
    }
}
