package io.finitegrad.autodiff;

import io.finitegrad.core.FiniteScan;
import io.finitegrad.core.FiniteStats;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Takes the bounded snapshot of nodes a report draws: the path from the entry to the furthest output,
 * the nodes that hid the NaN/Inf, and the direct inputs of both, with each node's role read from the
 * guard's marks at the time the report is handed out.
 */
final class ReportGraph {
    static final int MAX_NODES = 5000;

    /** The nodes drawn, and whether more were left out. */
    record Snapshot(List<ReportNode> nodes, boolean truncated) {
    }

    private ReportGraph() {
    }

    static Snapshot snapshot(Incident incident, Var entry, List<Var> path, List<Var> hiders, GuardMarks marks) {
        Map<Var, Boolean> hiding = new IdentityHashMap<>();
        for (Var h : hiders) hiding.put(h, Boolean.TRUE);
        // core nodes keep their edges; their inputs are drawn without theirs
        Map<Var, Boolean> included = new IdentityHashMap<>();
        List<Var> core = new ArrayList<>(path);
        core.addAll(hiders);
        List<Var> order = new ArrayList<>();
        for (Var v : core) if (included.put(v, Boolean.TRUE) == null) order.add(v);
        int coreCount = order.size();
        for (Var v : core) {
            for (Var p : v.parents) if (included.put(p, Boolean.TRUE) == null) order.add(p);
        }
        List<ReportNode> nodes = new ArrayList<>(Math.min(order.size(), MAX_NODES));
        for (int k = 0; k < order.size() && k < MAX_NODES; k++) {
            Var v = order.get(k);
            List<Long> inputs = new ArrayList<>();
            if (k < coreCount) for (Var p : v.parents) inputs.add(p.id);
            nodes.add(new ReportNode(v.id, ReportNames.of(v), v.opName(), v.shape(), range(v),
                    role(incident, v, entry, hiding, marks), inputs));
        }
        return new Snapshot(List.copyOf(nodes), order.size() > MAX_NODES);
    }

    private static ReportNode.Role role(Incident incident, Var v, Var entry, Map<Var, Boolean> hiding, GuardMarks marks) {
        if (v == entry) return ReportNode.Role.ENTRY;
        GuardMarks.Mark value = marks.value(v), grad = marks.gradient(v);
        if ((value != null && value.incident() == incident) || (grad != null && grad.incident() == incident)) {
            return ReportNode.Role.CARRIER;
        }
        if (hiding.containsKey(v)) return ReportNode.Role.HIDER;
        if (value != null && value.allowReason() != null) return ReportNode.Role.ALLOWED;
        return ReportNode.Role.OTHER;
    }

    private static String range(Var v) {
        FiniteStats s = FiniteScan.scan(v.value);
        return s.allFinite() ? "[" + g(s.min()) + ", " + g(s.max()) + "]"
                : s.nanCount() + " NaN, " + (s.posInfCount() + s.negInfCount()) + " Inf";
    }

    private static String g(double v) {
        return String.format("%.3g", v);
    }
}
