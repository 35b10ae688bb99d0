package io.finitegrad.optim.io;

import java.util.ArrayList;
import java.util.List;

/**
 * Named tensors that do not fit a model's state dict, as PyTorch's {@code load_state_dict} error:
 * every missing, unexpected, mis-shaped and non-finite name is listed, and the model is unchanged.
 * {@link #missing()}, {@link #unexpected()}, {@link #shapeMismatches()} and {@link #nonFinite()}
 * give the names for programs; {@link #describe(String)} words the problems for a given source
 * (e.g. "file").
 */
public final class StateDictMismatchException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    /** One problem's text, {@code before + source + after} when it names the source, else {@code before}. */
    private record Problem(String before, String after) {
        String render(String source) {
            return after == null ? before : before + source + after;
        }
    }

    // filled by StateDicts.load while it checks, and never changed once thrown
    private final List<Problem> problems = new ArrayList<>();
    private final List<String> missing = new ArrayList<>();
    private final List<String> unexpected = new ArrayList<>();
    private final List<String> shapeMismatches = new ArrayList<>();
    private final List<String> nonFinite = new ArrayList<>();
    private final List<String> modelNames;
    private final List<String> sourceNames;

    /** Collects problems between {@code modelNames} and {@code sourceNames}; thrown only if one is added. */
    StateDictMismatchException(List<String> modelNames, List<String> sourceNames) {
        super("the state dict does not fit the model");
        this.modelNames = List.copyOf(modelNames);
        this.sourceNames = List.copyOf(sourceNames);
    }

    void addMissing(String name, String modelShape) {
        missing.add(name);
        problems.add(new Problem("missing '" + name + "' (" + modelShape + ")", null));
    }

    void addUnexpected(String name) {
        unexpected.add(name);
        problems.add(new Problem("unexpected '" + name + "'", null));
    }

    void addShapeMismatch(String name, String sourceShape, String modelShape) {
        shapeMismatches.add(name);
        problems.add(new Problem("'" + name + "' is " + sourceShape + " in the ", " but " + modelShape + " in the model"));
    }

    void addNonFinite(String name, String scan) {
        nonFinite.add(name);
        problems.add(new Problem("'" + name + "' holds NaN/Inf (" + scan + "): was it saved after training diverged?", null));
    }

    boolean hasProblems() {
        return !problems.isEmpty();
    }

    /** Names the model has and the source lacks, in model order. */
    public List<String> missing() {
        return List.copyOf(missing);
    }

    /** Names the source has and the model lacks, in source order. */
    public List<String> unexpected() {
        return List.copyOf(unexpected);
    }

    /** Names present in both with different shapes, in model order. */
    public List<String> shapeMismatches() {
        return List.copyOf(shapeMismatches);
    }

    /** Names whose source tensor holds NaN or infinity, in model order. */
    public List<String> nonFinite() {
        return List.copyOf(nonFinite);
    }

    /**
     * Every problem, then both name lists, with the tensors' origin called {@code source}: for
     * "file", {@code 'd1/W' is 3x4 in the file but 3x5 in the model; unexpected 'extra'. The model
     * has [...], the file has [...]}.
     */
    public String describe(String source) {
        List<String> lines = new ArrayList<>(problems.size());
        for (Problem p : problems) lines.add(p.render(source));
        return String.join("; ", lines) + ". The model has " + modelNames + ", the " + source + " has " + sourceNames;
    }

    @Override
    public String getMessage() {
        return super.getMessage() + ": " + describe("state dict");
    }
}
