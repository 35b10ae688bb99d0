package io.finitegrad.optim.train;

import io.finitegrad.autodiff.Var;
import io.finitegrad.core.Gemm;
import io.finitegrad.layers.Layer;
import io.finitegrad.optim.io.CheckpointFormatException;
import io.finitegrad.optim.io.DType;
import io.finitegrad.optim.io.NamedTensors;
import io.finitegrad.optim.io.Safetensors;
import io.finitegrad.optim.io.StateDictMismatchException;
import io.finitegrad.optim.io.StateDicts;
import io.finitegrad.optim.io.WriteOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Saves a model's parameters and buffers to a safetensors file by name (e.g. {@code dense1/W}) and
 * loads them back in place: the user-facing join of the codec ({@link Safetensors}) and the
 * state-dict mapping ({@link StateDicts}), as PyTorch's {@code save_model}/{@code load_model}.
 *
 * <p>Every file records the string metadata {@code format=finitegrad} and {@code model=<class>}
 * next to the caller's own (a later version stores the model's configuration there), and
 * {@code gemm=java} or {@code gemm=openblas}: the matrix-multiply kernel ({@link Gemm#kernel()}) in
 * force on the thread that saves, which is the one that trained when training and saving share a
 * thread (as in nanlab). Its bits depend on it: "same seed, same bytes" holds per kernel and host.
 *
 * <p>{@link #saveTorch} and {@link #loadTorch} use PyTorch's layout instead (the mapping is
 * README's "Exchange with PyTorch"): the keys, shapes and transposes of the state dict of an
 * {@code nn.Sequential} MLP or of the reference {@code Recurrent(rnn, head)} module, with metadata
 * {@code format=pt} and {@code module=<the module as a Python expression>}. The two layouts share no
 * key, so a file is never loaded in the other layout by mistake (a square W would otherwise load
 * transposed).
 */
public final class Checkpoint {
    /** Metadata key naming the writer of the file. */
    public static final String FORMAT_KEY = "format";
    /** Metadata key naming the model's class. */
    public static final String MODEL_KEY = "model";
    /** Metadata key naming the matrix-multiply kernel in force when the file was saved by {@link #saveModel}. */
    public static final String GEMM_KEY = "gemm";
    /** Metadata key of the PyTorch layout holding the reference module as a Python expression. */
    public static final String MODULE_KEY = "module";
    private static final String FORMAT = "finitegrad";
    private static final String TORCH_FORMAT = "pt";

    private Checkpoint() {
    }

    /**
     * Whether a file's {@code metadata} says it is in PyTorch's layout (written by
     * {@link #saveTorch(Path, Layer)} or PyTorch), so it loads with {@link #loadTorch(Path, Layer)}
     * rather than {@link #loadModel(Path, Layer)}.
     *
     * @throws IllegalArgumentException if {@code metadata} is null
     */
    public static boolean isTorchLayout(Map<String, String> metadata) {
        if (metadata == null) throw new IllegalArgumentException("Checkpoint.isTorchLayout: metadata is null");
        return TORCH_FORMAT.equals(metadata.get(FORMAT_KEY));
    }

    /** Saves {@code model}'s state with no metadata of the caller's; see {@link #saveModel(Path, Layer, Map)}. */
    public static void saveModel(Path file, Layer model) throws IOException {
        saveModel(file, model, Map.of());
    }

    /**
     * Saves every parameter and buffer of {@code model} by name, with {@code metadata} after the
     * {@link #FORMAT_KEY}, {@link #MODEL_KEY} and {@link #GEMM_KEY} entries, atomically replacing
     * {@code file}. A {@code gemm} entry in {@code metadata} (read back from a file trained with
     * another kernel) is replaced by the kernel in force now, which trained the state saved.
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
        Map<String, String> callers = new LinkedHashMap<>(metadata);
        callers.remove(GEMM_KEY);
        Map<String, String> meta = withOwn("saveModel", Map.of(FORMAT_KEY, FORMAT, MODEL_KEY,
                model.getClass().getSimpleName(), GEMM_KEY, Gemm.kernel().name().toLowerCase(Locale.ROOT)), callers);
        Safetensors.write(file, StateDicts.toTensors(model.stateDict()), meta);
    }

    /** {@code own} in the order format, model or module, gemm, then {@code metadata}, which may repeat but not change them. */
    private static Map<String, String> withOwn(String method, Map<String, String> own, Map<String, String> metadata) {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(FORMAT_KEY, own.get(FORMAT_KEY));
        for (String key : List.of(MODEL_KEY, MODULE_KEY, GEMM_KEY)) if (own.containsKey(key)) meta.put(key, own.get(key));
        for (Map.Entry<String, String> e : metadata.entrySet()) {
            String mine = meta.get(e.getKey());
            if (mine != null && !mine.equals(e.getValue())) {
                throw new IllegalArgumentException("Checkpoint." + method + ": metadata '" + e.getKey() + "' = '"
                        + e.getValue() + "' clashes with the value written for this model, '" + mine + "'");
            }
            meta.put(e.getKey(), e.getValue());
        }
        return meta;
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
            String hint = TORCH_FORMAT.equals(saved.metadata().get(FORMAT_KEY))
                    ? " (the file is in PyTorch's layout: load it with Checkpoint.loadTorch)" : "";
            throw new CheckpointFormatException(file.getFileName() + " does not fit " + model.getClass().getSimpleName()
                    + ": " + e.describe("file") + hint, e);
        }
        return saved.metadata();
    }

    /** Saves {@code model} in PyTorch's layout as F64; see {@link #saveTorch(Path, Layer, DType, Map)}. */
    public static void saveTorch(Path file, Layer model) throws IOException {
        saveTorch(file, model, DType.F64, Map.of());
    }

    /** Saves {@code model} in PyTorch's layout as {@code dtype}; see {@link #saveTorch(Path, Layer, DType, Map)}. */
    public static void saveTorch(Path file, Layer model, DType dtype) throws IOException {
        saveTorch(file, model, dtype, Map.of());
    }

    /**
     * Saves {@code model} as the state dict of its PyTorch module (PyTorch's key names, weights
     * out x in, biases rank 1, every value rounded to {@code dtype}), with the metadata
     * {@code format=pt} and {@code module=<Python expression>} followed by {@code metadata},
     * atomically replacing {@code file}. In PyTorch, {@code eval(module)} builds the module and
     * {@code load_state_dict(tensors, strict=True)} loads the file.
     *
     * @throws IllegalArgumentException if an argument is null, the model has no PyTorch layout
     *     (naming the layer and why), or {@code metadata} gives {@code format} or {@code module}
     *     another value
     * @throws IOException if the file cannot be written; a previous file is then intact
     */
    public static void saveTorch(Path file, Layer model, DType dtype, Map<String, String> metadata) throws IOException {
        if (file == null || model == null || dtype == null || metadata == null) {
            throw new IllegalArgumentException("Checkpoint.saveTorch: file, model, dtype and metadata must not be null");
        }
        TorchLayout layout = TorchLayout.of(model);
        Map<String, String> meta = withOwn("saveTorch", Map.of(FORMAT_KEY, TORCH_FORMAT, MODULE_KEY, layout.module()),
                metadata);
        Safetensors.write(file, layout.tensors(), meta, WriteOptions.DEFAULT.withDType(dtype).withRank1(layout.rank1()));
    }

    /**
     * Loads a PyTorch state dict in the layout of {@link #saveTorch} (a file of saveTorch, or a
     * PyTorch module's {@code state_dict()} saved as safetensors; F64, F32, F16 or BF16) into
     * {@code model}, in place, and returns the file's metadata. Every key must be present with
     * PyTorch's shape, no key may be unexpected, every value must be finite, and a {@code module}
     * in the metadata must be this model's (activations leave no trace in the keys); otherwise
     * nothing is changed.
     *
     * @throws IllegalArgumentException if an argument is null or the model has no PyTorch layout
     * @throws CheckpointFormatException (an {@link IOException}) naming the file if it is not a
     *     valid safetensors file, or naming every missing, unexpected, mis-shaped and non-finite
     *     tensor if it does not fit (with a {@link StateDictMismatchException} as its cause), or
     *     naming both modules if the file's {@code module} is another
     * @throws IOException if the file cannot be read
     */
    public static Map<String, String> loadTorch(Path file, Layer model) throws IOException {
        if (file == null || model == null) {
            throw new IllegalArgumentException("Checkpoint.loadTorch: file and model must not be null");
        }
        TorchLayout layout = TorchLayout.of(model);
        NamedTensors saved = Safetensors.read(file);
        String module = saved.metadata().get(MODULE_KEY);
        if (module != null && !module.equals(layout.module())) {
            throw new CheckpointFormatException(file.getFileName() + " holds the module " + module + ", but "
                    + layout.label() + " is " + layout.module());
        }
        try {
            layout.load(saved.tensors(), file.getFileName().toString());
        } catch (CheckpointFormatException e) {
            if (!FORMAT.equals(saved.metadata().get(FORMAT_KEY))) throw e;
            throw new CheckpointFormatException(e.getMessage()
                    + " (the file is in finitegrad's own layout: load it with Checkpoint.loadModel)", e.getCause());
        }
        return saved.metadata();
    }
}
