package io.finitegrad.bench;

import io.finitegrad.bench.JmhRows.Row;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;

/**
 * Turns one {@code bench/run}'s JMH JSON files into {@code bench/RESULTS.md} and
 * {@code bench/ratios.png}: the machine record ({@code machine.txt}), the load average at the start
 * of each JMH run ({@code load.txt}), medians with JMH's error, and every ratio of issue 18 with its
 * goal marked met or missed by how much. Every ratio is written as finitegrad's time over its peer's
 * (or stable over naive), so lower is better and each goal is an upper bound.
 */
public final class Results {
    private static final String[] CONFIGS = {"A", "B", "C"};
    /** Steady-state allocation per step the issue measured before (C 37.7 KB, A 5.6 MB); the goal is a tenth. */
    private static final double ALLOC_BEFORE_A = 5.6e6;
    private static final double ALLOC_BEFORE_C = 37.7e3;

    private final JmhRows rows;
    private final List<String> machine;
    private final List<String> load;
    private final List<Ratio> ratios = new ArrayList<>();
    private final StringBuilder md = new StringBuilder();

    /** One ratio; {@code goal} is NaN where the issue sets none. */
    record Ratio(String label, double value, double goal, String note) {
        /** "met", "missed by 12%", or "no goal"/"not measured". */
        String verdict() {
            if (Double.isNaN(value)) return "not measured";
            if (Double.isNaN(goal)) return "no goal";
            return value <= goal ? "met" : String.format(Locale.ROOT, "missed by %.0f%%", 100 * (value / goal - 1));
        }
    }

    private Results(JmhRows rows, List<String> machine, List<String> load) {
        this.rows = rows;
        this.machine = machine;
        this.load = load;
    }

