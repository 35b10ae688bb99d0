package io.finitegrad.examples.nanlab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.finitegrad.autodiff.limits.Twins;
import io.finitegrad.core.Precision;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code nanlab limits}: every naive/stable pair in every format side by side, where the naive one
 * breaks (a value of the format) and that the stable one does not; {@code --precision} picks one.
 */
class LimitsCommandTest {
    private static int title(List<String> lines, String name, String formula) {
        return lines.indexOf(String.format("%-20s%s", name, formula));
    }

    @Test
    void listsEveryPairInEveryFormatSideBySide() {
        Cli r = Cli.run("limits");
        assertEquals(NanLab.OK, r.code(), r.out() + r.err());
        assertEquals("", r.err());
        List<String> lines = r.out().lines().toList();
        assertTrue(lines.contains("                    fp64                fp32        bf16        fp16"), r.out());
        for (Twins.Twin t : Twins.all()) {
            int at = title(lines, t.name(), t.formula());
            assertTrue(at >= 0, t.name() + " has its title line: " + r.out());
            assertTrue(lines.get(at + 1).startsWith("  naive             -") || lines.get(at + 1).startsWith("  naive             7"),
                    lines.get(at + 1));
            int stable = at + 2;
            while (!lines.get(stable).startsWith("  stable")) {
                assertTrue(lines.get(stable).contains("'"), "an entry line: " + lines.get(stable));
                stable++;
            }
            assertEquals("  stable            none                none        none        none", lines.get(stable), t.name());
        }
        int softmax = title(lines, "softmax", "softmax([x, 0]), x -> 1000");
        assertEquals("  naive             709.7827128933841   88.72284    89.0        11.09", lines.get(softmax + 1));
        assertTrue(lines.get(softmax + 2).contains("value: exp 'naiveSoftmax/exp' (forward, "), lines.get(softmax + 2));
        int bce = title(lines, "binaryCrossEntropy", "binary cross-entropy of sigmoid(x) against 1, x -> -1000");
        assertEquals("  naive             -709.7827128933841  -88.72284   -89.0       -11.09", lines.get(bce + 1));
        for (String line : lines) assertTrue(line.length() <= 80, "80 columns: " + line);
    }

    @Test
    void anEntryThatDiffersBetweenFormatsIsListedPerFormat() {
        List<String> lines = Cli.run("limits").out().lines().toList();
        int softmax = title(lines, "softmax", "softmax([x, 0]), x -> 1000");
        int stable = softmax + 2;
        while (!lines.get(stable).startsWith("  stable")) stable++;
        List<String> entries = lines.subList(softmax + 2, stable);
        // one line for every format with the same entry, else one per group of formats, each named
        assertTrue(entries.size() == 1 && entries.get(0).startsWith("                    value: ")
                || entries.stream().allMatch(l -> l.matches("  (fp64|fp32|bf16|fp16)( (fp32|bf16|fp16))* +value: .*")), entries.toString());
    }

    @Test
    void precisionSelectsOneFormatsColumn() {
        Cli r = Cli.run("limits", "--precision", "fp16");
        assertEquals(NanLab.OK, r.code(), r.out() + r.err());
        List<String> lines = r.out().lines().toList();
        assertTrue(lines.contains("                    fp16"), r.out());
        int softmax = title(lines, "softmax", "softmax([x, 0]), x -> 1000");
        assertEquals("  naive             11.09", lines.get(softmax + 1));
        assertTrue(lines.get(softmax + 2).startsWith("                    value: exp 'naiveSoftmax/exp' (forward, "), lines.get(softmax + 2));
        assertEquals("  stable            none", lines.get(softmax + 3));
        assertFalse(r.out().contains("709.78"), "float64 is not shown");
        assertTrue(Cli.run("limits", "--precision", "bfloat16").out().contains("  naive             89.0\n"));
    }

    @Test
    void anUnknownPrecisionIsAnInputErrorNamingIt() {
        String line = Cli.run("limits", "--precision", "fp8").inputErrorLine();
        assertTrue(line.contains("'fp8'") && line.contains("fp16"), line);
    }

    @Test
    void jsonHasOneObjectPerPairWithEachFormatsNumbers() throws Exception {
        Cli r = Cli.run("limits", "--json");
        assertEquals(NanLab.OK, r.code(), r.out() + r.err());
        JsonNode pairs = JsonMapper.builder().build().readTree(r.out());
        assertEquals(Twins.all().size(), pairs.size(), r.out());
        for (int i = 0; i < pairs.size(); i++) {
            JsonNode p = pairs.get(i);
            assertEquals(Twins.all().get(i).name(), p.get("name").asText());
            for (Precision f : Precision.values()) {
                assertTrue(p.get("naive").get(f.flag()).get("found").asBoolean(), p.toString());
                assertFalse(p.get("stable").get(f.flag()).get("found").asBoolean(), p.toString());
            }
            if (!p.get("name").asText().equals("sigmoid")) {
                assertEquals(11.09375, Math.abs(p.get("naive").get("fp16").get("at").asDouble()), 0.0, p.toString());
                assertEquals(709.7827128933841, Math.abs(p.get("naive").get("fp64").get("at").asDouble()), 0.0, p.toString());
            }
        }
        JsonNode softmax = pairs.get(2).get("naive");
        assertEquals("softmax", pairs.get(2).get("name").asText());
        assertEquals("EXP_OVERFLOW", softmax.get("fp64").get("cause").asText());
        assertEquals("naiveSoftmax/exp", softmax.get("fp16").get("node").asText());
        assertEquals("value", softmax.get("fp16").get("broke").asText());
        assertEquals("11.09", softmax.get("fp16").get("shown").asText());
        assertEquals(11.0859375, softmax.get("fp16").get("lastFinite").asDouble(), 0.0);
        assertEquals(709.782712893384, softmax.get("fp64").get("lastFinite").asDouble(), 0.0);
        JsonNode one = JsonMapper.builder().build().readTree(Cli.run("limits", "--json", "--precision", "bf16").out());
        assertEquals(List.of("bf16"), List.copyOf(iterable(one.get(0).get("naive").fieldNames())));
    }

    private static List<String> iterable(java.util.Iterator<String> it) {
        List<String> out = new java.util.ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }

    @Test
    void helpListsTheCommand() {
        Cli r = Cli.run("--help");
        assertEquals(NanLab.OK, r.code(), r.err());
        assertTrue(r.out().contains("  limits   Where each textbook formula breaks"), r.out());
        assertTrue(Cli.run("limits", "--help").out().contains("--precision"));
    }
}
