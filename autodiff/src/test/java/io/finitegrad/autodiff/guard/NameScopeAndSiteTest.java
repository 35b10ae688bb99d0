package io.finitegrad.autodiff.guard;

import static io.finitegrad.autodiff.guard.Guarded.assertEntry;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.finitegrad.autodiff.FiniteGuard;
import io.finitegrad.autodiff.NaiveOps;
import io.finitegrad.autodiff.Names;
import io.finitegrad.autodiff.NanReport;
import io.finitegrad.autodiff.NonFiniteException;
import io.finitegrad.autodiff.Var;
import io.finitegrad.autodiff.op.Cause;
import io.finitegrad.autodiff.op.Phase;
import io.finitegrad.core.Tensor;
import org.junit.jupiter.api.Test;

/** Reports name the entry by its name scope and by the line of user code that created it. */
@SuppressWarnings("try") // scopes are opened for their effect on the nodes created inside
class NameScopeAndSiteTest {

    private static int line() {
        return StackWalker.getInstance().walk(s -> s.skip(1).findFirst().orElseThrow().getLineNumber());
    }

    @Test
    void nestedScopesNameTheNodeAndTheSiteIsThisLine() {
        Var x = Var.input("x", Tensor.of(1, 2, 1e200, 1e200));
        NanReport r;
        int line;
        try (FiniteGuard.Scope g = FiniteGuard.mode(FiniteGuard.Mode.WARN);
             var model = Names.scope("model")) {
            try (var dense2 = Names.scope("dense2")) {
                Var w = Var.param("W", Tensor.of(2, 1, 1e200, 1e200));
                assertEquals("model/dense2/W", w.name());
                x.matmul(w); line = line();
            }
            assertEquals(1, g.reports().size());
            r = g.reports().get(0);
        }
        assertEntry(r, Phase.FORWARD, "matmul", "model/dense2/matmul", Cause.OVERFLOW);
        assertEquals("NameScopeAndSiteTest.java:" + line
                + " (NameScopeAndSiteTest.nestedScopesNameTheNodeAndTheSiteIsThisLine)", r.site());
    }

    @Test
    void siteOfAnEntryInsideLibraryCodeIsTheUserLineThatCalledIt() {
        Var z = Var.input("z", Tensor.row(800, 0));
        int line;
        NanReport r;
        try (FiniteGuard.Scope g = FiniteGuard.mode(FiniteGuard.Mode.THROW)) {
            r = assertThrows(NonFiniteException.class, () -> NaiveOps.softmax(z)).report(); line = line();
        }
        assertEntry(r, Phase.FORWARD, "exp", "naiveSoftmax/exp", Cause.EXP_OVERFLOW);
        assertEquals("NameScopeAndSiteTest.java:" + line, r.site().substring(0, r.site().indexOf(' ')));
    }
}
