package io.finitegrad.autodiff.guard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.finitegrad.autodiff.FiniteGuard;
import io.finitegrad.autodiff.GuardScope;
import io.finitegrad.autodiff.NanReport;
import io.finitegrad.autodiff.NonFiniteException;
import io.finitegrad.autodiff.ReportNode;
import io.finitegrad.autodiff.Var;
import io.finitegrad.core.Tensor;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * A report numbers its unlabelled nodes itself (#1, #2, ... in the order it lists them), so its
 * text is the same wherever in a JVM's life the graph was built; the JVM-wide ids stay for identity.
 */
@SuppressWarnings("try") // guard scopes are opened for their effect
class ReportNumberingTest {
    /** A '#' followed by a number, as in an unlabelled node's name. */
    private static final Pattern NUMBERED = Pattern.compile("#(\\d+) ");

    /** x (with a NaN) -> matmul -> sub -> where (hides it) -> sum, unlabelled but the ends, in WARN mode. */
    private static NanReport maskedNaN() {
        try (FiniteGuard.Scope warn = FiniteGuard.mode(FiniteGuard.Mode.WARN)) {
            Var x = Var.input("x", Tensor.of(new double[][] {{1, 2}, {Double.NaN, 4}}));
            Var w = Var.param("w", Tensor.of(new double[][] {{0.5}, {-1}}));
            Var d = x.matmul(w).sub(Var.constant(1));
            Var loss = d.where(Tensor.of(new double[][] {{1}, {0}}), Var.constant(0)).sum().label("loss");
            loss.backward();
            assertEquals(1, warn.reports().size(), warn.reports().toString());
            return warn.reports().get(0);
        }
    }

    private static void buildUnrelatedNodes(int n) {
        Var v = Var.constant(1);
        for (int i = 0; i < n; i++) v = v.add(1);
    }

    @Test
    void twoReportsOfTheSameGraphMadeAtDifferentIdsReadTheSame() throws Exception {
        NanReport first = maskedNaN();
        buildUnrelatedNodes(1000);
        NanReport second = maskedNaN();
        assertNotEquals(first.entryId(), second.entryId(), "the JVM-wide ids differ");
        assertEquals(first.toString(), second.toString());
        assertEquals(first.path(), second.path());
        assertEquals(first.graph().stream().map(ReportNode::name).toList(),
                second.graph().stream().map(ReportNode::name).toList());
        assertEquals(withoutIds(first.toJson()), withoutIds(second.toJson()));
    }

    private static JsonNode withoutIds(String json) throws Exception {
        ObjectNode o = (ObjectNode) new ObjectMapper().readTree(json);
        o.remove("entryId");
        o.remove("ids");
        return o;
    }

    @Test
    void unlabelledNodesAreNumberedInTheOrderTheReportListsThem() {
        NanReport r = maskedNaN();
        assertEquals(List.of("x (input)", "#1 matmul (matmul)", "#2 sub (sub)"), r.path());
        assertEquals(List.of("#3 where (where)"), r.hiddenBy());
        String text = r.toString();
        assertTrue(text.contains("path:      x (input) -> #1 matmul (matmul) -> #2 sub (sub)\n"), text);
        assertTrue(text.contains("hidden by: #3 where (where)"), text);
        // nodes only in the graph (the constants read by the path) come after those in the text
        List<String> graphNames = r.graph().stream().map(ReportNode::name).toList();
        assertTrue(graphNames.containsAll(List.of("#1 matmul", "#2 sub", "#3 where", "#4 const", "#5 const")),
                graphNames.toString());
        var m = NUMBERED.matcher(text);
        while (m.find()) assertTrue(Integer.parseInt(m.group(1)) <= 5, "a JVM-wide id in the text: " + text);
    }

    @Test
    void theSameNodeHasOneNumberThroughoutAReport() {
        Var x = Var.input("x", Tensor.row(0, 1));
        NonFiniteException e = assertThrows(NonFiniteException.class, () -> x.mul(Var.constant(2)).log());
        NanReport r = e.report();
        assertEquals("#1 log", r.label());
        assertTrue(e.getMessage().startsWith("NaN/Inf entry point (FORWARD): log '#1 log'"), e.getMessage());
        assertTrue(e.getMessage().contains("input 0:   '#2 mul' (mul)"), e.getMessage());
        assertTrue(e.getMessage().contains("result:    '#1 log' (log)"), e.getMessage());
        assertTrue(r.detail().contains("'#2 mul'"), r.detail());
        assertEquals("#1 log (log)", r.path().get(0));
    }

    @Test
    void anAllowedInputAndTheMarkedNodeItDerivesFromAreNumberedToo() {
        Var mask;
        try (GuardScope allow = FiniteGuard.allowNonFinite("causal mask")) {
            mask = Var.constant(Tensor.row(Double.NEGATIVE_INFINITY, 0));
        }
        Var scores = mask.add(Var.input("x", Tensor.row(1, 2)));
        NonFiniteException e = assertThrows(NonFiniteException.class, () -> scores.sub(mask));
        NanReport r = e.report();
        assertEquals("#1 sub", r.label());
        assertEquals(List.of("'#2 add' (derived from '#3 const': causal mask)", "'#3 const' (causal mask)"),
                r.allowedInputs());
        assertEquals(Map.of("#1 sub", r.entryId(), "#2 add", scores.id(), "#3 const", mask.id()), r.numberedIds());
    }

    @Test
    void theJsonCarriesTheGlobalIdsOfTheNumberedNodes() throws Exception {
        Var x = Var.input("x", Tensor.row(0, 1));
        Var m = x.mul(Var.constant(2));
        NonFiniteException e = assertThrows(NonFiniteException.class, m::log);
        NanReport r = e.report();
        JsonNode j = new ObjectMapper().readTree(r.toJson());
        assertEquals(r.entryId(), j.get("entryId").asLong());
        assertEquals("#1 log", j.get("label").asText());
        assertEquals(m.id(), j.get("ids").get("#2 mul").asLong());
        assertEquals(r.entryId(), j.get("ids").get("#1 log").asLong());
        assertEquals(Map.of("#1 log", r.entryId(), "#2 mul", m.id()), r.numberedIds());
        assertFalse(m.name().startsWith("#2 "), "Var.name() keeps the JVM-wide id: " + m.name());
    }
}
