package io.finitegrad.autodiff.guard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.finitegrad.autodiff.FiniteGuard;
import io.finitegrad.autodiff.NanReport;
import io.finitegrad.autodiff.NonFiniteException;
import io.finitegrad.autodiff.Var;
import io.finitegrad.autodiff.op.Cause;
import io.finitegrad.autodiff.op.Phase;
import io.finitegrad.core.Emulation;
import io.finitegrad.core.Precision;
import io.finitegrad.core.Tensor;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The guard knows the format a graph is emulated in: its exp threshold and range in causes,
 * details and remedies, epsilons and masks that survive rounding to it, overflow on entry to the
 * graph, and zeros that rounding made from non-zero values (UNDERFLOW_TO_ZERO).
 */
@SuppressWarnings("try") // emulation scopes are opened for their effect on the body
class FormatAwareGuardTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** logits * 0.5 + 6 then exp: 12 at the first element, exp(12) = 162755, finite in float64, Inf in float16. */
    private static Var logitsExp() {
        Var logits = Var.input("logits", Tensor.row(12.0, 1.0));
        return logits.mul(0.5).add(6.0).label("shifted").exp().label("e");
    }

    private static NanReport thrown(Precision p, Supplier<Var> graph) {
        try (Emulation e = Precision.emulate(p)) {
            return assertThrows(NonFiniteException.class, graph::get).report();
        }
    }

    @Test
    void theSameGraphIsFiniteInFloat64AndOverflowsExpInFloat16NamingTheFormatAndItsLimit() {
        Var finite = logitsExp();
        assertEquals(Math.exp(12.0), finite.value().get(0, 0), 1e-9);
        NanReport r = thrown(Precision.FLOAT16, FormatAwareGuardTest::logitsExp);
        assertEquals(Phase.FORWARD, r.phase());
        assertEquals(Cause.EXP_OVERFLOW, r.cause());
        assertEquals("exp", r.op());
        assertEquals("shifted", r.inputs().get(0).name());
        assertEquals(Precision.FLOAT16, r.precision());
        assertEquals("exp(x) with x = 12.0 > 11.09 at (0, 0) overflows to +Infinity in float16", r.detail());
        String text = r.toString();
        assertTrue(text.contains("\n  format:    float16 (emulated: largest finite 65504, smallest normal 6.1e-5,"
                + " exp overflows above 11.09)"), text);
        assertTrue(text.contains("\n  cause:     EXP_OVERFLOW: exp(x) overflows to +Infinity for x > 11.09 in float16"), text);
        assertFalse(text.contains("709.78"), text);
    }

    @Test
    void aFloat64ReportReadsAsItAlwaysDidAndItsJsonNamesTheFormat() throws Exception {
        NanReport r = assertThrows(NonFiniteException.class, () -> Var.input("x", Tensor.row(800.0)).exp()).report();
        assertEquals(Precision.FLOAT64, r.precision());
        assertFalse(r.toString().contains("format:"), r.toString());
        assertTrue(r.toString().contains("cause:     EXP_OVERFLOW: exp(x) overflows to +Infinity for x > 709.78\n"),
                r.toString());
        assertEquals("exp(x) with x = 800.0 > 709.78 at (0, 0) overflows to +Infinity", r.detail());
        JsonNode j = JSON.readTree(r.toJson());
        assertEquals("float64", j.get("format").asText());
        assertFalse(j.get("emulated").asBoolean());
        assertFalse(r.toDot().contains("format:"));
    }

    @Test
    void theJsonAndTheGraphOfAnEmulatedReportNameTheFormat() throws Exception {
        NanReport r = thrown(Precision.FLOAT16, FormatAwareGuardTest::logitsExp);
        JsonNode j = JSON.readTree(r.toJson());
        assertEquals("float16", j.get("format").asText());
        assertTrue(j.get("emulated").asBoolean());
        assertEquals("exp(x) overflows to +Infinity for x > 11.09 in float16", j.get("meaning").asText());
        assertTrue(r.toDot().contains("label=\"format: float16 (emulated"), r.toDot());
    }

    @Test
    void eachFormatQuotesItsOwnExpThresholdAndRange() {
        NanReport bf = thrown(Precision.BFLOAT16, () -> Var.input("x", Tensor.row(89.0)).exp());
        assertEquals(Cause.EXP_OVERFLOW, bf.cause());
        assertTrue(bf.detail().contains("> 88.72") && bf.detail().endsWith("in bfloat16"), bf.detail());
        NanReport f32 = thrown(Precision.FLOAT32, () -> Var.input("x", Tensor.row(89.0)).exp());
        assertTrue(f32.toString().contains("for x > 88.72 in float32"), f32.toString());
        NanReport sq = thrown(Precision.FLOAT16, () -> {
            Var x = Var.input("x", Tensor.row(300.0));
            return x.mul(x);
        });
        assertEquals(Cause.OVERFLOW, sq.cause());
        assertTrue(sq.detail().contains("left float16's range (|x| > 65504)"), sq.detail());
        assertTrue(sq.toString().contains("beyond float16's range (|x| > 65504)"), sq.toString());
        assertFalse(sq.toString().contains("1.8e308"), sq.toString());
    }

    @Test
    void summariesMeasureHeadroomToTheFormatsOverflow() {
        NanReport r = thrown(Precision.FLOAT16, () -> Var.input("x", Tensor.row(12.0, 1000.0)).exp());
        assertEquals(Math.log10(65504) - 3, r.inputs().get(0).headroomOrders(), 1e-12);
        assertTrue(r.inputs().get(0).toString().contains("2 orders from overflow in float16"), r.inputs().get(0).toString());
    }

    @Test
    void aValueThatOverflowsAsItEntersTheGraphIsAnOverflowOfTheFormatNotBadData() {
        NanReport in = thrown(Precision.FLOAT16, () -> Var.input("big", Tensor.row(1.0, 1e5)));
        assertEquals(Cause.OVERFLOW, in.cause());
        assertEquals("input", in.op());
        assertTrue(in.detail().contains("the data there is 100000.0, and rounded to float16 it overflows: largest"
                + " finite 65504"), in.detail());
        assertFalse(in.toString().contains("itself holds"), in.toString());
        NanReport nan = thrown(Precision.FLOAT16, () -> Var.input("bad", Tensor.row(Double.NaN)));
        assertEquals(Cause.NON_FINITE_INPUT, nan.cause(), "NaN in the data stays bad data");
    }

    @Test
    void aMasterParameterWhoseRoundedCopyOverflowsIsTheEntryAndTheReportShowsTheCopy() {
        try (Emulation e = Precision.emulate(Precision.FLOAT16)) {
            Var w = Var.param("w", Tensor.row(2.0, 1e5));
            NanReport r = assertThrows(NonFiniteException.class, () -> w.mul(2.0)).report();
            assertEquals(Cause.OVERFLOW, r.cause());
            assertEquals("w", r.label());
            assertEquals("param", r.op());
            assertEquals(0, r.row());
            assertEquals(1, r.col());
            assertTrue(r.detail().contains("the float64 master holds 100000.0 there, and rounded to float16 it"
                    + " overflows: largest finite 65504"), r.detail());
            assertEquals(1, r.output().posInfCount(), "the summary is of the rounded copy ops read");
        }
    }

    @Test
    void anOperandSummaryShowsTheRoundedCopyOfAParameter() {
        try (Emulation e = Precision.emulate(Precision.FLOAT16)) {
            Var w = Var.param("w", Tensor.row(1.1));
            NanReport r = assertThrows(NonFiniteException.class, () -> w.mul(60000.0)).report();
            assertEquals(Cause.OVERFLOW, r.cause());
            assertEquals(Precision.FLOAT16.round(1.1), r.inputs().get(0).valueAtElement(), 0.0);
            assertTrue(r.detail().startsWith(Precision.FLOAT16.round(1.1) + " * 60000.0 = Infinity"), r.detail());
        }
    }

    @Test
    void aZeroThatRoundingMadeAndThenDividedIsAnUnderflowNamingTheNodeWhereItRounded() {
        Var x64 = Var.input("x", Tensor.row(1.0, 2.0));
        assertTrue(Double.isFinite(Var.constant(1.0).div(x64.mul(1e-4).mul(1e-4)).value().get(0, 0)), "float64 keeps 1e-8");
        try (Emulation e = Precision.emulate(Precision.FLOAT16)) {
            Var x = Var.input("x", Tensor.row(1.0, 2.0));
            Var tiny = x.mul(1e-4).mul(1e-4);
            NanReport r = assertThrows(NonFiniteException.class, () -> Var.constant(1.0).div(tiny)).report();
            assertEquals(Cause.UNDERFLOW_TO_ZERO, r.cause());
            assertEquals("div", r.op());
            String u = r.underflow();
            String name = u.substring(1, u.indexOf("' (mul)"));
            assertEquals(tiny.id(), r.numberedIds().get(name), "the second mul is the node named: " + u);
            assertTrue(u.matches("'#2 mul' \\(mul\\) at \\(0, 0\\) is 1\\.0\\d*E-8 exactly, which rounds to 0 in float16"
                    + " \\(smallest subnormal 6\\.0e-8\\); div '#1 div' read that 0 as operand 1 at \\(0, 0\\)"), u);
            String text = r.toString();
            assertTrue(text.contains("\n  underflow: " + u), text);
            assertTrue(text.contains("UNDERFLOW_TO_ZERO: a non-zero value rounded to 0 in float16"), text);
            assertTrue(r.remedy().contains("6.1e-5"), r.remedy());
        }
    }

    @Test
    void theSecondMulIsNamedByItsLabelAndTheTraceGoesThroughExactOps() throws Exception {
        NanReport r = thrown(Precision.FLOAT16, () -> {
            Var x = Var.input("x", Tensor.row(1.0));
            Var tiny = x.mul(1e-4).mul(1e-4).label("second").neg().abs();
            return tiny.log();
        });
        assertEquals(Cause.UNDERFLOW_TO_ZERO, r.cause());
        assertEquals("log", r.op());
        assertTrue(r.underflow().startsWith("'second' (mul) at (0, 0) is "), r.underflow());
        assertTrue(JSON.readTree(r.toJson()).get("underflow").asText().startsWith("'second' (mul)"));
    }

    @Test
    void aConstantTheFormatFlushesIsNamedWithTheValueItWasGiven() throws Exception {
        NanReport r = thrown(Precision.FLOAT16, () -> Var.input("x", Tensor.row(1.0)).div(Var.constant(1e-8).abs()));
        assertEquals(Cause.UNDERFLOW_TO_ZERO, r.cause());
        assertTrue(r.underflow().startsWith("const '") && r.underflow().contains("at (0, 0) was given 1.0E-8, which rounds to 0 in float16"),
                r.underflow());
        // the same division by a true 0 is not an underflow
        NanReport zero = thrown(Precision.FLOAT16, () -> Var.input("x", Tensor.row(1.0)).div(Var.constant(0.0)));
        assertEquals(Cause.DIV_BY_ZERO, zero.cause());
        assertNull(zero.underflow());
    }

    @Test
    void aGradientThatDividesByAnUnderflowedZeroIsTracedInBackwardToo() {
        try (Emulation e = Precision.emulate(Precision.FLOAT16)) {
            Var w = Var.param("w", Tensor.row(1.0));
            Var root = w.mul(1e-4).mul(1e-4).label("tiny").sqrt();
            assertEquals(0.0, root.item(), 0.0, "sqrt(0) is finite: the forward passes");
            NanReport r = assertThrows(NonFiniteException.class, () -> root.sum().backward()).report();
            assertEquals(Phase.BACKWARD, r.phase());
            assertEquals("sqrt", r.op());
            assertEquals(Cause.UNDERFLOW_TO_ZERO, r.cause());
            assertTrue(r.underflow().startsWith("'tiny' (mul) at (0, 0) is "), r.underflow());
        }
    }

    @Test
    void aReductionThatRoundsToZeroIsNamedThoughTheTraceFollowsOnlyElementwiseOps() {
        double smallest = Precision.FLOAT16.minSubnormal();
        NanReport r = thrown(Precision.FLOAT16, () -> Var.constant(1.0).div(
                Var.input("x", Tensor.row(smallest, 0, 0)).mean().label("avg")));
        assertEquals(Cause.UNDERFLOW_TO_ZERO, r.cause());
        assertTrue(r.underflow().startsWith("'avg' (mean) at (0, 0) is " + smallest / 3 + " exactly"), r.underflow());
    }

    @Test
    void aTrueZeroStaysADivisionByZeroAndFloat64NeverTraces() {
        NanReport r = thrown(Precision.FLOAT16, () -> Var.constant(1.0).div(Var.input("x", Tensor.row(0.0)).mul(3.0)));
        assertEquals(Cause.DIV_BY_ZERO, r.cause());
        assertNull(r.underflow());
        NanReport d = assertThrows(NonFiniteException.class,
                () -> Var.constant(1.0).div(Var.input("x", Tensor.row(1e-200)).mul(1e-200))).report();
        assertEquals(Cause.DIV_BY_ZERO, d.cause());
        assertNull(d.underflow());
    }

    @Test
    void aMasterParameterThatRoundsToZeroIsNamedAsTheUnderflow() {
        try (Emulation e = Precision.emulate(Precision.FLOAT16)) {
            Var w = Var.param("w", Tensor.row(1e-9));
            NanReport r = assertThrows(NonFiniteException.class, () -> Var.constant(1.0).div(w)).report();
            assertEquals(Cause.UNDERFLOW_TO_ZERO, r.cause());
            assertTrue(r.underflow().startsWith("parameter 'w' at (0, 0) holds 1.0E-9 (its float64 master), which rounds"
                    + " to 0 in float16"), r.underflow());
        }
    }

    @Test
    void remediesUseAnEpsilonAndAMaskThatSurviveTheFormat() {
        NanReport log16 = thrown(Precision.FLOAT16, () -> Var.input("p", Tensor.row(0.0)).log());
        assertEquals(Cause.LOG_OF_ZERO, log16.cause());
        assertTrue(log16.remedy().contains("log(x + 1e-4)") && log16.remedy().contains("1e-12 rounds to 0 in float16"),
                log16.remedy());
        NanReport log64 = assertThrows(NonFiniteException.class, () -> Var.input("p", Tensor.row(0.0)).log()).report();
        assertTrue(log64.remedy().contains("log(x + 1e-12)"), log64.remedy());
        NanReport div16 = thrown(Precision.FLOAT16, () -> Var.constant(1.0).div(Var.input("q", Tensor.row(0.0))));
        assertTrue(div16.remedy().contains("a / (b + 1e-4)") && !div16.remedy().contains("1e-8)"), div16.remedy());
        NanReport div32 = thrown(Precision.FLOAT32, () -> Var.constant(1.0).div(Var.input("q", Tensor.row(0.0))));
        assertTrue(div32.remedy().contains("a / (b + 1e-8)"), div32.remedy());
        try (Emulation e = Precision.emulate(Precision.FLOAT16);
             FiniteGuard.Scope g = FiniteGuard.mode(FiniteGuard.Mode.WARN)) {
            Var mask;
            try (var allow = FiniteGuard.allowNonFinite("attention mask")) {
                mask = Var.constant(Tensor.row(Double.NEGATIVE_INFINITY, Double.NEGATIVE_INFINITY));
            }
            Var.input("s", Tensor.row(1.0, 2.0)).add(mask).softmax();
            List<NanReport> rs = g.reports();
            assertEquals(1, rs.size(), rs.toString());
            String remedy = rs.get(0).remedy();
            assertTrue(remedy.contains("-1e4 (or -65504, float16's lowest finite value; -1e9 is -Infinity in float16)"),
                    remedy);
        }
        assertTrue(Cause.FULLY_MASKED_ROW.remedy(Precision.FLOAT16).contains("-1e4"));
        assertEquals(Cause.FULLY_MASKED_ROW.remedy(), Cause.FULLY_MASKED_ROW.remedy(Precision.FLOAT64));
        assertTrue(Cause.FULLY_MASKED_ROW.remedy(Precision.BFLOAT16).contains("(-1e9)"));
    }

    @Test
    void float64TextsOfEveryCauseAreTheNoArgumentOnes() {
        for (Cause c : Cause.values()) {
            assertEquals(c.meaning(), c.meaning(Precision.FLOAT64), c.name());
            assertEquals(c.remedy(), c.remedy(Precision.FLOAT64), c.name());
        }
        assertThrows(IllegalArgumentException.class, () -> Cause.OVERFLOW.meaning(null));
    }
}
