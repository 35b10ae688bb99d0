package io.finitegrad.examples.nanlab;

import io.finitegrad.autodiff.NanReport;
import io.finitegrad.core.Precision;
import java.io.PrintWriter;
import java.util.Locale;

/** How nanlab tells a lesson on the terminal: the lesson text wrapped to 78 columns, the broken run's reports, the fix's result. */
final class Narrator {
    static final int COLUMNS = 78;
    private final PrintWriter out;

    Narrator(PrintWriter out) {
        this.out = out;
    }

    /** The lesson's title and the format its runs compute in ({@code p}, the lesson's own or the one --precision chose). */
    void title(Scenario s, Precision p) {
        out.println("== Lesson " + s.number() + ": " + s.name() + " - " + s.breaks());
        out.println(format(s, p));
    }

    /** One line naming the format of the runs, e.g. {@code Format: float32, the lesson's own (--precision to change).} */
    static String format(Scenario s, Precision p) {
        return p == s.precision() ? "Format: " + p.label() + ", the lesson's own (--precision " + Flags.precisions() + ")."
                : "Format: " + p.label() + " (--precision " + p.flag() + "; the lesson's own is " + s.precision().label() + ").";
    }

    void lesson(Scenario s) {
        out.println(wrap(s.lesson() + " " + Scenarios.formats(s)));
        out.println("Guard mode of the broken run: " + s.mode() + ".");
    }

    void broken(Scenario s, Outcome o) {
        if (!o.nonFinite()) {
            out.println(String.format(Locale.ROOT, "No NaN/Inf; loss %.6g. %s", o.loss(), o.ending()));
        } else {
            if (Double.isFinite(o.loss()) && s.mode() != io.finitegrad.autodiff.FiniteGuard.Mode.THROW) {
                out.println(String.format(Locale.ROOT, "The loss is finite: %.6g. Yet the guard reported:", o.loss()));
            }
            for (NanReport r : o.reports()) {
                out.println(r);
                out.println();
            }
            out.println(wrap(o.ending()));
        }
        for (String n : o.notes()) out.println("  * " + n);
        out.flush();
    }

    void fixed(Scenario s, Outcome o) {
        out.println(wrap("Fix: " + s.fix()));
        if (o.nonFinite()) {
            for (NanReport r : o.reports()) out.println(r);
        }
        out.println(String.format(Locale.ROOT, "Loss after the fix: %.6g (%s)", o.loss(), o.ending()));
        for (String n : o.notes()) out.println("  * " + n);
        out.flush();
    }

    /** Greedy word wrap to {@value #COLUMNS} columns. */
    static String wrap(String text) {
        return wrap(text, COLUMNS);
    }

    /** Every line of {@code text} indented by {@code n} spaces. */
    static String indent(String text, int n) {
        return text.indent(n).stripTrailing();
    }

    /** Greedy word wrap to {@code columns}. */
    static String wrap(String text, int columns) {
        StringBuilder b = new StringBuilder();
        int col = 0;
        for (String w : text.split(" ")) {
            if (col > 0 && col + 1 + w.length() > columns) {
                b.append('\n');
                col = 0;
            } else if (col > 0) {
                b.append(' ');
                col++;
            }
            b.append(w);
            col += w.length();
        }
        return b.toString();
    }
}
