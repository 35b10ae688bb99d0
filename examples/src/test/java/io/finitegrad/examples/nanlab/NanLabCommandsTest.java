package io.finitegrad.examples.nanlab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code list}, {@code run} and {@code tour} as a user runs them: output, and exit codes 0 / 1 / 2. */
class NanLabCommandsTest {
    @Test
    void listShowsOneLinePerScenarioWithNumberNameAndWhatBreaks() {
        Cli r = Cli.run("list");
        assertEquals(0, r.code(), r.err());
        List<String> lines = r.out().lines().toList();
        for (String line : lines) assertTrue(line.length() <= 80, "80 columns: " + line);
        // an entry is its first line and the lines indented under it, what breaks wrapped
        List<String> entries = new java.util.ArrayList<>();
        for (String line : lines) {
            if (line.matches("\\s*\\d+  \\S.*")) entries.add(line);
            else entries.set(entries.size() - 1, entries.get(entries.size() - 1) + " " + line.strip());
        }
        assertEquals(Scenarios.all().size(), entries.size(), r.out());
        for (int i = 0; i < entries.size(); i++) {
            Scenario s = Scenarios.all().get(i);
            assertTrue(entries.get(i).matches("\\s*" + s.number() + "\\s+" + s.name() + "\\s+.+"), entries.get(i));
            assertTrue(entries.get(i).endsWith(s.breaks()), entries.get(i));
        }
    }

    @Test
    void runOfABrokenScenarioThatBreaksPrintsTheReportAndExits1() {
        Cli r = Cli.run("run", "7", "--quiet");
        assertEquals(NanLab.NON_FINITE, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("NaN/Inf entry point (FORWARD): exp 'naiveSoftmaxCrossEntropy/naiveSoftmax/exp'"), r.out());
        assertTrue(r.out().contains("cause:     EXP_OVERFLOW"), r.out());
        assertTrue(r.out().contains("Training diverged at epoch"), r.out());
        assertEquals("", r.err());
    }

    @Test
    void aBrokenLessonWhoseLessonIsNotANaNAndAFixedRunExit0() {
        Cli saturation = Cli.run("run", "4", "--quiet");
        assertEquals(NanLab.OK, saturation.code(), saturation.out() + saturation.err());
        assertFalse(saturation.out().contains("NaN/Inf entry point"), saturation.out());
        Cli fixed = Cli.run("run", "7", "--fixed", "--quiet");
        assertEquals(NanLab.OK, fixed.code(), fixed.out() + fixed.err());
        assertTrue(fixed.out().contains("Loss after the fix: "), fixed.out());
    }

    @Test
    void runInWarnModeShowsTheFiniteLossThenBothReportsAndExits1() {
        Cli r = Cli.run("run", "masked-branch");
        assertEquals(NanLab.NON_FINITE, r.code(), r.out() + r.err());
        String out = r.out();
        int lesson = out.indexOf("Guard mode of the broken run: WARN");
        int loss = out.indexOf("The loss is finite: ");
        int forward = out.indexOf("NaN/Inf entry point (FORWARD): log");
        int backward = out.indexOf("then:      backward through log 'maskedNll/log', gradient to operand 0 'p(target)': ZERO_TIMES_INF");
        assertTrue(lesson >= 0 && lesson < loss && loss < forward && forward < backward, out);
        assertFalse(out.contains("NaN/Inf entry point (BACKWARD)"), "the backward NaN is the forward entry's consequence: " + out);
        assertTrue(out.contains("cause:     LOG_OF_ZERO"), out);
        assertTrue(out.contains("hidden by: "), out);
        assertTrue(out.contains("created:   MaskedBranch.java:") && out.contains(" (MaskedBranch.maskedNll)"), out);
    }

    @Test
    void runFixedShowsTheRemedyTrainingAndExits0() {
        for (String s : List.of("5", "7", "16")) {
            Cli r = Cli.run("run", s, "--fixed", "--quiet");
            assertEquals(NanLab.OK, r.code(), s + ": " + r.out() + r.err());
            assertTrue(r.out().contains("Fix: ") && r.out().contains("Loss after the fix: "), r.out());
            assertFalse(r.out().contains("NaN/Inf entry point"), r.out());
        }
    }

    @Test
    void runOfTheLearningRateLessonShowsBothRatesAndTheWatchdog() {
        Cli r = Cli.run("run", "lr-too-high", "--seed", "0");
        assertEquals(NanLab.NON_FINITE, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("cause:     OVERFLOW"), r.out());
        assertTrue(r.out().contains("* lr 1: ") && r.out().contains("* lr 100: "), r.out());
    }

    @Test
    void tourRunsEveryLessonAndEndsWithTheTableInUnderAMinute() {
        long t0 = System.currentTimeMillis();
        Cli r = Cli.run("tour");
        double seconds = (System.currentTimeMillis() - t0) / 1e3;
        assertEquals(NanLab.OK, r.code(), r.out() + r.err());
        assertTrue(seconds < 60, "the tour took " + seconds + " s");
        String out = r.out();
        int table = out.indexOf("Where NaN entered, and the loss after the fix:");
        assertTrue(table > 0, out);
        String tail = out.substring(table);
        for (Scenario s : Scenarios.all()) {
            assertTrue(out.indexOf("== Lesson " + s.number() + ": ") < table, "lesson " + s.number() + " before the table");
            assertTrue(tail.contains(s.number() + " " + s.name()), tail);
            assertTrue(tail.replaceAll("\\s+", " ").contains("fix: " + s.fix()), tail);
        }
        assertTrue(tail.matches("(?s).*16 masked-branch +BACKWARD +maskedNll/log +ZERO_TIMES_INF +0\\.0\\d+\n.*"), tail);
        assertTrue(tail.matches("(?s).*5 lr-too-high +FORWARD +mse/pow +OVERFLOW +0\\.\\d+\n.*"), tail);
        assertTrue(tail.matches("(?s).*7 softmax-overflow +FORWARD +\\.\\.\\.\\S*/naiveSoftmax/exp +EXP_OVERFLOW .*"), "long node names keep their end: " + tail);
        for (String line : tail.lines().toList()) assertTrue(line.length() <= 80, "80 columns: " + line);
        assertFalse(tail.contains("DID NOT HOLD"), tail);
        assertTrue(tail.strip().endsWith("next to its stable twin: nanlab limits"), "the tour points to limits: " + tail);
    }
}
