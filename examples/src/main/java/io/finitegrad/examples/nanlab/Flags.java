package io.finitegrad.examples.nanlab;

import io.finitegrad.core.Precision;
import io.finitegrad.optim.data.BadCellPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * How nanlab names what the library's remedies call by their Java names: a library message names
 * {@code BadCellPolicy.DROP_ROW}, which a nanlab user chooses as {@code --bad-cells drop-row}, and
 * {@code StandardScaler}, which is {@code --scale standard}. The
 * library keeps such remedies as templates (see {@code CsvFormatException.message} and
 * {@code DataReport.render}); this class is the one place that spells them as flags.
 */
final class Flags {
    private static final String POLICY = BadCellPolicy.class.getSimpleName() + ".";

    private Flags() {
    }

    /**
     * The flag that does what the library call {@code reference} does, or null when nanlab has
     * none (the remedy is then left out of what nanlab prints).
     */
    static String spell(String reference) {
        // nanlab train standardises unless told --scale none, so the advice says it is the default
        if (reference.equals("StandardScaler")) return "--scale standard";
        if (reference.equals("StandardScaler fit on the training set")) return "--scale standard, the default: fitted on the training set";
        if (reference.startsWith(POLICY)) {
            for (BadCellPolicy p : BadCellPolicy.values()) {
                if (reference.equals(POLICY + p.name())) return "--bad-cells " + value(p);
            }
        }
        return null;
    }

    /** The value of {@code --bad-cells} that chooses {@code p}, e.g. {@code drop-row}. */
    static String value(BadCellPolicy p) {
        return p.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * The policy {@code --bad-cells text} chooses.
     *
     * @throws InputException naming the flag, the value and the values known
     */
    static BadCellPolicy policy(String text) {
        List<String> known = new ArrayList<>();
        for (BadCellPolicy p : BadCellPolicy.values()) {
            if (value(p).equalsIgnoreCase(text)) return p;
            known.add(value(p));
        }
        throw new InputException("--bad-cells: unknown '" + text + "', expected one of " + known);
    }

    /**
     * The format {@code --precision text} chooses: fp64, fp32, bf16 or fp16 (or float64, float32,
     * bfloat16, float16, half; any case).
     *
     * @throws InputException naming the flag, the value and the values known
     */
    static Precision precision(String text) {
        try {
            return Precision.parse(text);
        } catch (IllegalArgumentException e) {
            throw new InputException("--precision: unknown '" + text + "', expected one of fp64, fp32, bf16, fp16");
        }
    }

    /** The formats as {@code --precision} spells them, for a help text: {@code fp64|fp32|bf16|fp16}. */
    static String precisions() {
        StringBuilder b = new StringBuilder();
        for (Precision p : Precision.values()) b.append(b.length() == 0 ? "" : "|").append(p.flag());
        return b.toString();
    }
}
