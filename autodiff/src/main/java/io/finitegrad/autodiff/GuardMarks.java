package io.finitegrad.autodiff;

import java.util.WeakHashMap;

/**
 * The guard's marks on nodes, per thread: which nodes hold non-finite values or gradients and the
 * incident each belongs to, and which version of a leaf's handed-out storage was scanned last.
 * Only {@link FiniteGuard} writes them.
 *
 * <p>Marks exist only for non-finite nodes, so on the happy path the value and gradient maps are
 * empty and the guard skips them without a lookup. The maps hold nodes weakly (Var keeps
 * Object's identity equals and hashCode, so these are identity maps) and incidents hold no
 * strong reference to a node: a graph the user drops is collected with its marks.
 */
final class GuardMarks {
    /**
     * A non-finite value or gradient: the incident it belongs to (null when allowed, or when it came
     * from an allowed input) and, for values, the reason it is allowed (null if it is not).
     */
    record Mark(Incident incident, String allowReason) {
    }

    private final WeakHashMap<Var, Mark> values = new WeakHashMap<>();
    private final WeakHashMap<Var, Mark> gradients = new WeakHashMap<>();
    private final WeakHashMap<Var, int[]> scannedVersions = new WeakHashMap<>();

    boolean anyValues() {
        return !values.isEmpty();
    }

    boolean anyGradients() {
        return !gradients.isEmpty();
    }

    /** The value mark of {@code v}, or null if its value is finite (or was never checked). */
    Mark value(Var v) {
        return values.isEmpty() ? null : values.get(v);
    }

    Mark gradient(Var v) {
        return gradients.isEmpty() ? null : gradients.get(v);
    }

    void markValue(Var v, Incident incident, String allowReason) {
        values.put(v, new Mark(incident, allowReason));
    }

    void copyValueMark(Var from, Var to) {
        Mark m = value(from);
        if (m != null) values.put(to, m);
    }

    void clearValue(Var v) {
        if (!values.isEmpty()) values.remove(v);
    }

    void markGradient(Var v, Incident incident) {
        gradients.put(v, new Mark(incident, null));
    }

    void clearGradient(Var v) {
        if (!gradients.isEmpty()) gradients.remove(v);
    }

    /** True if the leaf was written ({@link Var#write()}) since the guard last scanned it. */
    boolean stale(Var leaf) {
        int version = leaf.version();
        if (version == 0) return false;
        int[] seen = scannedVersions.get(leaf);
        return seen == null || seen[0] != version;
    }

    void scanned(Var leaf) {
        int version = leaf.version();
        if (version == 0) return;
        int[] seen = scannedVersions.get(leaf);
        if (seen == null) scannedVersions.put(leaf, new int[] {version});
        else seen[0] = version;
    }
}
