package io.finitegrad.examples.nanlab;

import io.finitegrad.examples.nanlab.scenarios.CustomLossDivision;
import io.finitegrad.examples.nanlab.scenarios.ExplodingRnn;
import io.finitegrad.examples.nanlab.scenarios.FullyMaskedAttention;
import io.finitegrad.examples.nanlab.scenarios.GradientUnderflow;
import io.finitegrad.examples.nanlab.scenarios.HalfPrecisionOverflow;
import io.finitegrad.examples.nanlab.scenarios.LargeWeights;
import io.finitegrad.examples.nanlab.scenarios.LayerNormZeroEpsilon;
import io.finitegrad.examples.nanlab.scenarios.LearningRateTooHigh;
import io.finitegrad.examples.nanlab.scenarios.LogOfZero;
import io.finitegrad.examples.nanlab.scenarios.MaskedBranch;
import io.finitegrad.examples.nanlab.scenarios.NaiveSigmoid;
import io.finitegrad.examples.nanlab.scenarios.NanInData;
import io.finitegrad.examples.nanlab.scenarios.NanWeight;
import io.finitegrad.examples.nanlab.scenarios.SigmoidSaturation;
import io.finitegrad.examples.nanlab.scenarios.SoftmaxOverflow;
import io.finitegrad.examples.nanlab.scenarios.SqrtAtZero;
import io.finitegrad.examples.nanlab.scenarios.TinyDivisor;
import io.finitegrad.examples.nanlab.scenarios.UnnormalisedInputs;
import io.finitegrad.core.Emulation;
import io.finitegrad.core.Precision;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The registry of lessons, in number order. Adding a lesson is one class implementing
 * {@link Scenario} in {@code io.finitegrad.examples.nanlab.scenarios} and one line in
 * {@link #ALL}.
 *
 * @throws IllegalArgumentException from {@link #find} for an unknown number or name, listing the known ones
 */
public final class Scenarios {
    private static final List<Scenario> ALL = sorted(List.of(
            new TinyDivisor(),
            new LogOfZero(),
            new LargeWeights(),
            new SigmoidSaturation(),
            new LearningRateTooHigh(),
            new UnnormalisedInputs(),
            new SoftmaxOverflow(),
            new CustomLossDivision(),
            new NanInData(),
            new NanWeight(),
            new NaiveSigmoid(),
            new ExplodingRnn(),
            new LayerNormZeroEpsilon(),
            new SqrtAtZero(),
            new FullyMaskedAttention(),
            new MaskedBranch(),
            new HalfPrecisionOverflow(),
            new GradientUnderflow()));

    private Scenarios() {
    }

    /** Every registered scenario, by number. */
    public static List<Scenario> all() {
        return ALL;
    }

    /** The scenario with this number ("7") or short name ("softmax-overflow", any case). */
    public static Scenario find(String numberOrName) {
        String key = numberOrName == null ? "" : numberOrName.trim();
        for (Scenario s : ALL) {
            if (String.valueOf(s.number()).equals(key) || s.name().equalsIgnoreCase(key)) return s;
        }
        List<String> known = new ArrayList<>();
        for (Scenario s : ALL) known.add(s.number() + " " + s.name());
        throw new IllegalArgumentException("unknown scenario '" + numberOrName + "'; known: " + String.join(", ", known));
    }

    /** Runs {@code s}'s broken version inside {@code Precision.emulate(p)}. */
    @SuppressWarnings("try") // the scope is opened for its effect: the run computes in p
    public static Outcome broken(Scenario s, Lab lab, Precision p) {
        try (Emulation e = Precision.emulate(p)) {
            return s.runBroken(lab);
        }
    }

    /** Runs {@code s}'s fixed version inside {@code Precision.emulate(p)}. */
    @SuppressWarnings("try") // the scope is opened for its effect: the run computes in p
    public static Outcome fixed(Scenario s, Lab lab, Precision p) {
        try (Emulation e = Precision.emulate(p)) {
            return s.runFixed(lab);
        }
    }

    /** The check of {@code s}'s broken (or fixed) version, built inside {@code Precision.emulate(p)} and analysed in p. */
    @SuppressWarnings("try") // the scope is opened for its effect: a lesson may choose constants by the format
    public static CheckSpec check(Scenario s, Lab lab, boolean fixed, Precision p) {
        try (Emulation e = Precision.emulate(p)) {
            return s.check(lab, fixed).in(p);
        }
    }

    /**
     * In words, where the broken run of {@code s} breaks by its promise, e.g. {@code "It breaks in
     * float32, bfloat16 and float16; in float64 it stays finite."}
     */
    public static String formats(Scenario s) {
        List<String> breaks = new ArrayList<>(), finite = new ArrayList<>();
        for (Precision p : Precision.values()) (s.expected().breaksIn(p) ? breaks : finite).add(p.label());
        // a lesson without NaN (frozen gradients) breaks by not learning, so elsewhere it trains
        boolean nan = false;
        for (Precision p : Precision.values()) nan |= s.expected().forFormat(p).expectsNaN();
        String fine = nan ? "it stays finite" : "it trains";
        if (breaks.isEmpty()) return "It stays finite in every format (" + and(finite) + ").";
        if (finite.isEmpty()) return "It breaks in every format (" + and(breaks) + ").";
        return "It breaks in " + and(breaks) + "; in " + and(finite) + " " + fine + ".";
    }

    private static String and(List<String> words) {
        if (words.size() == 1) return words.get(0);
        return String.join(", ", words.subList(0, words.size() - 1)) + " and " + words.get(words.size() - 1);
    }

    private static List<Scenario> sorted(List<Scenario> list) {
        List<Scenario> copy = new ArrayList<>(list);
        copy.sort(Comparator.comparingInt(Scenario::number));
        for (int i = 1; i < copy.size(); i++) {
            if (copy.get(i).number() == copy.get(i - 1).number()) {
                throw new IllegalStateException("Scenarios: two lessons numbered " + copy.get(i).number());
            }
        }
        return List.copyOf(copy);
    }
}
