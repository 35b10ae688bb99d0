package io.finitegrad.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Results reads JMH's JSON (the committed fixture in src/test/resources/jmh-fixture) into the ratios. */
class ResultsTest {
    private static final Path FIXTURE = Path.of("src/test/resources/jmh-fixture");

    @Test
    void rowsHoldTheMedianInMicrosecondsAndTheAllocation() throws Exception {
        JmhRows rows = JmhRows.read(FIXTURE);
        JmhRows.Row on = rows.find("MlpStepBench.trainingStep", "config", "C", "guard", "THROW");
        assertEquals(31, on.medianMicros(), 1e-12, "the median of 40, 30, 31, 29, 100, not their mean");
        assertEquals(1.5, on.errorMicros(), 1e-12);
        assertEquals(3000, on.allocBytes(), 1e-12);
        assertEquals(310, rows.find("PyTorchStepBench.trainingStep", "config", "C").medianMicros(), 1e-9, "ms/op in µs");
        assertTrue(Double.isNaN(rows.find("PyTorchStepBench.trainingStep").errorMicros()), "JMH's \"NaN\" error");
        assertEquals(1e4, rows.find("GemmBench.multiply", "shape", "256x256x256").medianMicros(), 1e-6, "0.1 ops/ms is 10 ms per op");
        assertEquals(null, rows.find("MlpStepBench.trainingStep", "config", "A"));
    }

    @Test
    void everyRatioIsComputedAndJudgedAgainstItsGoal() throws Exception {
        Map<String, Results.Ratio> r = Results.of(FIXTURE).ratios().stream()
                .collect(Collectors.toMap(Results.Ratio::label, q -> q));
        assertEquals(31.0 / 25, r.get("C: guard on / off").value(), 1e-12);
        assertEquals(28.0 / 25, r.get("C: guard on, no sites / off").value(), 1e-12);
        assertEquals("missed by 7%", r.get("C: guard on, no sites / off").verdict(), "1.12 against 1.05");
        assertEquals(31.0 / 310, r.get("C: on / PyTorch").value(), 1e-12);
        assertEquals(31.0 / 20, r.get("C: on / hand-written (faster of EJML, BLAS)").value(), 1e-12);
        assertEquals("missed by 3%", r.get("C: on / hand-written (faster of EJML, BLAS)").verdict());
        assertEquals(3000 / 37.7e3, r.get("C: allocation per step / 37.7 KB before").value(), 1e-12);
        assertEquals("met", r.get("C: allocation per step / 37.7 KB before").verdict());
        assertEquals(1.1, r.get("RNN: slowest / fastest time per step").value(), 1e-12);
        assertEquals("met", r.get("RNN: slowest / fastest time per step").verdict());
        // 1 MB, 10 MB, 109 MB at 100, 1000, 10000 steps: 10,000 then 11,000 bytes per added step
        Results.Ratio slope = r.get("RNN: largest / smallest allocation slope (bytes per added time step)");
        assertEquals(1.1, slope.value(), 1e-9);
        assertEquals("met", slope.verdict(), "a per-sequence constant does not count against linear memory");
        assertEquals(1.4, r.get("softmax 128x1000: stable / naive").value(), 1e-12);
        assertEquals("missed by 8%", r.get("softmax 128x1000: stable / naive").verdict());
        assertEquals("not measured", r.get("A: on / PyTorch").verdict(), "config A is not in the fixture");
    }

    @Test
    void theReportAndChartAreWritten(@TempDir Path dir) throws Exception {
        Path md = dir.resolve("RESULTS.md"), png = dir.resolve("ratios.png");
        Results.main(new String[] {FIXTURE.toString(), md.toString(), png.toString()});
        String text = Files.readString(md);
        assertTrue(text.contains("- CPU: Test CPU"), text);
        assertTrue(text.contains("- steps: load average 0.10 0.20 0.30 at 12:00:00"), text);
        assertTrue(text.contains("| C | 20.0 ± 1.5 | 25.0 ± 1.5 | 310 | 31.0 ± 1.5 | 28.0 ± 1.5 | 25.0 ± 1.5 |"), text);
        assertTrue(text.contains("| softmax | 128x1000 | 1000 ± 2 | 1400 ± 2 | 1.40 |"), text);
        assertTrue(text.contains("| JAVA | 1 | 256x256x256 | 10.000 | 3.4 |"), text);
        assertTrue(text.contains("![ratios](ratios.png)"), text);
        byte[] head = Files.readAllBytes(png);
        assertTrue(head.length > 1000 && head[1] == 'P' && head[2] == 'N' && head[3] == 'G', "a PNG file");
    }

    @Test
    void aFileThatIsNotJmhJsonIsNamed(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("bad.json"), "{\"benchmark\": 1}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> JmhRows.read(dir));
        assertTrue(e.getMessage().contains("bad.json"), e.getMessage());
    }
}
