package io.finitegrad.autodiff.guard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.finitegrad.autodiff.FiniteGuard;
import io.finitegrad.autodiff.Names;
import io.finitegrad.autodiff.NanReport;
import io.finitegrad.autodiff.Var;
import io.finitegrad.core.Tensor;
import org.junit.jupiter.api.Test;

/** Node names are unique within one entry of a name scope; a new entry restarts the numbering. */
@SuppressWarnings("try") // scopes are opened for their effect on the nodes created inside
class UniqueNamesTest {

    @Test
    void twoSumsInOneEntryOfAScopeGetDistinctNamesTheFirstKeepingTheBareName() {
        Var x = Var.input("x", Tensor.row(1, 2));
        Var a, b, c;
        try (var s = Names.scope("blk")) {
            a = x.sum();
            b = x.sum();
            c = x.sum();
        }
        assertEquals("blk/sum", a.name());
        assertEquals("blk/sum_1", b.name());
        assertEquals("blk/sum_2", c.name());
    }

    @Test
    void differentOpsInOneEntryKeepTheirBareNames() {
        Var x = Var.input("x", Tensor.row(1, 2));
        Var e, s2, e2;
        try (var s = Names.scope("blk")) {
            e = x.exp();
            s2 = e.sum();
            e2 = x.exp();
        }
        assertEquals("blk/exp", e.name());
        assertEquals("blk/sum", s2.name());
        assertEquals("blk/exp_1", e2.name());
    }

    @Test
    void aNewEntryOfTheSameScopeRestartsTheNumberingSoLayerNamesAreStablePerCall() {
        Var x = Var.input("x", Tensor.row(1, 2));
        Var first, second;
        try (var s = Names.scope("dense1")) {
            first = x.sum();
        }
        try (var s = Names.scope("dense1")) {
            second = x.sum();
        }
        assertEquals("dense1/sum", first.name());
        assertEquals("dense1/sum", second.name());
    }

    @Test
    void aNestedScopeNumbersItsOwnNodesAndTheOuterEntryContinuesAfterIt() {
        Var x = Var.input("x", Tensor.row(1, 2));
        Var outer1, inner1, inner2, outer2;
        try (var s = Names.scope("model")) {
            outer1 = x.sum();
            try (var t = Names.scope("blk")) {
                inner1 = x.sum();
                inner2 = x.sum();
            }
            outer2 = x.sum();
        }
        assertEquals("model/sum", outer1.name());
        assertEquals("model/blk/sum", inner1.name());
        assertEquals("model/blk/sum_1", inner2.name());
        assertEquals("model/sum_1", outer2.name());
    }

    @Test
    void aReportsTwoInputsMadeInOneEntryReadDifferently() {
        Var x = Var.input("x", Tensor.row(1e300, 2));
        NanReport r;
        try (FiniteGuard.Scope g = FiniteGuard.mode(FiniteGuard.Mode.WARN)) {
            try (var s = Names.scope("blk")) {
                Var a = x.sum();
                Var b = x.sum();
                a.mul(b);
            }
            r = g.reports().get(0);
        }
        assertEquals("blk/mul", r.label());
        assertEquals(2, r.inputs().size());
        assertNotEquals(r.inputs().get(0).toString(), r.inputs().get(1).toString(), r.toString());
        assertTrue(r.toString().contains("blk/sum_1"), r.toString());
    }
}
