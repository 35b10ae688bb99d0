package io.finitegrad.examples.nanlab;

import io.finitegrad.autodiff.FiniteGuard;
import io.finitegrad.autodiff.NanReport;
import io.finitegrad.autodiff.NonFiniteException;
import io.finitegrad.autodiff.Var;
import io.finitegrad.layers.Layer;
import io.finitegrad.optim.Optimizer;
import io.finitegrad.optim.data.Dataset;
import io.finitegrad.optim.train.History;
import io.finitegrad.optim.train.Loss;
import io.finitegrad.optim.train.Trainer;
import io.finitegrad.optim.train.TrainingDivergedException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * The two ways a scenario runs its model under the guard, turning what happened into an
 * {@link Outcome}: {@link #fit} (a {@link Trainer} fit, whose watchdog stops at the first
 * non-finite value) and {@link #compute} (one forward and backward pass). In WARN mode every
 * report the guard recorded is kept, in order; in THROW mode the one that stopped the run.
 */
public final class Runs {
    private Runs() {
    }

    /**
     * Trains {@code model} on {@code train} under {@code mode} with a trainer configured by
     * {@code configure} (epochs, batch size, seed, clipping), quiet, with the lab's progress display
     * and a curve recorder added. The outcome's loss is the last epoch's mean loss when training
     * completes, else the last finite loss computed, also when the step it belongs to was refused
     * (a finite loss with NaN gradients).
     */
    public static Outcome fit(Lab lab, String task, FiniteGuard.Mode mode, Layer model, Loss loss, Optimizer optimizer,
                              UnaryOperator<Trainer.Builder> configure, Dataset train) {
        CurveRecorder curves = new CurveRecorder();
        double[] lastLoss = {Double.NaN};
        Loss recording = (pred, target) -> {
            Var l = loss.apply(pred, target);
            if (Double.isFinite(l.item())) lastLoss[0] = l.item();
            return l;
        };
        Trainer trainer = configure.apply(Trainer.builder(model, recording, optimizer))
                .quiet(true).listener(curves).listener(lab.progress(task)).build();
        List<NanReport> reports = new ArrayList<>();
        String ending;
        try (FiniteGuard.Scope guard = FiniteGuard.mode(mode)) {
            try {
                History h = trainer.fit(train);
                ending = h.stopReason();
                lastLoss[0] = h.last().loss(); // the epoch's mean, steadier than its last batch
            } catch (TrainingDivergedException e) {
                ending = firstLine(e.getMessage());
                reports.addAll(guard.reports());
                if (e.report() != null && !contains(reports, e.report())) reports.add(e.report());
            }
            if (reports.isEmpty()) reports.addAll(guard.reports());
        }
        return new Outcome(reports, lastLoss[0], curves.losses(), curves.gradNorms(), ending, List.of())
                .withLossScales(curves.lossScales());
    }

    /**
     * Computes {@code loss} and, if it is finite, backpropagates it, under {@code mode}.
     *
     * @param notes measurements to show with the lesson
     */
    public static Outcome compute(FiniteGuard.Mode mode, Supplier<Var> loss, List<String> notes) {
        try (FiniteGuard.Scope guard = FiniteGuard.mode(mode)) {
            double value = Double.NaN;
            try {
                Var l = loss.get();
                value = l.item();
                l.backward();
                return Outcome.computed(guard.reports(), value, "computed the loss and its gradients", notes);
            } catch (NonFiniteException e) {
                List<NanReport> reports = new ArrayList<>(guard.reports());
                if (!contains(reports, e.report())) reports.add(e.report());
                return Outcome.computed(reports, value, "stopped by the guard", notes);
            }
        }
    }

    private static boolean contains(List<NanReport> reports, NanReport r) {
        for (NanReport q : reports) if (q.entryId() == r.entryId() && q.phase() == r.phase()) return true;
        return false;
    }

    private static String firstLine(String s) {
        if (s == null) return "";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
