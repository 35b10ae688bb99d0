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
        assertTrue(r.out().contains("Format: float16, the lesson's own (--precision fp64|fp32|bf16|fp16)."), r.out());
        assertTrue(r.out().contains("NaN/Inf entry point (FORWARD): exp 'naiveSoftmaxCrossEntropy/naiveSoftmax/exp'"), r.out());
        assertTrue(r.out().contains("cause:     " + Scenarios.find("7").expected().cause()), r.out());
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
    void runOfTheLearningRateLessonShowsTheRateTheFormatsAndTheWatchdog() {
        Cli r = Cli.run("run", "lr-too-high", "--seed", "0");
        assertEquals(NanLab.NON_FINITE, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("cause:     OVERFLOW"), r.out());
        assertTrue(r.out().contains("* lr 1: first loss 9.743, 24 steps applied, then OVERFLOW at mse/pow"), r.out());
        assertTrue(r.out().replaceAll("\\s+", " ").contains("It breaks in float32, bfloat16 and float16; in float64 it stays finite."),
                r.out());
    }

    @Test
    void precisionChoosesTheFormatOfARunAndTheOutputNamesIt() {
        Cli wide = Cli.run("run", "7", "--quiet", "--precision", "fp32");
        assertEquals(NanLab.OK, wide.code(), "raw Iris's logits stay below float32's 88.72: " + wide.out() + wide.err());
        assertTrue(wide.out().contains("Format: float32 (--precision fp32; the lesson's own is float16)."), wide.out());
        assertTrue(wide.out().contains("No NaN/Inf; loss "), wide.out());
        Cli half = Cli.run("run", "lr-too-high", "--quiet", "--precision", "half");
        assertEquals(NanLab.NON_FINITE, half.code(), half.out() + half.err());
        assertTrue(half.out().contains("Format: float16 (--precision fp16; the lesson's own is float32)."), half.out());
        for (String c : List.of("run 5", "tour", "train --data x.csv --label y", "predict --model m --data x.csv")) {
            List<String> args = new java.util.ArrayList<>(List.of(c.split(" ")));
            args.addAll(List.of("--precision", "fp8"));
            String line = Cli.run(args.toArray(new String[0])).inputErrorLine();
            assertTrue(line.contains("--precision: unknown 'fp8', expected one of fp64, fp32, bf16, fp16"), c + ": " + line);
        }
    }

    @Test
    void listShowsEighteenLessonsAndTheLessonTextSaysWhereItBreaks() {
        Cli r = Cli.run("list");
        assertTrue(r.out().contains(" 17  fp16-overflow ") && r.out().contains(" 18  fp16-underflow "), r.out());
        Cli lesson = Cli.run("run", "18");
        assertEquals(NanLab.OK, lesson.code(), "a frozen run meets no NaN: " + lesson.out() + lesson.err());
        String text = lesson.out().replaceAll("\\s+", " ");
        assertTrue(text.contains("It breaks in float16; in float64, float32 and bfloat16 it trains."), text);
        assertTrue(text.contains("80 of 80 steps had a gradient global norm of exactly 0"), text);
    }

    /**
     * One tour, the slowest command: every lesson before its tables, both tables in 80 columns, every
     * lesson holding in every format, and the README's copy of the tables being what it prints.
     */
    @Test
    void tourRunsEveryLessonAndEndsWithBothTablesAsTheReadmeShowsThem() {
        Cli r = Cli.run("tour");
        assertEquals(NanLab.OK, r.code(), r.out() + r.err());
        String out = r.out();
        int table = out.indexOf("Where NaN entered, and the loss after the fix:");
        assertTrue(table > 0, out);
        String tail = out.substring(table);
        for (Scenario s : Scenarios.all()) {
            assertTrue(out.indexOf("== Lesson " + s.number() + ": ") < table, "lesson " + s.number() + " before the table");
            assertTrue(tail.contains(s.number() + " " + s.name()), tail);
            assertTrue(tail.replaceAll("\\s+", " ").contains("fix: " + s.fix()), tail);
        }
        assertTrue(tail.matches("(?s).*16 masked-branch +fp32 +BACKWARD +maskedNll/log +ZERO_TIMES_INF +0\\.0\\d+\n.*"), tail);
        assertTrue(tail.matches("(?s).*5 lr-too-high +fp32 +FORWARD +mse/pow +OVERFLOW +0\\.\\d+\n.*"), tail);
        assertTrue(tail.matches("(?s).*7 softmax-overflow +fp16 +FORWARD +\\.\\.\\.\\S*Softmax/exp +\\S+ .*"),
                "long node names keep their end: " + tail);
        // the formats table: where each broken run breaks, where each fixed run trains
        assertTrue(tail.matches("(?s).*\n7 softmax-overflow +fp16 +fp16 +fp64 fp32 bf16 fp16\n.*"), tail);
        assertTrue(tail.matches("(?s).*\n8 custom-loss-div +fp32 +fp64 fp32 bf16 fp16 +fp64 fp32 bf16 fp16\n.*"), tail);
        assertTrue(tail.matches("(?s).*\n18 fp16-underflow +fp16 +fp16 +fp64 fp32 bf16 fp16\n.*"), tail);
        for (String line : tail.lines().toList()) assertTrue(line.length() <= 80, "80 columns: " + line);
        assertFalse(tail.contains("DID NOT HOLD"), tail);
        assertTrue(tail.strip().endsWith("next to its stable twin: nanlab limits"), "the tour points to limits: " + tail);
        List<String> tables = tail.substring(0, tail.indexOf("\nWhere each textbook formula breaks")).lines().toList();
        io.finitegrad.examples.Readme.Fence block = io.finitegrad.examples.Readme.fenceAfter(io.finitegrad.examples.Readme.lines(),
                "`java -jar examples/target/nanlab.jar tour --quiet`");
        io.finitegrad.examples.Readme.sync(block, tables, "the tables nanlab tour prints");
    }
}
