package io.finitegrad.autodiff.guard;

import static io.finitegrad.autodiff.guard.Guarded.throwing;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.finitegrad.autodiff.NanReport;
import io.finitegrad.autodiff.NonFiniteException;
import io.finitegrad.autodiff.Var;
import io.finitegrad.core.Tensor;
import org.junit.jupiter.api.Test;

/** A long path is shortened to its first and last hops in text; the JSON keeps every hop. */
class LongPathTest {
    private static final int HOPS = 500;

    /** sqrt at 0 (an infinite derivative), then a long chain of additions up to the loss. */
    private static Var longChain() {
        Var x = Var.param("x", Tensor.row(0, 4));
        Var y = x.sqrt().label("entry");
        for (int i = 0; i < HOPS; i++) y = y.add(0.0).label("hop" + i);
        return y.sum().label("loss");
    }

    @Test
    void theTextShowsTheFirstAndLastHopsAndHowManyWereLeftOut() {
        Var loss = longChain();
        NanReport r = throwing(loss::backward);
        assertEquals(HOPS + 2, r.path().size(), "the report itself keeps the whole path");
        String s = r.toString();
        String pathLine = s.lines().filter(l -> l.trim().startsWith("path:")).findFirst().orElseThrow();
        assertTrue(pathLine.length() < 300, pathLine);
        assertTrue(pathLine.contains("entry (sqrt) -> hop0 (add) -> hop1 (add) -> ... "), pathLine);
        assertTrue(pathLine.contains("... " + (HOPS + 2 - 6) + " more ..."), pathLine);
        assertTrue(pathLine.endsWith("hop" + (HOPS - 2) + " (add) -> hop" + (HOPS - 1) + " (add) -> loss (sum)"), pathLine);
        assertFalse(s.contains("hop250 (add)"), "a middle hop is left out");
    }

    @Test
    void theExceptionMessageIsShortToo() {
        Var loss = longChain();
        NonFiniteException e = assertThrows(NonFiniteException.class, loss::backward);
        assertTrue(e.getMessage().length() < 4000, "message of " + e.getMessage().length() + " characters");
        assertTrue(e.getMessage().contains("more ..."), e.getMessage());
    }

    @Test
    void theJsonKeepsTheWholePath() throws Exception {
        Var loss = longChain();
        NanReport r = throwing(loss::backward);
        JsonNode path = new ObjectMapper().readTree(r.toJson()).get("path");
        assertEquals(HOPS + 2, path.size());
        assertEquals("hop250 (add)", path.get(251).asText());
    }

    @Test
    void aShortPathIsShownWhole() {
        Var x = Var.param("x", Tensor.row(0, 4));
        Var loss = x.sqrt().label("entry").add(0.0).label("h").sum().label("loss");
        NanReport r = throwing(loss::backward);
        assertTrue(r.toString().contains("path:      entry (sqrt) -> h (add) -> loss (sum)"), r.toString());
        assertFalse(r.toString().contains("more ..."), r.toString());
    }
}
