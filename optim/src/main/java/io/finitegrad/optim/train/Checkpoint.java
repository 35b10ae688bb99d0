package io.finitegrad.optim.train;

import io.finitegrad.autodiff.Var;
import io.finitegrad.layers.Layer;
import io.finitegrad.optim.io.CheckpointFormatException;
import io.finitegrad.optim.io.NamedTensors;
import io.finitegrad.optim.io.Safetensors;
import io.finitegrad.optim.io.StateDictMismatchException;
import io.finitegrad.optim.io.StateDicts;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Saves a model's parameters and buffers to a safetensors file by name (e.g. {@code dense1/W}) and
 * loads them back in place: the user-facing join of the codec ({@link Safetensors}) and the
 * state-dict mapping ({@link StateDicts}), as PyTorch's {@code save_model}/{@code load_model}.
 *
 * <p>Every file records the string metadata {@code format=finitegrad} and {@code model=<class>}
 * next to the caller's own (a later version stores the model's configuration there).
 */
public final class Checkpoint {
    /** Metadata key naming the writer of the file. */
    public static final String FORMAT_KEY = "format";
    /** Metadata key naming the model's class. */
    public static final String MODEL_KEY = "model";
    private static final String FORMAT = "finitegrad";

    private Checkpoint() {
    }

    /** Saves {@code model}'s state with no metadata of the caller's; see {@link #saveModel(Path, Layer, Map)}. */
    public static void saveModel(Path file, Layer model) throws IOException {
        saveModel(file, model, Map.of());
    }

    /**
     * Saves every parameter and buffer of {@code model} by name, with {@code metadata} after the
     * {@link #FORMAT_KEY} and {@link #MODEL_KEY} entries, atomically replacing {@code file}.
     *
     * @throws IllegalArgumentException if an argument is null, or {@code metadata} gives
     *     {@code format} or {@code model} a value other than the one written (the metadata read
     *     back from a file of the same model may be saved again)
     * @throws IllegalStateException if two tensors of the model share a name
     * @throws IOException if the file cannot be written; a previous file is then intact
     */
    public static void saveModel(Path file, Layer model, Map<String, String> metadata) throws IOException {
        if (file == null || model == null || metadata == null) {
            throw new IllegalArgumentException("Checkpoint.saveModel: file, model and metadata must not be null");
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(FORMAT_KEY, FORMAT);
        meta.put(MODEL_KEY, model.getClass().getSimpleName());
        for (Map.Entry<String, String> e : metadata.entrySet()) {
            String own = meta.get(e.getKey());
            if (own != null && !own.equals(e.getValue())) {
                throw new IllegalArgumentException("Checkpoint.saveModel: metadata '" + e.getKey() + "' = '" + e.getValue()
                        + "' clashes with the value written for this model, '" + own + "'");
            }
            meta.put(e.getKey(), e.getValue());
        }
        Safetensors.write(file, StateDicts.toTensors(model.stateDict()), meta);
    }

    /**
     * Loads a checkpoint into {@code model}'s parameters and buffers, in place, by name, and
     * returns the file's metadata. Every name must be present with the same shape, no name may be
     * unexpected, and every value must be finite; otherwise nothing is changed.
     *
     * @throws CheckpointFormatException (an {@link IOException}) naming the file if it is not a
     *     valid safetensors file, or naming every missing, unexpected, mis-shaped and non-finite
     *     tensor (with a {@link StateDictMismatchException} as its cause) if it does not fit
     * @throws IOException if the file cannot be read
     */
    public static Map<String, String> loadModel(Path file, Layer model) throws IOException {
        if (file == null || model == null) {
            throw new IllegalArgumentException("Checkpoint.loadModel: file and model must not be null");
        }
        NamedTensors saved = Safetensors.read(file);
        try {
            StateDicts.load(model.stateDict(), saved.tensors());
        } catch (StateDictMismatchException e) {
            throw new CheckpointFormatException(file.getFileName() + " does not fit " + model.getClass().getSimpleName()
                    + ": " + e.describe("file"), e);
        }
        return saved.metadata();
    }
}
