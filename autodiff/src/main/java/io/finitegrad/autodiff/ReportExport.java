package io.finitegrad.autodiff;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Graphviz and JSON renderings of a {@link NanReport}. */
final class ReportExport {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ReportExport() {
    }

    static String dot(NanReport r) {
        StringBuilder sb = new StringBuilder("digraph finitegrad {\n  rankdir=BT;\n  node [shape=box, style=filled, fillcolor=white, fontname=\"monospace\"];\n");
        // a float64 graph is drawn as it always was; an emulated one says its format on top
        if (!r.precision().isNative()) {
            sb.append("  labelloc=t;\n  label=\"format: ").append(esc(NanReport.formatLine(r.precision()))).append("\";\n");
        }
        for (ReportNode v : r.graph()) {
            sb.append("  n").append(v.id()).append(" [label=\"").append(esc(v.name())).append("\\n")
                    .append(v.op()).append(' ').append(v.shape()).append("\\n").append(esc(v.range()))
                    .append("\", fillcolor=").append(colour(v.role())).append("];\n");
            for (long p : v.inputs()) sb.append("  n").append(p).append(" -> n").append(v.id()).append(";\n");
        }
        if (r.graphTruncated()) {
            sb.append("  truncated [label=\"... graph truncated at ").append(r.graph().size()).append(" nodes\"];\n");
        }
        return sb.append("}\n").toString();
    }

    private static String colour(ReportNode.Role role) {
        return switch (role) {
            case ENTRY -> "red";
            case CARRIER -> "orange";
            case HIDER -> "yellow";
            case ALLOWED -> "lightgrey";
            case OTHER -> "white";
        };
    }

    static String json(NanReport r) {
        ObjectNode o = JSON.createObjectNode();
        o.put("phase", r.phase().name());
        o.put("op", r.op());
        o.put("label", r.label());
        o.put("entryId", r.entryId());
        o.put("format", r.precision().label());
        o.put("emulated", !r.precision().isNative());
        o.put("cause", r.cause().name());
        o.put("meaning", r.cause().meaning(r.precision()));
        o.put("detail", r.detail());
        if (r.underflow() != null) o.put("underflow", r.underflow());
        o.put("remedy", r.remedy());
        o.put("site", r.site());
        ObjectNode el = o.putObject("element");
        el.put("row", r.row());
        el.put("col", r.col());
        if (r.origin() != null) o.put("origin", r.origin());
        if (r.operand() >= 0) o.put("operand", r.operand());
        ArrayNode in = o.putArray("inputs");
        for (TensorSummary t : r.inputs()) in.add(summary(t));
        if (r.upstream() != null) o.set("upstream", summary(r.upstream()));
        o.set("result", summary(r.output()));
        ArrayNode path = o.putArray("path");
        r.path().forEach(path::add);
        ArrayNode hidden = o.putArray("hiddenBy");
        r.hiddenBy().forEach(hidden::add);
        ArrayNode consequences = o.putArray("consequences");
        r.consequences().forEach(consequences::add);
        ArrayNode reached = o.putArray("poisonedGradients");
        r.reachedGradients().forEach(reached::add);
        ArrayNode allowed = o.putArray("allowedInputs");
        r.allowedInputs().forEach(allowed::add);
        ObjectNode ids = o.putObject("ids"); // the numbered names' JVM-wide ids
        r.numberedIds().forEach(ids::put);
        return o.toPrettyString();
    }

    private static ObjectNode summary(TensorSummary t) {
        ObjectNode o = JSON.createObjectNode();
        o.put("name", t.name());
        o.put("op", t.op());
        o.put("shape", t.shape());
        number(o, "min", t.min());
        number(o, "max", t.max());
        number(o, "headroomOrders", t.headroomOrders());
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

    private static String esc(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }
}
