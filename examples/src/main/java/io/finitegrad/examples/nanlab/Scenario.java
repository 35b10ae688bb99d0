package io.finitegrad.examples.nanlab;

import io.finitegrad.autodiff.FiniteGuard;
import io.finitegrad.core.Precision;

/**
 * One lesson of nanlab: a real model or computation run through finitegrad that breaks in a
 * classic way, and the same run with the remedy applied. The broken run's guard mode and the
 * outcome the lesson promises ({@link #expected()}) are part of the scenario, so a test (and
 * {@code nanlab tour}) can check that the run still behaves as the lesson says.
 *
 * <p>Each lesson is the textbook setup in the format it breaks in ({@link #precision()}: float32,
 * PyTorch's default, for most; float16 where only it breaks at ordinary sizes). A command runs both
 * versions inside {@code Precision.emulate(precision())}, or in the format {@code --precision}
 * names; {@link #expected()} says what happens in each format.
 *
 * <p>Implementations are stateless: every run builds its own model and data from the
 * {@link Lab}'s seed, so two runs with the same seed are identical. A run returns what happened as
 * an {@link Outcome} and prints nothing; the command decides what to show.
 *
 * @see Scenarios the registry
 */
public interface Scenario {
    /** The scenario's number in the lesson list (1-based, unique). */
    int number();

    /** A short kebab-case name accepted by {@code nanlab run}, e.g. {@code softmax-overflow}. */
    String name();

    /** One line: what breaks, for {@code nanlab list}. */
    String breaks();

    /** A few sentences: what the broken run does, why it breaks, and in which formats. */
    String lesson();

    /** The format the lesson runs in unless told otherwise: the one its textbook setup breaks in. */
    Precision precision();

    /** One line: the remedy the fixed run applies. */
    String fix();

    /** The guard mode of the broken run: THROW stops at the entry point, WARN lets the student see the finite loss first. */
    FiniteGuard.Mode mode();

    /** What the broken run must show and what loss the fixed run must reach, per format ({@link Expected#forFormat}). */
    Expected expected();

    /** Runs the broken version in the thread's current format. */
    Outcome runBroken(Lab lab);

    /** Runs the remedied version in the thread's current format. */
    Outcome runFixed(Lab lab);

    /**
     * The finiteness check of the broken version (or, with {@code fixed}, the remedied one), made
     * by the code path its run uses: the lesson's model at its initial weights (in eval mode), its
     * loss, its data's column ranges for a batch, in the thread's current format. The builder
     * changes nothing, so the check may run it as often as it likes.
     */
    CheckSpec check(Lab lab, boolean fixed);
}
