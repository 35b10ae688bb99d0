package io.finitegrad.autodiff;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Runs a model builder while recording every host-side read of a graph value: a {@link Var#read()},
 * {@link Var#value()} or {@link Var#item()} of an input, a parameter or a node computed from them,
 * made by the builder itself or by a layer it calls. Such a read lets a value steer what the graph
 * becomes (a mask built from a data column, a branch on {@code x.item()}, a scale chosen from the
 * batch): the traced graph is then only right for the traced values, and the finiteness analysis
 * must not certify it. Library code that has a graph-only path for the same result (as
 * {@code Losses.softmaxCrossEntropy} has for constant targets) asks {@link #active()} and takes it.
 *
 * <p>Not re-entrant: a trace inside a trace throws {@link IllegalStateException}.
 */
public final class Tracer {
    /** Threads tracing now: read by {@code Var}'s accessors before anything else, so they pay one volatile read. */
    static volatile int tracing;
    private static final ThreadLocal<Map<Long, HostRead>> READS = new ThreadLocal<>();
    private static final ThreadLocal<Map<Long, String>> WRITES = new ThreadLocal<>();
    private static final StackWalker WALKER = StackWalker.getInstance();

    private Tracer() {
    }

    /**
     * One host-side read: the node read, its kind, and the frame
     * that made it ({@code Normalization.scales(Normalization.java:41)}): the first frame outside {@code Var}.
     */
    public record HostRead(long id, String node, Var.Kind kind, String site) {
        @Override
        public String toString() {
            return "'" + node + "' (" + kind.name().toLowerCase(java.util.Locale.ROOT) + ") read at " + site;
        }
    }

    /**
     * What a trace gives: the builder's result, the host reads it made (the first read of each node,
     * once) and the names of the leaves it wrote (a running statistic, an in-place update).
     */
    public record Traced<T>(T result, List<HostRead> reads, List<String> writes) {
    }

    /** True while this thread runs a builder under {@link #trace}. */
    public static boolean active() {
        return tracing != 0 && READS.get() != null;
    }

    /**
     * Runs {@code builder} on this thread, recording its host reads.
     *
     * @throws IllegalStateException if this thread is already tracing
     */
    public static <T> Traced<T> trace(Supplier<T> builder) {
        if (READS.get() != null) throw new IllegalStateException("Tracer.trace: this thread is already tracing");
        Map<Long, HostRead> reads = new LinkedHashMap<>();
        Map<Long, String> writes = new LinkedHashMap<>();
        READS.set(reads);
        WRITES.set(writes);
        synchronized (Tracer.class) {
            tracing++;
        }
        try {
            T result = builder.get();
            return new Traced<>(result, List.copyOf(new ArrayList<>(reads.values())), List.copyOf(writes.values()));
        } finally {
            synchronized (Tracer.class) {
                tracing--;
            }
            READS.remove();
            WRITES.remove();
        }
    }

    /** Called by {@code Var.write()} while some thread traces. */
    static void noteWrite(Var v) {
        Map<Long, String> writes = WRITES.get();
        if (writes != null) writes.putIfAbsent(v.id, v.name());
    }

    /** Called by {@code Var}'s value accessors while some thread traces. */
    static void noteRead(Var v) {
        Map<Long, HostRead> reads = READS.get();
        if (reads == null || v.kind == Var.Kind.CONSTANT || reads.containsKey(v.id)) return;
        reads.put(v.id, new HostRead(v.id, v.name(), v.kind, site()));
    }

    private static String site() {
        return WALKER.walk(frames -> frames
                .filter(f -> !f.getClassName().equals(Tracer.class.getName()) && !f.getClassName().equals(Var.class.getName()))
                .findFirst()
                .map(f -> f.getClassName().substring(f.getClassName().lastIndexOf('.') + 1) + "." + f.getMethodName()
                        + "(" + f.getFileName() + ":" + f.getLineNumber() + ")")
                .orElse("unknown"));
    }
}
