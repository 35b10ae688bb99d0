package io.finitegrad.examples.nanlab;

import io.finitegrad.autodiff.NanReport;
import io.finitegrad.autodiff.check.FinitenessReport;
import io.finitegrad.autodiff.op.Cause;
import io.finitegrad.core.Emulation;
import io.finitegrad.core.Precision;
import io.finitegrad.layers.Activation;
import io.finitegrad.layers.Init;
import io.finitegrad.layers.Layer;
import io.finitegrad.layers.Losses;
import io.finitegrad.optim.Adam;
import io.finitegrad.optim.Optimizer;
import io.finitegrad.optim.SGD;
import io.finitegrad.optim.data.BadCellPolicy;
import io.finitegrad.optim.data.Csv;
import io.finitegrad.optim.data.CsvOptions;
import io.finitegrad.optim.data.DataReport;
import io.finitegrad.optim.data.Dataset;
import io.finitegrad.optim.train.Checkpoint;
import io.finitegrad.optim.train.History;
import io.finitegrad.optim.train.Trainer;
import io.finitegrad.optim.train.TrainingDivergedException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code nanlab train}: an MLP classifier on any CSV, with the data check, progress, the NaN
 * watchdog, curves and a checkpoint whose metadata ({@link ModelSpec}) lets {@code predict}
 * rebuild it. Training computes in float32 by default, like PyTorch ({@code --precision} chooses
 * fp64, fp32, bf16 or fp16, emulated; the parameters stay float64 masters and are saved as such).
 * The same seed and file give a bit-identical checkpoint. With {@code --check} it first proves the MLP
 * finite over the training columns' ranges (or exits {@link NanLab#NON_FINITE} on a confirmed defect).
 * Exits {@link NanLab#NON_FINITE} when the
 * watchdog stopped training.
 */
@Command(name = "train", mixinStandardHelpOptions = true, description = "Train an MLP classifier on a CSV file.")
final class TrainCommand implements Callable<Integer> {
    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Option(names = "--data", required = true, paramLabel = "FILE.csv", description = "the training data, with a header row")
    private Path data;
    @Option(names = "--label", required = true, paramLabel = "COLUMN", description = "the column holding the class names")
    private String label;
    @Option(names = "--bad-cells", paramLabel = "POLICY", description = "a missing, non-numeric or NaN/Inf cell: fail, "
            + "drop-row, impute-mean (the column's mean) or keep-non-finite (load NaN/Inf as they are, to see the guard "
            + "find them) (default ${DEFAULT-VALUE})")
    private String badCells = "fail";
    @Option(names = "--hidden", split = ",", paramLabel = "N,N", description = "hidden layer sizes (default 16,16)")
    private int[] hidden = {16, 16};
    @Option(names = "--activation", description = "relu, tanh, sigmoid, leaky_relu (default ${DEFAULT-VALUE})")
    private String activation = "relu";
    @Option(names = "--init", description = "he, xavier, or an Init name such as he_uniform (default ${DEFAULT-VALUE})")
    private String init = "he";
    @Option(names = "--optimizer", description = "adam or sgd (default ${DEFAULT-VALUE})")
    private String optimizer = "adam";
    @Option(names = "--lr", description = "learning rate (default ${DEFAULT-VALUE})")
    private double lr = 0.01;
    @Option(names = "--clip", description = "clip gradients to this global norm; 0 for none (default ${DEFAULT-VALUE})")
    private double clip = 1.0;
    @Option(names = "--epochs", description = "(default ${DEFAULT-VALUE})")
    private int epochs = 100;
    @Option(names = "--batch", description = "batch size (default ${DEFAULT-VALUE})")
    private int batch = 32;
    @Option(names = "--scale", description = "standard, minmax or none (default ${DEFAULT-VALUE})")
    private String scale = "standard";
    @Option(names = "--seed", description = "(default ${DEFAULT-VALUE})")
    private long seed;
    @Option(names = "--precision", paramLabel = "P", description = "compute in fp64, fp32, bf16 or fp16 (default ${DEFAULT-VALUE})")
    private String precision = "fp32";
    @Option(names = "--loss-scale", paramLabel = "S", description = "none, dynamic (GradScaler's: 2^16, 2^15 in fp16)"
            + " or a power of two, e.g. 1024 (default ${DEFAULT-VALUE})")
    private String lossScale = "none";
    @Option(names = "--test-fraction", description = "held-out share, stratified; 0 for none (default ${DEFAULT-VALUE})")
    private double testFraction = 0.2;
    @Option(names = "--save", paramLabel = "model.safetensors", description = "write the checkpoint here")
    private Path save;
    @Option(names = "--out", paramLabel = "DIR", description = "write history.csv, loss.png and gradnorm.png here")
    private Path out;
    @Option(names = "--quiet", description = "no progress bar")
    private boolean quiet;
    @Option(names = "--check", description = "before the first step, check that the MLP cannot produce NaN/Inf for any "
            + "batch in the (scaled) training columns' ranges; stop with exit 1 if the check confirms a defect")
    private boolean check;

    @Override
    @SuppressWarnings("try") // the emulation scope is opened for its effect: training computes in the format
    public Integer call() throws IOException {
        PrintWriter o = spec.commandLine().getOut();
        Precision format = Flags.precision(precision);
        Activation act = choose(Activation.class, "--activation", activation);
        Init in = init(init);
        if (!(lr > 0) || Double.isInfinite(lr)) throw new InputException("--lr must be positive and finite, got " + lr);
        if (!(clip >= 0) || Double.isInfinite(clip)) throw new InputException("--clip must be >= 0 and finite, got " + clip);
        if (epochs <= 0 || batch <= 0) throw new InputException("--epochs and --batch must be positive, got " + epochs + " and " + batch);
        if (!(testFraction >= 0 && testFraction < 1)) throw new InputException("--test-fraction must be in [0, 1), got " + testFraction);

        if (save != null) SaveTarget.require("--save", save);
        BadCellPolicy policy = Flags.policy(badCells);
        Dataset all = Csv.read(data, CsvOptions.label(label).badCells(policy));
        o.print(DataReport.of(all).render(Flags::spell));
        Dataset train = all, test = null;
        if (testFraction > 0) {
            Dataset.Split split = all.split(testFraction, seed, true);
            train = split.train();
            test = split.test();
        }
        FeatureScaling scaling = FeatureScaling.fit(scale, train.features());
        ModelSpec model = new ModelSpec(all.featureNames(), hidden, act, in, train.classNames(), scaling);
        model.requireMemory("--hidden " + hiddenText(), "train", 4, Math.max(batch, test == null ? 0 : test.size()));
        Layer net = model.build(new Random(seed));
        Optimizer opt = switch (optimizer.toLowerCase(Locale.ROOT)) {
            case "adam" -> new Adam(net.parameters(), lr);
            case "sgd" -> new SGD(net.parameters(), lr);
            default -> throw new InputException("--optimizer: unknown '" + optimizer + "', expected adam or sgd");
        };
        CurveRecorder curves = new CurveRecorder();
        Trainer.Builder b = Trainer.builder(net, Losses::softmaxCrossEntropy, opt).epochs(epochs).batchSize(batch)
                .seed(seed).quiet(true).listener(curves).listener(TerminalProgress.factory(quiet).apply("train"));
        if (clip > 0) b.clipNorm(clip);
        lossScaling(b, format);
        Trainer trainer = b.build();
        Dataset scaledTrain = train.withFeatures(scaling.apply(train.features()));
        Dataset scaledTest = test == null ? null : test.withFeatures(scaling.apply(test.features()));
        int code = NanLab.OK;
        o.println(describe(format));
        if (check && !checkFirst(o, net, scaledTrain, format)) {
            o.flush();
            return NanLab.NON_FINITE;
        }
        try (Emulation e = Precision.emulate(format)) {
            History h = trainer.fit(scaledTrain, scaledTest);
            History.Epoch last = h.last();
            // two lines, each within 80 columns
            o.printf(Locale.ROOT, "%s: train loss %.4f, train accuracy %.3f%n", h.stopReason(), last.loss(), last.accuracy());
            if (test != null) o.printf(Locale.ROOT, "  test loss %.4f, test accuracy %.3f%n", last.testLoss(), last.testAccuracy());
            if (!lossScale.trim().equalsIgnoreCase("none")) {
                List<Double> scales = h.lossScales();
                int skippedSteps = h.skippedSteps().stream().mapToInt(Integer::intValue).sum();
                o.printf(Locale.ROOT, "  loss scale 2^%d at the end, %d step(s) skipped for an overflowed gradient%n",
                        Math.getExponent(scales.get(scales.size() - 1)), skippedSteps);
            }
            if (out != null) {
                Files.createDirectories(out);
                h.writeCsv(out.resolve("history.csv"));
                o.println("wrote " + out.resolve("history.csv"));
            }
        } catch (TrainingDivergedException e) {
            o.println(e.getMessage());
            // the watchdog's message carries the guard's report when the guard stopped training
            if (e.report() != null && !e.getMessage().contains(e.report().toString())) o.println(e.report());
            o.println(flagAdvice(e.report(), format));
            code = NanLab.NON_FINITE;
        }
        if (out != null) {
            Files.createDirectories(out);
            Files.write(out.resolve("loss.png"), new CurvePlot("Training loss", "loss").add("train", curves.losses()).png());
            Files.write(out.resolve("gradnorm.png"), new CurvePlot("Gradient global norm", "norm")
                    .add("train", curves.gradNorms()).lossScale(curves.lossScales()).png());
            o.println("wrote " + out.resolve("loss.png") + " and " + out.resolve("gradnorm.png"));
        }
        if (save != null && code == NanLab.OK) {
            Checkpoint.saveModel(save, net, Map.of(ModelSpec.KEY, model.toJson()));
            o.println("saved " + save);
        }
        o.flush();
        return code;
    }

    /**
     * {@code --check}: the finiteness analysis of the MLP's loss over a batch of the training
     * columns' ranges (after scaling, as the MLP sees them), printed; false when it confirmed a
     * defect, so training must not start. An unconfirmed warning only prints.
     */
    private boolean checkFirst(PrintWriter o, Layer net, Dataset scaledTrain, Precision format) {
        boolean training = net.isTraining();
        FinitenessReport r;
        try {
            r = CheckSpec.loss(net, Losses::softmaxCrossEntropy, scaledTrain, batch).in(format).run();
        } finally {
            net.train(training);
        }
        o.print(r);
        if (r.hasConfirmedDefect()) {
            o.println("--check: a confirmed defect (above): training not started.");
            return false;
        }
        o.println(r.certified() ? "--check: certified; training starts."
                : "warning: --check could not certify the MLP (above), but confirmed no defect; training starts.");
        return true;
    }

    /**
     * The library's advice in this command's flags: the data's NaN/Inf (loaded by
     * {@code --bad-cells keep-non-finite}) is for {@code --bad-cells}, anything else for the
     * learning rate, clipping and scaling this run used.
     */
    private String flagAdvice(NanReport report, Precision format) {
        if (report != null && report.cause() == Cause.NON_FINITE_INPUT && report.op().equals("input")) {
            return "With nanlab train: --bad-cells " + Flags.value(BadCellPolicy.DROP_ROW) + " or --bad-cells "
                    + Flags.value(BadCellPolicy.IMPUTE_MEAN) + " loads the file without its NaN/Inf cells (this run used --bad-cells "
                    + badCells + ").";
        }
        String clipping = clip > 0 ? "a smaller --clip (it is " + clip + ")" : "--clip 1 (clipping is off: --clip 0)";
        // float16's range ends at 65,504: bfloat16 keeps float32's range in as many bits
        String wider = format == Precision.FLOAT16 ? ", --precision bf16 (float32's range; this run used fp16)" : "";
        return "With nanlab train: a lower --lr (it is " + lr + "), " + clipping
                + (scale.equalsIgnoreCase("none") ? ", --scale standard (inputs are unscaled: --scale none)" : "") + wider + ".";
    }

    /**
     * {@code --loss-scale}: none, dynamic, or a static power of two.
     *
     * @throws InputException naming the flag and the value when it is none of these
     */
    private void lossScaling(Trainer.Builder b, Precision format) {
        String v = lossScale.trim().toLowerCase(Locale.ROOT);
        if (v.equals("none")) return;
        if (v.equals("dynamic")) {
            b.dynamicLossScale();
            return;
        }
        double s;
        try {
            s = Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new InputException("--loss-scale: unknown '" + lossScale + "', expected none, dynamic or a power of two (1024)");
        }
        if (s > format.maxFinite()) {
            throw new InputException("--loss-scale " + lossScale + " is Infinity in " + format.label() + " (largest finite "
                    + format.maxFinite() + "): use at most 32768 there, or --loss-scale dynamic");
        }
        try {
            b.lossScale(s);
        } catch (IllegalArgumentException e) {
            throw new InputException("--loss-scale " + lossScale + ": not a power of two > 0 (1024, 32768), none or dynamic");
        }
    }

    /** The line naming the format training computes in. */
    static String describe(Precision p) {
        // one line within 80 columns
        return p.isNative() ? "Precision: float64 (native; --precision " + Flags.precisions() + ")"
                : "Precision: " + p.label() + " (emulated, float64 master weights; see --precision)";
    }

    private String hiddenText() {
        StringBuilder sb = new StringBuilder();
        for (int h : hidden) sb.append(sb.length() == 0 ? "" : ",").append(h);
        return sb.toString();
    }

    private static Init init(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "he" -> Init.HE_NORMAL;
            case "xavier", "glorot" -> Init.XAVIER_UNIFORM;
            default -> {
                try {
                    yield Init.parse(name);
                } catch (IllegalArgumentException e) {
                    throw new InputException("--init: unknown '" + name + "', expected he, xavier, one of "
                            + Init.constants().toString().toLowerCase(Locale.ROOT) + ", normal(std = x) or uniform(limit = x)");
                }
            }
        };
    }

    static <E extends Enum<E>> E choose(Class<E> type, String flag, String name) {
        for (E e : type.getEnumConstants()) if (e.name().equalsIgnoreCase(name)) return e;
        throw new InputException(flag + ": unknown '" + name + "', expected one of "
                + List.of(type.getEnumConstants()).toString().toLowerCase(Locale.ROOT));
    }
}
