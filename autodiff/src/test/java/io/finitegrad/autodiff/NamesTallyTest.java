package io.finitegrad.autodiff;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.finitegrad.core.Tensor;
import org.junit.jupiter.api.Test;

/** Scope entries number their nodes from scratch, however the entries before them counted. */
@SuppressWarnings("try") // scopes are opened for their effect on node names
class NamesTallyTest {
    private final Var x = Var.param("x", Tensor.scalar(2));

    @Test
    void aNewEntryStartsAgainAfterOneThatUsedManyNames() {
        try (var s = Names.scope("a")) {
            x.exp(); x.log(); x.sqrt(); x.abs(); x.neg(); x.tanh(); // more names than a tally starts with
            assertEquals("a/exp_1", x.exp().name());
        }
        try (var s = Names.scope("b")) {
            assertEquals("b/exp", x.exp().name());
            assertEquals("b/tanh", x.tanh().name());
        }
    }

    @Test
    void anInnerEntryCountsApartFromItsEnclosingOne() {
        try (var outer = Names.scope("o")) {
            assertEquals("o/exp", x.exp().name());
            try (var inner = Names.scope("i")) {
                assertEquals("o/i/exp", x.exp().name());
                assertEquals("o/i/exp_1", x.exp().name());
            }
            try (var inner = Names.scope("j")) {
                assertEquals("o/j/exp", x.exp().name());
            }
            assertEquals("o/exp_1", x.exp().name());
        }
    }
}
