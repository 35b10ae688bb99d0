package io.finitegrad.optim.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.finitegrad.autodiff.Var;
import io.finitegrad.core.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The state-dict mapping on its own: Vars by name to tensors and back, no file involved. */
class StateDictsTest {
    private static Map<String, Var> state() {
        Map<String, Var> s = new LinkedHashMap<>();
        s.put("d1/W", Var.param("d1/W", Tensor.of(2, 3, 1, 2, 3, 4, 5, 6)));
        s.put("d1/b", Var.param("d1/b", Tensor.row(0.5, -0.5, 0)));
        s.put("bn/running_var", Var.input("bn/running_var", Tensor.ones(1, 3))); // a buffer: saved, not trained
        return s;
    }

    private static Map<String, Tensor> snapshot(Map<String, Var> s) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        s.forEach((k, v) -> out.put(k, v.value()));
        return out;
    }

    @Test
    void toTensorsSnapshotsEveryEntryInOrder() {
        Map<String, Var> s = state();
        Map<String, Tensor> t = StateDicts.toTensors(s);
        assertEquals(List.of("d1/W", "d1/b", "bn/running_var"), List.copyOf(t.keySet()));
        assertEquals(Tensor.of(2, 3, 1, 2, 3, 4, 5, 6), t.get("d1/W"));
        s.get("d1/W").write().data[0] = 99; // a later step does not reach the snapshot
        assertEquals(1.0, t.get("d1/W").get(0, 0));
    }

    @Test
    void loadCopiesIntoTheLiveVarsInPlace() {
        Map<String, Var> target = state();
        Var w = target.get("d1/W");
        double[] storage = w.read().data;
        Map<String, Tensor> source = new LinkedHashMap<>();
        source.put("bn/running_var", Tensor.of(1, 3, 2, 3, 4)); // order does not matter, names do
        source.put("d1/b", Tensor.row(7, 8, 9));
        source.put("d1/W", Tensor.of(2, 3, -1, -2, -3, -4, -5, -6));
        StateDicts.load(target, source);
        assertSame(w, target.get("d1/W"));
        assertSame(storage, w.read().data, "values are copied into the existing storage");
        assertEquals(source, snapshot(target));
    }

    @Test
    void mismatchListsEveryProblemAndChangesNothing() {
        Map<String, Var> target = state();
        Map<String, Tensor> before = snapshot(target);
        Map<String, Tensor> source = new LinkedHashMap<>();
        source.put("d1/W", Tensor.of(3, 2, 9, 9, 9, 9, 9, 9));
        source.put("d1/b", Tensor.row(1, Double.NaN, Double.POSITIVE_INFINITY));
        source.put("extra", Tensor.scalar(1));
        source.put("more", Tensor.scalar(2));
        StateDictMismatchException e = assertThrows(StateDictMismatchException.class, () -> StateDicts.load(target, source));
        assertEquals(List.of("bn/running_var"), e.missing());
        assertEquals(List.of("extra", "more"), e.unexpected());
        assertEquals(List.of("d1/W"), e.shapeMismatches());
        assertEquals(List.of("d1/b"), e.nonFinite());
        assertEquals(before, snapshot(target), "nothing is written when anything is wrong");
        String m = e.getMessage();
        assertTrue(m.contains("'d1/W' is 3x2 in the state dict but 2x3 in the model"), m);
        assertTrue(m.contains("missing 'bn/running_var' (1x3)"), m);
        assertTrue(m.contains("'d1/b' holds NaN/Inf"), m);
        assertTrue(m.contains("unexpected 'extra'; unexpected 'more'"), m);
        String file = e.describe("file");
        assertTrue(file.contains("'d1/W' is 3x2 in the file but 2x3 in the model"), file);
        assertTrue(file.endsWith("The model has [d1/W, d1/b, bn/running_var], the file has [d1/W, d1/b, extra, more]"), file);
    }

    @Test
    void aValidEntryBesideABadOneIsNotWrittenEither() {
        Map<String, Var> target = state();
        Map<String, Tensor> source = snapshot(target);
        source.put("d1/W", Tensor.zeros(2, 3)); // fine on its own
        source.remove("d1/b");
        assertThrows(StateDictMismatchException.class, () -> StateDicts.load(target, source));
        assertEquals(1.0, target.get("d1/W").value().get(0, 0));
    }

    @Test
    void nullsAreRefusedByName() {
        Map<String, Tensor> withNull = new LinkedHashMap<>();
        withNull.put("d1/W", null);
        String m = assertThrows(IllegalArgumentException.class, () -> StateDicts.load(state(), withNull)).getMessage();
        assertTrue(m.contains("source entry 'd1/W' -> null"), m);
        assertThrows(IllegalArgumentException.class, () -> StateDicts.load(null, Map.of()));
        assertThrows(IllegalArgumentException.class, () -> StateDicts.toTensors(null));
    }
}
