package io.finitegrad.examples.nanlab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.finitegrad.autodiff.limits.Twins;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code nanlab limits}: every naive/stable pair, where the naive one breaks and that the stable one does not. */
class LimitsCommandTest {
    @Test
    void listsEveryPairWithTheNaiveBreakingPointAndNoneForTheStableTwin() {
        Cli r = Cli.run("limits");
        assertEquals(NanLab.OK, r.code(), r.out() + r.err());
        assertEquals("", r.err());
        List<String> lines = r.out().lines().toList();
        for (Twins.Twin t : Twins.all()) {
            int at = lines.indexOf(String.format("%-20s%s", t.name(), t.formula()));
            assertTrue(at >= 0, t.name() + " has its title line: " + r.out());
            assertTrue(lines.get(at + 1).startsWith("  naive   x = "), lines.get(at + 1));
            assertTrue(lines.get(at + 2).startsWith("          ") && lines.get(at + 2).contains("'"), "the entry: " + lines.get(at + 2));
            assertTrue(lines.get(at + 3).startsWith("  stable  none in ["), lines.get(at + 3));
        }
        int softmax = lines.indexOf(String.format("%-20s%s", "softmax", "softmax([x, 0]), x -> 1000"));
        assertEquals("  naive   x = 709.7827128933841   value", lines.get(softmax + 1));
        assertEquals("          exp 'naiveSoftmax/exp' (forward, EXP_OVERFLOW)", lines.get(softmax + 2));
        int sigmoid = lines.indexOf(String.format("%-20s%s", "sigmoid", "sigmoid(x), x -> -1000"));
        assertEquals("  naive   x = -709.7827128933841  gradient", lines.get(sigmoid + 1));
        assertTrue(lines.get(sigmoid + 2).contains("exp 'naiveSigmoid/exp'"), lines.get(sigmoid + 2));
        long stable = lines.stream().filter(l -> l.startsWith("  stable  ")).count();
        assertEquals(Twins.all().size(), stable, r.out());
        assertTrue(lines.stream().filter(l -> l.startsWith("  stable  ")).allMatch(l -> l.contains("none in [")), r.out());
        for (String line : lines) assertTrue(line.length() <= 80, "80 columns: " + line);
    }

    @Test
    void jsonHasOneObjectPerPairWithTheNumbers() throws Exception {
        Cli r = Cli.run("limits", "--json");
        assertEquals(NanLab.OK, r.code(), r.out() + r.err());
        JsonNode pairs = JsonMapper.builder().build().readTree(r.out());
        assertEquals(Twins.all().size(), pairs.size(), r.out());
        for (int i = 0; i < pairs.size(); i++) {
            JsonNode p = pairs.get(i);
            assertEquals(Twins.all().get(i).name(), p.get("name").asText());
            assertTrue(p.get("naive").get("found").asBoolean(), p.toString());
            assertEquals(709.7827128933841, Math.abs(p.get("naive").get("at").asDouble()), 0.0, p.toString());
            assertFalse(p.get("stable").get("found").asBoolean(), p.toString());
        }
        JsonNode softmax = pairs.get(2);
        assertEquals("softmax", softmax.get("name").asText());
        assertEquals("EXP_OVERFLOW", softmax.get("naive").get("cause").asText());
        assertEquals("naiveSoftmax/exp", softmax.get("naive").get("node").asText());
        assertEquals("value", softmax.get("naive").get("broke").asText());
        assertEquals(709.782712893384, softmax.get("naive").get("lastFinite").asDouble(), 0.0);
    }

    @Test
    void helpListsTheCommand() {
        Cli r = Cli.run("--help");
        assertEquals(NanLab.OK, r.code(), r.err());
        assertTrue(r.out().contains("  limits   Where each textbook formula breaks"), r.out());
    }
}
