package io.finitegrad.autodiff;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How a report names the nodes it describes. A labelled or scoped node goes by its
 * {@link Var#name()}; an unlabelled node outside any scope is {@code #id op} with its JVM-wide
 * id, which depends on everything the JVM built before, so a report numbers those itself:
 * {@code #1 op}, {@code #2 op}, ... in the order it lists them (see {@link NanReport}).
 *
 * <p>The guard writes such a node into the strings it records as a placeholder holding the id
 * and the op ({@link #of}); the report resolves the placeholders when it is made ({@link #resolve}),
 * numbering each id at its first appearance, and keeps the numbering with it.
 */
final class ReportNames {
    // Unicode private-use characters: no label, op name or message written by a person holds them
    private static final char OPEN = '\uE000';
    private static final char SEP = '\uE001';
    private static final char CLOSE = '\uE002';

    private final Map<Long, String> byId = new HashMap<>();
    private final Map<String, Long> ids = new LinkedHashMap<>();

    /** {@code v}'s name for a string a report will resolve: its name, or a placeholder if it has none. */
    static String of(Var v) {
        return v.numberedInReports() ? OPEN + Long.toString(v.id) + SEP + v.opName() + CLOSE : v.name();
    }

    /** {@code s} with its placeholders replaced by numbered names, numbering the ids not seen before; null stays null. */
    String resolve(String s) {
        if (s == null || s.indexOf(OPEN) < 0) return s;
        StringBuilder sb = new StringBuilder(s.length());
        int at = 0;
        for (int open = s.indexOf(OPEN); open >= 0; open = s.indexOf(OPEN, at)) {
            int sep = s.indexOf(SEP, open), close = s.indexOf(CLOSE, open);
            if (sep < 0 || close < sep) break; // not a placeholder of ours: left as written
            sb.append(s, at, open).append(name(Long.parseLong(s.substring(open + 1, sep)), s.substring(sep + 1, close)));
            at = close + 1;
        }
        return sb.append(s, at, s.length()).toString();
    }

    /** Each string resolved, in order. */
    List<String> resolve(List<String> strings) {
        List<String> out = new ArrayList<>(strings.size());
        for (String s : strings) out.add(resolve(s));
        return Collections.unmodifiableList(out);
    }

    /** The summary with its name resolved; null stays null. */
    TensorSummary resolve(TensorSummary t) {
        return t == null ? null : t.named(resolve(t.name()));
    }

    /** Each summary resolved, in order. */
    List<TensorSummary> resolveSummaries(List<TensorSummary> summaries) {
        List<TensorSummary> out = new ArrayList<>(summaries.size());
        for (TensorSummary t : summaries) out.add(resolve(t));
        return Collections.unmodifiableList(out);
    }

    /** The JVM-wide id of each numbered node, by its numbered name, in numbering order. */
    Map<String, Long> ids() {
        return Collections.unmodifiableMap(new LinkedHashMap<>(ids));
    }

    private String name(long id, String op) {
        String n = byId.get(id);
        if (n == null) {
            n = "#" + (byId.size() + 1) + " " + op;
            byId.put(id, n);
            ids.put(n, id);
        }
        return n;
    }
}
