package io.finitegrad.autodiff.check;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.finitegrad.autodiff.op.Cause;
import io.finitegrad.core.Interval;
import io.finitegrad.core.Tensor;
import java.util.Map;

/** The finiteness report and the per-node intervals as JSON (non-finite ends as strings, as JSON has none). */
final class CheckJson {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private CheckJson() {
    }

    static String report(FinitenessReport r) {
        ObjectNode o = MAPPER.createObjectNode();
        o.put("format", r.format().label());
        o.put("backward", r.backward());
        o.put("certified", r.certified());
        if (r.certified()) {
            ObjectNode c = o.putObject("certificate");
            c.put("paramRadius", r.certificate().paramRadius());
            ObjectNode in = c.putObject("inputs");
            for (Map.Entry<String, Interval> e : r.certificate().inputs().entrySet()) in.set(e.getKey(), interval(e.getValue()));
        }
        number(o, "certifiedRadius", r.certifiedRadius());
        o.put("radiusAtLeast", r.radiusAtLeast());
        o.put("radiusLimit", r.radiusLimit());
        ArrayNode ds = o.putArray("defects");
        for (PotentialDefect d : r.defects()) {
            ObjectNode j = ds.addObject();
            j.put("node", d.node());
            j.put("op", d.op());
            j.put("index", d.index());
            j.put("phase", d.phase().name());
            j.put("operand", d.operand());
            ArrayNode cs = j.putArray("causes");
            for (Cause c : d.causes()) cs.add(c.name());
            ArrayNode rs = j.putArray("ranges");
            d.ranges().forEach(rs::add);
            j.put("widenedMost", d.widenedMost());
            j.put("confirmed", d.confirmed());
            if (d.confirmation() != null) {
                ObjectNode c = j.putObject("confirmation");
                c.put("tries", d.confirmation().tries());
                ObjectNode in = c.putObject("inputs");
                for (Map.Entry<String, Tensor> e : d.confirmation().inputs().entrySet()) in.set(e.getKey(), tensor(e.getValue()));
                ObjectNode ps = c.putObject("params");
                for (Map.Entry<String, Tensor> e : d.confirmation().params().entrySet()) ps.set(e.getKey(), tensor(e.getValue()));
                if (d.confirmation().report() != null) {
                    try {
                        c.set("report", MAPPER.readTree(d.confirmation().report().toJson()));
                    } catch (java.io.IOException e) {
                        throw new IllegalStateException("the guard's report is not JSON", e);
                    }
                }
            }
            ArrayNode fs = j.putArray("fixes");
            for (Fix f : d.fixes()) {
                ObjectNode fj = fs.addObject();
                fj.put("kind", f.kind().name());
                number(fj, "value", f.value());
                fj.put("text", f.text());
                fj.put("verified", f.verified());
            }
        }
        ArrayNode hr = o.putArray("hostReads");
        r.hostReads().forEach(h -> hr.add(h.toString()));
        ArrayNode un = o.putArray("unknownOps");
        r.unknownOps().forEach(un::add);
        ArrayNode fr = o.putArray("frozenInputs");
        r.frozenInputs().forEach(fr::add);
        return o.toString();
    }

    static String bounds(FinitenessReport r) {
        ObjectNode o = MAPPER.createObjectNode();
        o.put("format", r.format().label());
        ArrayNode ns = o.putArray("nodes");
        for (NodeBounds b : r.bounds()) {
            ObjectNode j = ns.addObject();
            j.put("index", b.index());
            j.put("node", b.node());
            j.put("op", b.op());
            j.put("kind", b.kind().name());
            j.set("value", interval(b.value()));
            if (b.grad() != null) j.set("grad", interval(b.grad()));
            number(j, "headroom", b.headroom());
        }
        return o.toString();
    }

    private static ObjectNode interval(Interval i) {
        ObjectNode o = MAPPER.createObjectNode();
        o.put("shape", i.shape());
        ArrayNode lo = o.putArray("lo"), hi = o.putArray("hi");
        for (int k = 0; k < i.size(); k++) {
            add(lo, i.lo(k));
            add(hi, i.hi(k));
        }
        o.put("mayBeNaN", i.mayBeNaN());
        return o;
    }

    private static ObjectNode tensor(Tensor t) {
        ObjectNode o = MAPPER.createObjectNode();
        o.put("shape", t.shape());
        ArrayNode d = o.putArray("data");
        for (double v : t.toFlatArray()) add(d, v);
        return o;
    }

    private static void add(ArrayNode a, double v) {
        if (Double.isFinite(v)) a.add(v);
        else a.add(Double.toString(v));
    }

    private static void number(ObjectNode o, String key, double v) {
        if (Double.isFinite(v)) o.put(key, v);
        else o.put(key, Double.toString(v));
    }
}
