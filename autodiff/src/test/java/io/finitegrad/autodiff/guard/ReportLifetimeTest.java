package io.finitegrad.autodiff.guard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.finitegrad.autodiff.FiniteGuard;
import io.finitegrad.autodiff.NanReport;
import io.finitegrad.autodiff.NonFiniteException;
import io.finitegrad.autodiff.ReportNode;
import io.finitegrad.autodiff.Var;
import io.finitegrad.core.Tensor;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A report is an immutable value: it is taken when handed out and keeps no graph alive. */
@SuppressWarnings("try") // guard scopes are opened for their effect, never read
class ReportLifetimeTest {
    private record Kept(NanReport report, WeakReference<Var> entry, WeakReference<Var> output) {
    }

    /** Builds exp overflow -> sum in WARN mode and keeps only the report and weak references. */
    private static Kept warnReportOfADroppedGraph() {
        try (FiniteGuard.Scope warn = FiniteGuard.mode(FiniteGuard.Mode.WARN)) {
            Var x = Var.param("x", Tensor.row(1000, 1));
            Var e = x.exp();
            Var s = e.sum();
            s.backward();
            return new Kept(warn.reports().get(0), new WeakReference<>(e), new WeakReference<>(s));
        }
    }

    private static boolean collected(WeakReference<?> ref) {
        for (int i = 0; i < 50 && ref.get() != null; i++) {
            System.gc();
            try {
                Thread.sleep(10);
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return ref.get() == null;
    }

    @Test
    void aStoredWarnReportDoesNotKeepItsGraphAlive() {
        Kept kept = warnReportOfADroppedGraph();
        assertTrue(collected(kept.entry()), "the entry node is still reachable");
        assertTrue(collected(kept.output()), "the output node is still reachable");
        NanReport r = kept.report();
        assertEquals("exp", r.op());
        assertEquals(List.of("#1 exp (exp)", "#2 sum (sum)"), r.path());
        assertTrue(r.toString().contains("path:"), r.toString());
        assertTrue(r.toDot().contains("n" + r.entryId() + " [label="), r.toDot());
    }

    @Test
    void aThrownReportDoesNotKeepItsGraphAlive() {
        List<WeakReference<Var>> input = new ArrayList<>();
        NonFiniteException e = assertThrows(NonFiniteException.class, () -> overflowANewGraph(input));
        assertEquals("exp", e.report().op());
        assertEquals(1, input.size());
        assertTrue(collected(input.get(0)), "the input node is still reachable from the exception's report");
    }

    private static void overflowANewGraph(List<WeakReference<Var>> input) {
        Var x = Var.input("x", Tensor.row(1000));
        input.add(new WeakReference<>(x));
        x.exp();
    }

    @Test
    void aReportIsTakenWhenHandedOutAndDoesNotGrowAfterwards() {
        try (FiniteGuard.Scope warn = FiniteGuard.mode(FiniteGuard.Mode.WARN)) {
            Var e = Var.input("x", Tensor.row(1000, 1)).exp();
            NanReport early = warn.reports().get(0);
            Var carried = e.mul(2.0).add(1.0);
            NanReport late = warn.reports().get(0);
            assertEquals(0, early.propagationCount());
            assertEquals(List.of("#1 exp (exp)"), early.path());
            assertEquals("#1 exp (exp)", late.path().get(0), "numbered alike in every report of the incident");
            assertEquals(2, late.propagationCount());
            assertEquals(3, late.path().size());
            assertEquals(carried.id(), late.graph().stream().filter(n -> n.role() == ReportNode.Role.CARRIER)
                    .mapToLong(ReportNode::id).max().orElseThrow());
        }
    }

    @Test
    void valueAndGradientReportsAreHandedOutByTheGuardAndClearedByZeroGrad() {
        try (FiniteGuard.Scope warn = FiniteGuard.mode(FiniteGuard.Mode.WARN)) {
            Var w = Var.param("w", Tensor.row(0, 1));
            Var loss = w.log().sum();
            assertEquals("log", loss.valueReport().op());
            loss.backward();
            assertEquals(w.id() + 1, w.gradientReport().entryId(), "the gradient entered at log's backward");
            w.zeroGrad();
            assertNull(w.gradientReport());
            assertNull(w.valueReport());
        }
    }

    @Test
    void anExceptionsReportIsTheSameValueEachTime() {
        Var x = Var.input("x", Tensor.row(1000));
        NonFiniteException e = assertThrows(NonFiniteException.class, x::exp);
        assertTrue(e.report() == e.report());
        assertEquals(e.getMessage(), e.report().toString());
    }
}
