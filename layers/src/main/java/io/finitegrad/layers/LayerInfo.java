package io.finitegrad.layers;

import io.finitegrad.autodiff.Var;
import java.util.List;
import java.util.StringJoiner;

/**
 * One row of a {@link Layer#summary()} table: the layer's name and type, its input and output
 * shapes ({@code ?} stands for the batch size), its parameters' shapes and their total size.
 */
public record LayerInfo(String name, String type, String input, String output, String parameterShapes,
                        long parameterCount) {

    /** A row whose parameter columns are read from {@code params} ({@code W 3x4, b 1x4}). */
    public static LayerInfo of(String name, String type, String input, String output, List<Var> params) {
        StringJoiner shapes = new StringJoiner(", ");
        for (Var p : params) {
            String n = p.name();
            shapes.add(n.substring(n.lastIndexOf('/') + 1) + " " + p.shape());
        }
        return new LayerInfo(name, type, input, output, shapes.toString(), ParamLists.count(params));
    }

    /**
     * This row for a later use of a shared layer: the type says so, and its parameters, counted at
     * the first use, count 0 here, so the column adds up to the total.
     */
    public LayerInfo sharedUse() {
        return new LayerInfo(name, type + ", shared", input, output, "shared, counted above", 0);
    }
}