    /**
     * {@code Results [dir [results.md [ratios.png]]]}: reads {@code dir} (default
     * {@code bench/results/latest}) and writes the report and the chart (defaults
     * {@code bench/RESULTS.md}, {@code bench/ratios.png}).
     *
     * @throws IOException if a file cannot be read or written
     * @throws IllegalArgumentException if a JSON file is not JMH's
     */
    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args.length > 0 ? args[0] : "bench/results/latest");
        Path out = Path.of(args.length > 1 ? args[1] : "bench/RESULTS.md");
        Path png = Path.of(args.length > 2 ? args[2] : "bench/ratios.png");
        Results r = of(dir);
        Files.writeString(out, r.markdown(png.getFileName().toString()));
        r.writeChart(png);
        System.out.println("wrote " + out + " and " + png + " from " + dir);
    }

    /**
     * The report of the run in {@code dir}.
     *
     * @throws IOException if a file cannot be read
     */
    static Results of(Path dir) throws IOException {
        Results r = new Results(JmhRows.read(dir), lines(dir.resolve("machine.txt")), lines(dir.resolve("load.txt")));
        r.build();
        return r;
    }

    /** The ratios, in report order. */
    List<Ratio> ratios() {
        return List.copyOf(ratios);
    }

    /** The Markdown report, linking the chart by {@code pngName}. */
    String markdown(String pngName) {
        return md.toString().replace("@PNG@", pngName);
    }

    private void build() {
        md.append("# Benchmark results\n\nWritten by `io.finitegrad.bench.Results` from one `bench/run` (JMH, float64). ")
                .append("Times are medians of the measured iterations with JMH's error (99.9% confidence half-width of the mean); ")
                .append("ratios are finitegrad's time over its peer's, so lower is better and every goal is an upper bound. ")
                .append("Ratios compare runs of the same session only.\n\n## Machine\n\n");
        for (String m : machine) md.append("- ").append(m).append('\n');
        md.append("\n## Load average at the start of each run\n\n");
        for (String l : load) md.append("- ").append(l).append('\n');
        steps();
        allocation();
        rnn();
        kernels();
        emulation();
        gemm();
        md.append("\n## Every ratio and its goal\n\n![ratios](@PNG@)\n\n| ratio | measured | goal | verdict | note |\n|---|---|---|---|---|\n");
        for (Ratio q : ratios) {
            md.append("| ").append(q.label()).append(" | ").append(f2(q.value())).append(" | ")
                    .append(Double.isNaN(q.goal()) ? "" : "<= " + f2(q.goal())).append(" | ").append(q.verdict())
                    .append(" | ").append(q.note()).append(" |\n");
        }
    }

    private void steps() {
        md.append("\n## One training step, µs (MlpStepBench, HandWrittenStepBench, PyTorchStepBench)\n\n")
                .append("ReLU MLP, softmax cross-entropy, backward, Adam; A 784-256-256-10 batch 128, B 64-128-128-10 batch 32, ")
                .append("C 16-32-3 batch 16. Guard on = THROW with creation sites (the default).\n\n")
                .append("| config | hand-written EJML | hand-written BLAS | PyTorch | finitegrad, guard on | on, no sites | guard off |\n")
                .append("|---|---|---|---|---|---|---|\n");
        for (String c : CONFIGS) {
            md.append("| ").append(c).append(" | ").append(time(hand(c, "EJML"))).append(" | ").append(time(hand(c, "BLAS")))
                    .append(" | ").append(time(torch(c))).append(" | ").append(time(step(c, "THROW"))).append(" | ")
                    .append(time(step(c, "THROW_NO_SITES"))).append(" | ").append(time(step(c, "OFF"))).append(" |\n");
        }
        md.append("\n| config | on/off | on no sites/off | on/PyTorch | on/hand-written EJML | on/hand-written BLAS |\n|---|---|---|---|---|---|\n");
        for (String c : CONFIGS) {
            double on = us(step(c, "THROW"));
            md.append("| ").append(c).append(" | ").append(f2(on / us(step(c, "OFF")))).append(" | ")
                    .append(f2(us(step(c, "THROW_NO_SITES")) / us(step(c, "OFF")))).append(" | ")
                    .append(f2(on / us(torch(c)))).append(" | ").append(f2(on / us(hand(c, "EJML")))).append(" | ")
                    .append(f2(on / us(hand(c, "BLAS")))).append(" |\n");
        }
        for (String c : CONFIGS) {
            boolean ab = !c.equals("C");
            ratios.add(new Ratio(c + ": guard on / off", us(step(c, "THROW")) / us(step(c, "OFF")), ab ? 1.05 : Double.NaN,
                    ab ? "guard cost at most 5% with creation sites" : "with sites: reported, cut where measurement allows"));
            ratios.add(new Ratio(c + ": guard on, no sites / off", us(step(c, "THROW_NO_SITES")) / us(step(c, "OFF")),
                    ab ? Double.NaN : 1.05, ab ? "" : "guard cost at most 5% without creation sites"));
        }
        ratios.add(new Ratio("A: on / PyTorch", us(step("A", "THROW")) / us(torch("A")), 1.0, "at least as fast as PyTorch"));
        ratios.add(new Ratio("B: on / PyTorch", us(step("B", "THROW")) / us(torch("B")), 1 / 1.5, "at least 1.5x faster than PyTorch"));
        ratios.add(new Ratio("C: on / PyTorch", us(step("C", "THROW")) / us(torch("C")), Double.NaN, ""));
        for (String c : new String[] {"A", "B"}) {
            ratios.add(new Ratio(c + ": on / hand-written BLAS", us(step(c, "THROW")) / us(hand(c, "BLAS")), 1.1,
                    "at most 1.1x the hand-written step using the same multiply"));
        }
        double bestHand = Math.min(nanMax(us(hand("C", "EJML"))), nanMax(us(hand("C", "BLAS"))));
        ratios.add(new Ratio("C: on / hand-written (faster of EJML, BLAS)", us(step("C", "THROW")) / nanToNan(bestHand), 1.5,
                "within 1.5x of the hand-written step"));
        for (String c : CONFIGS) {
            ratios.add(new Ratio(c + ": on / hand-written EJML", us(step(c, "THROW")) / us(hand(c, "EJML")), Double.NaN, ""));
        }
    }

    private void allocation() {
        md.append("\n## Allocation per step (JMH -prof gc, gc.alloc.rate.norm)\n\n| config | guard on | on, no sites | guard off | hand-written EJML | hand-written BLAS |\n|---|---|---|---|---|---|\n");
        for (String c : CONFIGS) {
            md.append("| ").append(c).append(" | ").append(bytes(step(c, "THROW"))).append(" | ").append(bytes(step(c, "THROW_NO_SITES")))
                    .append(" | ").append(bytes(step(c, "OFF"))).append(" | ").append(bytes(hand(c, "EJML"))).append(" | ")
                    .append(bytes(hand(c, "BLAS"))).append(" |\n");
        }
        ratios.add(new Ratio("A: allocation per step / 5.6 MB before", alloc(step("A", "THROW")) / ALLOC_BEFORE_A, 0.1,
                "at most a tenth of the issue's 5.6 MB"));
        ratios.add(new Ratio("C: allocation per step / 37.7 KB before", alloc(step("C", "THROW")) / ALLOC_BEFORE_C, 0.1,
                "at most a tenth of the issue's 37.7 KB"));
    }

    private void rnn() {
        md.append("\n## RNN forward and backward through time (RnnScalingBench: 64 inputs, hidden 128, batch 16, tanh)\n\n")
                .append("Recycled = the step's buffers reused from the previous step, as the Trainer does for the graphs it owns; ")
                .append("fresh = a new matrix per op result and gradient, as a graph built outside the Trainer gets. ")
                .append("The goals are judged on the recycled rows.\n\n")
                .append("| length | buffers | ms per sequence | µs per time step | allocation per time step |\n|---|---|---|---|---|\n");
        double lo = Double.NaN, hi = Double.NaN;
        java.util.TreeMap<Integer, Double> total = new java.util.TreeMap<>();
        int found = 0;
        for (Row r : rows.rows()) {
            if (!r.benchmark().equals("RnnScalingBench.forwardBackward")) continue;
            int len = Integer.parseInt(r.params().get("length"));
            boolean recycled = !"false".equals(r.params().get("recycle"));
            double perStep = r.medianMicros() / len, allocStep = r.allocBytes() / len;
            md.append("| ").append(len).append(" | ").append(recycled ? "recycled" : "fresh").append(" | ")
                    .append(String.format(Locale.ROOT, "%.1f", r.medianMicros() / 1e3))
                    .append(Double.isNaN(r.errorMicros()) ? "" : String.format(Locale.ROOT, " ± %.1f", r.errorMicros() / 1e3)).append(" | ").append(f1(perStep)).append(" | ").append(kb(allocStep)).append(" |\n");
            if (!recycled) continue;
            lo = found == 0 ? perStep : Math.min(lo, perStep);
            hi = found == 0 ? perStep : Math.max(hi, perStep);
            total.put(len, r.allocBytes());
            found++;
        }
        String lengths = found + " lengths, recycled";
        ratios.add(new Ratio("RNN: slowest / fastest time per step", found < 2 ? Double.NaN : hi / lo, 1.2, "flat within 20%, " + lengths));
        // linear memory is a constant slope: what each further time step adds, between consecutive
        // lengths, stays the same (a per-sequence constant would fail a per-step ratio at short lengths)
        double sLo = Double.NaN, sHi = Double.NaN;
        Integer prev = null;
        for (Integer len : total.keySet()) {
            if (prev != null) {
                double slope = (total.get(len) - total.get(prev)) / (len - prev);
                sLo = Double.isNaN(sLo) ? slope : Math.min(sLo, slope);
                sHi = Double.isNaN(sHi) ? slope : Math.max(sHi, slope);
            }
            prev = len;
        }
        ratios.add(new Ratio("RNN: largest / smallest allocation slope (bytes per added time step)",
                total.size() < 3 || !(sLo > 0) ? Double.NaN : sHi / sLo, 1.2,
                "memory linear in the length: each added step costs the same, " + lengths));
    }

    private void kernels() {
        md.append("\n## Stable vs naive kernels, µs per call (KernelBench, float64 logits in [-5, 5])\n\n")
                .append("| kernel | shape | naive | stable | stable / naive |\n|---|---|---|---|---|\n");
        String[] names = {"softmax", "logSoftmax", "logSumExp", "sigmoid", "softplus", "softmaxCrossEntropy"};
        for (String shape : new String[] {"128x1000", "1x100000"}) {
            for (String k : names) {
                Row naive = rows.find("KernelBench." + k + "Naive", "shape", shape);
                Row stable = rows.find("KernelBench." + k + "Stable", "shape", shape);
                if (naive == null && stable == null) continue;
                double q = us(stable) / us(naive);
                md.append("| ").append(k).append(" | ").append(shape).append(" | ").append(time(naive)).append(" | ")
                        .append(time(stable)).append(" | ").append(f2(q)).append(" |\n");
                ratios.add(new Ratio(k + " " + shape + ": stable / naive", q, 1.3, "stable at most 1.3x naive"));
            }
        }
    }

    private void emulation() {
        md.append("\n## Emulated formats (EmulationBench: 64-128-128-10 ReLU MLP, batch 32, Adam, guard on)\n\n")
                .append("| format | µs per training step | vs float64 | roundAndScan, ns per value (128x128) |\n|---|---|---|---|\n");
        double base = us(rows.find("EmulationBench.trainingStep", "precision", "FLOAT64"));
        for (String p : new String[] {"FLOAT64", "FLOAT32", "BFLOAT16", "FLOAT16"}) {
            Row step = rows.find("EmulationBench.trainingStep", "precision", p);
            Row round = rows.find("EmulationBench.roundAndScan", "precision", p);
            if (step == null && round == null) continue;
            md.append("| ").append(p.toLowerCase(Locale.ROOT)).append(" | ").append(time(step)).append(" | ")
                    .append(f2(us(step) / base)).append(" | ").append(f2(us(round) * 1e3 / (128 * 128))).append(" |\n");
        }
    }

    private void gemm() {
        md.append("\n## Matrix multiply (GemmBench: c = a b with a m x k and b k x n, float64)\n\n"
                + "GEMM is `Gemm.mult` as the graph calls it: its own size threshold and thread policy, through off-heap copies.\n\n"
                + "| kernel | threads | m x k x n | ms per product | GFLOP/s |\n|---|---|---|---|---|\n");
        for (Row r : rows.rows()) {
            if (!r.benchmark().startsWith("GemmBench.")) continue;
            String shape = r.params().get("shape");
            if (shape == null && r.params().get("n") != null) shape = r.params().get("n") + "x" + r.params().get("n") + "x" + r.params().get("n");
            if (shape == null) continue;
            double flops = 2;
            for (String d : shape.split("x")) flops *= Double.parseDouble(d);
            double gflops = flops / (r.medianMicros() * 1e-6) / 1e9;
            md.append("| ").append(r.params().getOrDefault("kernel", "")).append(" | ").append(r.params().getOrDefault("threads", ""))
                    .append(" | ").append(shape).append(" | ").append(String.format(Locale.ROOT, "%.3f", r.medianMicros() / 1e3))
                    .append(" | ").append(f1(gflops)).append(" |\n");
        }
    }

    private void writeChart(Path png) throws IOException {
        List<String> labels = new ArrayList<>();
        List<Double> measured = new ArrayList<>(), goals = new ArrayList<>();
        for (Ratio q : ratios) {
            if (Double.isNaN(q.goal()) || Double.isNaN(q.value())) continue;
            labels.add(q.label());
            measured.add(q.value() / q.goal());
            goals.add(1.0);
        }
        if (labels.isEmpty()) {
            labels.add("nothing measured");
            measured.add(0.0);
            goals.add(1.0);
        }
        CategoryChart chart = new CategoryChartBuilder().width(1400).height(800)
                .title("finitegrad, issue 18: each ratio over its goal (below 1 = goal met)")
                .xAxisTitle("").yAxisTitle("measured / goal").build();
        chart.getStyler().setXAxisLabelRotation(60);
        chart.getStyler().setLegendVisible(true);
        chart.addSeries("measured / goal", labels, measured);
        chart.addSeries("goal", labels, goals);
        BitmapEncoder.saveBitmap(chart, png.toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    private Row step(String c, String guard) {
        return rows.find("MlpStepBench.trainingStep", "config", c, "guard", guard);
    }

    private Row hand(String c, String kernel) {
        return rows.find("HandWrittenStepBench.trainingStep", "config", c, "kernel", kernel);
    }

    private Row torch(String c) {
        return rows.find("PyTorchStepBench.trainingStep", "config", c);
    }

    private static double us(Row r) {
        return r == null ? Double.NaN : r.medianMicros();
    }

    private static double alloc(Row r) {
        return r == null ? Double.NaN : r.allocBytes();
    }

    private static double nanMax(double v) {
        return Double.isNaN(v) ? Double.POSITIVE_INFINITY : v;
    }

    private static double nanToNan(double v) {
        return Double.isInfinite(v) ? Double.NaN : v;
    }

    private static String time(Row r) {
        if (r == null) return "not run";
        double m = r.medianMicros(), e = r.errorMicros();
        String fmt = m >= 100 ? "%.0f" : m >= 10 ? "%.1f" : "%.2f";
        return String.format(Locale.ROOT, fmt, m) + (Double.isNaN(e) ? "" : String.format(Locale.ROOT, " ± " + fmt, e));
    }

    private static String bytes(Row r) {
        return r == null || Double.isNaN(r.allocBytes()) ? "not run" : kb(r.allocBytes());
    }

    private static String kb(double b) {
        if (Double.isNaN(b)) return "not run";
        if (b >= 1e6) return String.format(Locale.ROOT, "%.2f MB", b / 1e6);
        if (b >= 1e3) return String.format(Locale.ROOT, "%.1f KB", b / 1e3);
        return String.format(Locale.ROOT, "%.0f B", b);
    }

    private static String f2(double v) {
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.2f", v);
    }

    private static String f1(double v) {
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.1f", v);
    }

    private static List<String> lines(Path p) throws IOException {
        if (!Files.exists(p)) return List.of("(not recorded: " + p.getFileName() + " missing)");
        List<String> out = new ArrayList<>();
        for (String l : Files.readAllLines(p)) if (!l.isBlank()) out.add(l.strip());
        return out;
    }
}
