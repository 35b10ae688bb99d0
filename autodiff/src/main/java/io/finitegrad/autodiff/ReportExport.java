package io.finitegrad.autodiff;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.finitegrad.core.FiniteScan;
import io.finitegrad.core.FiniteStats;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Set;

/** Graphviz and JSON renderings of a {@link NanReport}. */
final class ReportExport {
    private static final int MAX_DOT_NODES = 5000;
    private static final ObjectMapper JSON = new ObjectMapper();

    private ReportExport() {
    }

    static String dot(NanReport r) {
        StringBuilder sb = new StringBuilder("digraph finitegrad {\n  rankdir=BT;\n  node [shape=box, style=filled, fillcolor=white, fontname=\"monospace\"];\n");
        Set<Var> hiders = new HashSet<>(r.hiders);
        Set<Var> seen = new HashSet<>();
        ArrayDeque<Var> todo = new ArrayDeque<>();
        todo.add(r.root());
        seen.add(r.root());
        int emitted = 0;
        while (!todo.isEmpty()) {
            Var v = todo.poll();
            if (++emitted > MAX_DOT_NODES) {
                sb.append("  truncated [label=\"... graph truncated at ").append(MAX_DOT_NODES).append(" nodes\"];\n");
                break;
            }
            String color = v == r.entry ? "red"
                    : (v.nonFinite && v.origin == r) || (v.gradNonFinite && v.gradOrigin == r) ? "orange"
                    : hiders.contains(v) ? "yellow"
                    : v.nonFinite && v.allowReason != null ? "lightgrey" : "white";
            FiniteStats s = FiniteScan.scan(v.value);
            String range = s.allFinite() ? "[" + g(s.min()) + ", " + g(s.max()) + "]"
                    : s.nanCount() + " NaN, " + (s.posInfCount() + s.negInfCount()) + " Inf";
            sb.append("  n").append(v.id).append(" [label=\"").append(esc(v.name())).append("\\n")
                    .append(v.opName()).append(' ').append(v.shape()).append("\\n").append(esc(range))
                    .append("\", fillcolor=").append(color).append("];\n");
            for (Var p : v.parents) {
                sb.append("  n").append(p.id).append(" -> n").append(v.id).append(";\n");
                if (seen.add(p)) todo.add(p);
            }
        }
        return sb.append("}\n").toString();
    }

    static String json(NanReport r) {
        ObjectNode o = JSON.createObjectNode();
        o.put("phase", r.phase.name());
        o.put("op", r.op);
        o.put("label", r.label);
        o.put("cause", r.cause.name());
        o.put("meaning", r.cause.meaning());
        o.put("detail", r.detail);
        o.put("remedy", r.remedy);
        o.put("site", r.site);
        ObjectNode el = o.putObject("element");
        el.put("row", r.row);
        el.put("col", r.col);
        if (r.operand >= 0) o.put("operand", r.operand);
        ArrayNode in = o.putArray("inputs");
        for (TensorSummary t : r.inputs) in.add(summary(t));
        if (r.upstream != null) o.set("upstream", summary(r.upstream));
        o.set("result", summary(r.output));
        ArrayNode path = o.putArray("path");
        r.path().forEach(path::add);
        ArrayNode hidden = o.putArray("hiddenBy");
        r.hiddenBy().forEach(hidden::add);
        ArrayNode reached = o.putArray("poisonedGradients");
        r.reachedGradients().forEach(reached::add);
        ArrayNode allowed = o.putArray("allowedInputs");
        r.allowed.forEach(allowed::add);
        return o.toPrettyString();
    }

    private static ObjectNode summary(TensorSummary t) {
        ObjectNode o = JSON.createObjectNode();
        o.put("name", t.name());
        o.put("op", t.op());
        o.put("shape", t.shape());
        number(o, "min", t.min());
        number(o, "max", t.max());
        o.put("nan", t.nanCount());
        o.put("posInf", t.posInfCount());
        o.put("negInf", t.negInfCount());
        if (!t.allFinite()) {
            o.put("firstBadRow", t.firstBadRow());
            o.put("firstBadCol", t.firstBadCol());
        }
        if (t.hasValueAtElement()) number(o, "valueAtElement", t.valueAtElement());
        return o;
    }

    /** JSON has no NaN/Infinity: those are written as strings. */
    private static void number(ObjectNode o, String key, double v) {
        if (Double.isFinite(v)) o.put(key, v);
        else o.put(key, Double.toString(v));
    }

    private static String g(double v) {
        return String.format("%.3g", v);
    }

    private static String esc(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }
}
