package io.finitegrad.optim.io;

import io.finitegrad.autodiff.Var;
import io.finitegrad.core.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The mapping between a model's state dict (its parameters and buffers by name, as
 * {@code Layer.stateDict()}: parameters then buffers) and named tensors, knowing nothing of files:
 * {@link #toTensors} snapshots the values, {@link #load} copies values back into the live
 * {@link Var}s in place, as PyTorch's {@code state_dict()} / {@code load_state_dict(strict=True)}.
 */
public final class StateDicts {
    private StateDicts() {
    }

    /**
     * A snapshot of every entry's value, in the state dict's order.
     *
     * @throws IllegalArgumentException if the map, a name or a Var is null
     */
    public static Map<String, Tensor> toTensors(Map<String, Var> state) {
        if (state == null) throw new IllegalArgumentException("StateDicts.toTensors: state is null");
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, Var> e : state.entrySet()) {
            if (e.getKey() == null || e.getValue() == null) {
                throw new IllegalArgumentException("StateDicts.toTensors: entry '" + e.getKey() + "' -> " + e.getValue()
                        + " has a null name or Var");
            }
            out.put(e.getKey(), e.getValue().value());
        }
        return out;
    }

    /**
     * Copies {@code source} into the Vars of {@code target} in place, all or nothing: the names
     * must match exactly, every shape must agree and every value must be finite; everything is
     * checked before anything is written.
     *
     * @throws StateDictMismatchException listing every missing, unexpected, mis-shaped and
     *     non-finite name; {@code target} is then unchanged
     * @throws IllegalArgumentException if a map, a name, a Var or a tensor is null
     */
    public static void load(Map<String, Var> target, Map<String, Tensor> source) {
        if (target == null || source == null) {
            throw new IllegalArgumentException("StateDicts.load: target and source must not be null");
        }
        List<String> targetNames = namesOf("target", target);
        List<String> sourceNames = namesOf("source", source);
        StateDictMismatchException problems = new StateDictMismatchException(targetNames, sourceNames);
        for (Map.Entry<String, Var> e : target.entrySet()) {
            String name = e.getKey();
            Var v = e.getValue();
            Tensor t = source.get(name);
            if (t == null) problems.addMissing(name, v.shape());
            else if (t.rows() != v.rows() || t.cols() != v.cols()) problems.addShapeMismatch(name, t.shape(), v.shape());
            else if (!t.isFinite()) problems.addNonFinite(name, t.scan().toString());
        }
        for (String name : sourceNames) if (!target.containsKey(name)) problems.addUnexpected(name);
        if (problems.hasProblems()) throw problems;
        for (Map.Entry<String, Var> e : target.entrySet()) {
            double[] values = source.get(e.getKey()).toFlatArray();
            System.arraycopy(values, 0, e.getValue().write().data, 0, values.length);
        }
    }

    private static List<String> namesOf(String which, Map<String, ?> map) {
        List<String> names = new ArrayList<>(map.size());
        for (Map.Entry<String, ?> e : map.entrySet()) {
            if (e.getKey() == null || e.getValue() == null) {
                throw new IllegalArgumentException("StateDicts.load: " + which + " entry '" + e.getKey() + "' -> "
                        + e.getValue() + " has a null name or value");
            }
            names.add(e.getKey());
        }
        return names;
    }
}
