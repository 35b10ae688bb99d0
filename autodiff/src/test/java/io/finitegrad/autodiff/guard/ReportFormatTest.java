package io.finitegrad.autodiff.guard;

import static io.finitegrad.autodiff.guard.Guarded.warn;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.finitegrad.autodiff.FiniteGuard;
import io.finitegrad.autodiff.NaiveOps;
import io.finitegrad.autodiff.NanReport;
import io.finitegrad.autodiff.NonFiniteException;
import io.finitegrad.autodiff.Var;
import io.finitegrad.core.Tensor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The three renderings of a report: readable text, Graphviz, JSON; and the exception type. */
@SuppressWarnings("try") // scopes are opened for their effect on the nodes created inside
class ReportFormatTest {
    private static final Pattern DOT_NODE = Pattern.compile("^\\s*n(\\d+) \\[label=\"[^\"]*\", fillcolor=(\\w+)\\];$",
            Pattern.MULTILINE);

    /** The naive softmax overflow: entry exp, propagated by sumRows and div. */
    private static Guarded.Run<Var> naiveSoftmax() {
        return warn(() -> NaiveOps.softmax(Var.input("logits", Tensor.row(1000, 1, 0))));
    }

    @Test
    void toStringHasCauseLabelSiteRemedyAndPath() {
        NanReport r = naiveSoftmax().reports().get(0);
        String s = r.toString();
        assertTrue(s.contains("EXP_OVERFLOW"), s);
        assertTrue(s.contains("'naiveSoftmax/exp'"), s);
        assertTrue(s.contains(r.site()) && r.site().startsWith("ReportFormatTest.java:"), s);
        assertTrue(s.contains(r.remedy()), s);
        assertTrue(s.contains("naiveSoftmax/exp (exp) -> naiveSoftmax/sumRows (sumRows) -> naiveSoftmax/div (div)"), s);
        assertTrue(s.contains("1000.0"), "the detail names the offending operand value: " + s);
    }

    @Test
    void toDotIsADigraphWithTheEntryRedAndThePropagationOrange() {
        Guarded.Run<Var> run = naiveSoftmax();
        NanReport r = run.reports().get(0);
        Var div = run.result();
        Var sumRows = div.parents().get(1);
        Var exp = div.parents().get(0);
        Var logits = exp.parents().get(0);
        assertEquals(exp.id(), r.entryId());
        String dot = r.toDot();
        assertTrue(dot.startsWith("digraph"), dot);
        assertTrue(dot.trim().endsWith("}"), dot);
        Map<Long, String> colours = new HashMap<>();
        Matcher m = DOT_NODE.matcher(dot);
        while (m.find()) colours.put(Long.parseLong(m.group(1)), m.group(2));
        assertEquals(Map.of(div.id(), "orange", exp.id(), "red", sumRows.id(), "orange", logits.id(), "white"),
                colours, dot);
        assertTrue(dot.contains("n" + exp.id() + " -> n" + sumRows.id() + ";"), dot);
        assertTrue(dot.contains("n" + sumRows.id() + " -> n" + div.id() + ";"), dot);
    }

    @Test
    void toJsonParsesWithJacksonAndHasTheReportFields() throws Exception {
        NanReport r = naiveSoftmax().reports().get(0);
        JsonNode j = new ObjectMapper().readTree(r.toJson());
        assertEquals("FORWARD", j.get("phase").asText());
        assertEquals("exp", j.get("op").asText());
        assertEquals("naiveSoftmax/exp", j.get("label").asText());
        assertEquals("EXP_OVERFLOW", j.get("cause").asText());
        assertEquals(r.site(), j.get("site").asText());
        assertEquals(0, j.get("element").get("row").asInt());
        assertEquals(0, j.get("element").get("col").asInt());
        List<String> path = new ArrayList<>();
        j.get("path").forEach(n -> path.add(n.asText()));
        assertEquals(r.path(), path);
        assertEquals("Infinity", j.get("result").get("valueAtElement").asText(), "non-finite numbers are strings");
    }

    @Test
    void backwardReportJsonNamesTheOperand() throws Exception {
        Var x = Var.param("x", Tensor.row(4, 0));
        NanReport r = warn(() -> {
            x.sqrt().sum().backward();
            return x;
        }).reports().get(0);
        JsonNode j = new ObjectMapper().readTree(r.toJson());
        assertEquals("BACKWARD", j.get("phase").asText());
        assertEquals("sqrt", j.get("op").asText());
        assertEquals("DIV_BY_ZERO", j.get("cause").asText());
        assertEquals(0, j.get("operand").asInt());
        assertEquals(1, j.get("element").get("col").asInt());
        assertEquals("x", j.get("poisonedGradients").get(0).asText());
    }

    @Test
    void nonFiniteExceptionIsAnArithmeticExceptionCarryingTheReport() {
        try (FiniteGuard.Scope g = FiniteGuard.mode(FiniteGuard.Mode.THROW)) {
            Var zero = Var.input("zero", Tensor.scalar(0));
            ArithmeticException e = assertThrows(ArithmeticException.class, zero::log);
            NonFiniteException nfe = assertInstanceOf(NonFiniteException.class, e);
            assertEquals(nfe.report().toString(), e.getMessage());
            assertEquals("log", nfe.report().op());
        }
    }
}
