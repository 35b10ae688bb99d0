package io.finitegrad.autodiff.warn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.finitegrad.autodiff.NanReport;
import io.finitegrad.autodiff.NonFiniteException;
import io.finitegrad.autodiff.TensorSummary;
import io.finitegrad.autodiff.Var;
import io.finitegrad.core.Tensor;
import org.junit.jupiter.api.Test;

/** Every value summary in a report says how far its largest finite magnitude is from float64's overflow. */
class SummaryHeadroomTest {

    private static NanReport expOverflowAt(double x) {
        Var v = Var.input("logits", Tensor.row(x, -2));
        return assertThrows(NonFiniteException.class, v::exp).report();
    }

    @Test
    void anInputSummaryShowsItsHeadroomInOrdersOfMagnitude() {
        TensorSummary in = expOverflowAt(1000).inputs().get(0);
        assertEquals(Math.log10(Double.MAX_VALUE) - 3, in.headroomOrders(), 1e-12);
        assertTrue(in.toString().contains("305 orders from overflow"), in.toString());
    }

    @Test
    void aValueCloseToOverflowShowsFewOrders() {
        Var v = Var.input("big", Tensor.row(2e305, 1));
        NanReport r = assertThrows(NonFiniteException.class, () -> v.mul(1e4)).report();
        TensorSummary in = r.inputs().get(0);
        assertTrue(in.toString().contains("3 orders from overflow"), in.toString());
        assertTrue(r.toString().contains("3 orders from overflow"), "the report text shows it: " + r);
    }

    @Test
    void theJsonCarriesTheHeadroomOfEverySummary() throws Exception {
        JsonNode json = new ObjectMapper().readTree(expOverflowAt(1000).toJson());
        JsonNode input = json.get("inputs").get(0);
        assertEquals(Math.log10(Double.MAX_VALUE) - 3, input.get("headroomOrders").asDouble(), 1e-12);
        assertTrue(json.get("result").has("headroomOrders"), json.toPrettyString());
    }

    @Test
    void aSummaryWithNoFiniteNonzeroValueHasUnboundedHeadroom() {
        Var v = Var.input("zeros", Tensor.row(0, 0));
        NanReport r = assertThrows(NonFiniteException.class, v::log).report();
        TensorSummary in = r.inputs().get(0);
        assertEquals(Double.POSITIVE_INFINITY, in.headroomOrders());
        assertTrue(!in.toString().contains("orders from overflow"), in.toString());
    }
}
