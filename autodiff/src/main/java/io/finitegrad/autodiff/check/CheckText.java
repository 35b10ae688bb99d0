package io.finitegrad.autodiff.check;

import io.finitegrad.autodiff.NanReport;
import io.finitegrad.core.Tensor;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** The finiteness report as text and as Graphviz. */
final class CheckText {
    private CheckText() {
    }

    static String text(FinitenessReport r) {
        StringBuilder sb = new StringBuilder();
        String phases = r.backward() ? "forward and backward" : "forward";
        sb.append("Finiteness check (").append(phases).append(", ").append(r.format().label()).append("): ");
        if (r.certified()) sb.append("CERTIFIED\n  ").append(r.certificate().toString().replace("\n", "\n  ")).append('\n');
        else if (r.defects().isEmpty()) sb.append("NOT CERTIFIABLE (no defect found, but see below)\n");
        else {
            long confirmed = r.confirmed().size();
            sb.append(r.defects().size()).append(" potential defect").append(r.defects().size() == 1 ? "" : "s")
                    .append(", ").append(confirmed).append(" confirmed\n");
        }
        int i = 1;
        for (PotentialDefect d : r.defects()) {
            sb.append('\n').append(i++).append(". ").append(d.where()).append('\n');
            sb.append("   may be: ").append(d.causes()).append('\n');
            for (String range : d.ranges()) sb.append("   operand ").append(range).append('\n');
            Confirmation c = d.confirmation();
            if (c == null) sb.append("   not searched for a confirming input\n");
            else if (c.confirmed()) {
                sb.append("   CONFIRMED after ").append(c.tries()).append(c.tries() == 1 ? " run" : " runs")
                        .append(" on input ").append(brief(c.inputs())).append('\n');
                if (!c.params().isEmpty()) sb.append("   with parameters moved: ").append(c.params().keySet()).append('\n');
                NanReport rep = c.report();
                sb.append("   guard: ").append(rep.cause()).append(" at '").append(rep.label()).append("': ")
                        .append(rep.detail()).append('\n');
            } else {
                sb.append("   unconfirmed after ").append(c.tries()).append(" runs (may be the intervals' over-approximation");
                sb.append(d.widenedMost().isEmpty() ? ")" : "; widened most by " + d.widenedMost() + ")").append('\n');
            }
            for (Fix f : d.fixes()) sb.append("   fix: ").append(f).append('\n');
        }
        for (var h : r.hostReads()) {
            sb.append("\nnot certifiable: the model read ").append(h)
                    .append(" while traced; the graph depends on that value\n");
        }
        for (String u : r.unknownOps()) sb.append("\nnot certifiable: no range transfer for ").append(u).append('\n');
        if (!r.frozenInputs().isEmpty()) {
            sb.append("\nheld at their traced values (made by the model, not declared): ").append(r.frozenInputs()).append('\n');
        }
        if (!Double.isNaN(r.certifiedRadius())) {
            sb.append(String.format(Locale.ROOT, "\nlargest certified parameter radius: %s%.4g", r.radiusAtLeast() ? "at least " : "",
                    r.certifiedRadius()));
            if (!r.radiusLimit().isEmpty()) sb.append("\n  just beyond it the first node that can fail is ").append(r.radiusLimit());
            sb.append('\n');
        } else if (!r.defects().isEmpty() && !r.radiusLimit().isEmpty()) {
            sb.append("\nlargest certified parameter radius: none (the current weights can fail)\n");
        }
        sb.append("\nthe analysis cannot see: data outside these ranges, weights beyond the radius, host-side decisions\n");
        return sb.toString();
    }

    static String brief(Map<String, Tensor> in) {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, Tensor> e : in.entrySet()) {
            if (sb.length() > 0) sb.append(", ");
            Tensor t = e.getValue();
            sb.append(e.getKey()).append(" = ");
            if (t.size() <= 4) sb.append(java.util.Arrays.toString(t.toFlatArray()));
            else sb.append(t.shape()).append(" ").append(java.util.Arrays.toString(
                    java.util.Arrays.copyOf(t.toFlatArray(), 3)).replace("]", ", ...]"));
        }
        return sb.toString();
    }

    static String dot(FinitenessReport r, List<long[]> edges) {
        Set<Integer> flagged = new HashSet<>();
        for (PotentialDefect d : r.defects()) flagged.add(d.index());
        StringBuilder sb = new StringBuilder("digraph finiteness {\n  rankdir=BT;\n  node [shape=box, style=filled, fontname=\"monospace\"];\n");
        for (NodeBounds b : r.bounds()) {
            String colour = flagged.contains(b.index()) ? "#f4a3a3" : b.headroom() < 2 ? "#f7c98b"
                    : b.headroom() < 10 ? "#f7f0a0" : "#c8e6c9";
            String head = Double.isInfinite(b.headroom()) ? "all 0" : String.format(Locale.ROOT, "headroom 1e%.0f", b.headroom());
            sb.append("  n").append(b.index()).append(" [label=\"").append(escape(b.node())).append("\\n").append(escape(b.op()))
                    .append("\\n").append(escape(b.value().toString())).append("\\n").append(head)
                    .append("\", fillcolor=\"").append(colour).append("\"];\n");
        }
        for (long[] e : edges) sb.append("  n").append(e[0]).append(" -> n").append(e[1]).append(";\n");
        return sb.append("}\n").toString();
    }

    private static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }
}
