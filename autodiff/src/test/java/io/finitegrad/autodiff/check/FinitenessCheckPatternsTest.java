package io.finitegrad.autodiff.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.finitegrad.autodiff.NaiveOps;
import io.finitegrad.autodiff.Var;
import io.finitegrad.autodiff.op.Cause;
import io.finitegrad.autodiff.op.Op;
import io.finitegrad.autodiff.op.Phase;
import io.finitegrad.core.Interval;
import io.finitegrad.core.Precision;
import io.finitegrad.core.Tensor;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.Test;

/**
 * The engine end to end on the patterns: each is found at the right node and phase with
 * the cause the guard names, confirmed by a concrete input, and fixed by the suggestion (the fixed
 * model certifies); a safe model certifies; host reads, writes and custom ops without a transfer
 * prevent a certificate; the JSON and DOT outputs parse.
 */
class FinitenessCheckPatternsTest {

    private static PotentialDefect at(FinitenessReport r, String op, Phase phase) {
        return r.defects().stream().filter(d -> d.op().equals(op) && d.phase() == phase).findFirst()
                .orElseThrow(() -> new AssertionError("no " + phase + " defect at a " + op + " node:\n" + r));
    }

    private static Fix fix(PotentialDefect d, Fix.Kind kind) {
        return d.fixes().stream().filter(f -> f.kind() == kind).findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + " fix for " + d.where() + ": " + d.fixes()));
    }

    /**
     * Applies the first remaining defect's verified input shrink until nothing is left (a shrink
     * clears its own node; a node downstream may need a little more): the suggestion, followed.
     */
    private static FinitenessReport shrinkUntilCertified(Function<Inputs, Var> model, Interval x, Precision p) {
        Interval box = x;
        FinitenessReport r = FinitenessCheck.of(model).input("x", box).precision(p).tries(20).run();
        for (int i = 0; i < 8 && !r.certified(); i++) {
            Fix f = fix(r.defects().get(0), Fix.Kind.SHRINK_INPUTS);
            assertTrue(f.verified(), f::toString);
            box = box.scaled(f.value());
            r = FinitenessCheck.of(model).input("x", box).precision(p).tries(20).run();
        }
        return r;
    }

    private static void assertCertified(FinitenessReport r) {
        assertTrue(r.certified(), () -> "expected a certificate:\n" + r);
        assertTrue(r.defects().isEmpty());
        assertFalse(r.hasConfirmedDefect());
    }

    private static void assertConfirmed(PotentialDefect d) {
        assertTrue(d.confirmed(), () -> d.where() + " unconfirmed after " + d.confirmation().tries());
        assertTrue(d.causes().contains(d.confirmation().report().cause()));
        assertEquals(d.phase(), d.confirmation().report().phase());
    }

    @Test
    void aSafeModelCertifiesForwardAndBackward() {
        Var w = Var.param("w", Tensor.of(3, 2, new double[] {0.5, -0.25, 0.1, 0.3, -0.2, 0.4}));
        FinitenessReport r = FinitenessCheck.of(in -> in.get("x").matmul(w).tanh().sum())
                .input("x", Interval.full(4, 3, -1, 1)).precision(Precision.FLOAT32).run();
        assertCertified(r);
        assertTrue(r.backward());
        assertTrue(r.certificate().toString().contains("float32"), r.certificate()::toString);
        assertTrue(r.certifiedRadius() > 0, () -> "radius " + r.certifiedRadius());
        // every node has a finite value box, and the backward pass reached the parameter
        for (NodeBounds b : r.bounds()) assertTrue(b.value().isFinite(), b::toString);
        assertTrue(r.bounds().stream().anyMatch(b -> b.kind() == Var.Kind.PARAM && b.grad() != null && b.grad().isFinite()));
    }

    @Test
    void logOfANaiveSoftmaxIsFoundConfirmedAndLogSoftmaxCertifies() {
        Var w = Var.param("w", Tensor.scalar(1));
        Interval z = Interval.full(1, 3, -800, 700);
        FinitenessReport broken = FinitenessCheck.of(in -> NaiveOps.softmax(in.get("z").mul(w)).log().sum())
                .input("z", z).run();
        PotentialDefect d = at(broken, "log", Phase.FORWARD);
        assertTrue(d.causes().contains(Cause.LOG_OF_ZERO), d.causes()::toString);
        assertConfirmed(d);
        assertTrue(fix(d, Fix.Kind.ADVICE).text().contains("logSoftmax"), d.fixes()::toString);
        assertFalse(broken.certified());
        assertTrue(broken.hasConfirmedDefect());

        FinitenessReport fixed = FinitenessCheck.of(in -> in.get("z").mul(w).logSoftmax().sum()).input("z", z).run();
        assertCertified(fixed);
    }

    @Test
    void expOfALargeLogitIsFoundConfirmedAndTheInputShrinkCertifies() {
        Var w = Var.param("w", Tensor.scalar(3));
        Interval x = Interval.full(2, 2, 0, 300);
        Function<Inputs, Var> model = in -> in.get("x").mul(w).exp().sum();
        FinitenessReport broken = FinitenessCheck.of(model).input("x", x).run();
        PotentialDefect d = at(broken, "exp", Phase.FORWARD);
        assertTrue(d.causes().contains(Cause.EXP_OVERFLOW), d.causes()::toString);
        assertConfirmed(d);
        Fix shrink = fix(d, Fix.Kind.SHRINK_INPUTS);
        assertTrue(shrink.verified());
        // exp(3 * (150 + 150 s)) overflows double beyond s = 709.78 / 450 - 1 = 0.577
        assertTrue(shrink.value() > 0.5 && shrink.value() < 0.578, shrink::toString);
        // that shrink clears the exp; the sum of four exps then needs a little more
        FinitenessReport fixed = shrinkUntilCertified(model, x, Precision.FLOAT64);
        assertCertified(fixed);
        assertTrue(fixed.certificate().inputs().get("x").max() < x.max());
    }

    @Test
    void aNormaliserThatCanBeZeroIsFoundConfirmedAndTheEpsilonCertifies() {
        Var w = Var.param("w", Tensor.scalar(1));
        Interval x = Interval.full(2, 4, 0, 1);
        FinitenessReport broken = FinitenessCheck.of(in -> {
            Var v = in.get("x").mul(w);
            return v.div(v.sumRows()).sum();
        }).input("x", x).precision(Precision.FLOAT32).run();
        PotentialDefect d = at(broken, "div", Phase.FORWARD);
        assertTrue(d.causes().contains(Cause.ZERO_DIV_ZERO), d.causes()::toString);
        assertConfirmed(d);
        Fix eps = fix(d, Fix.Kind.EPSILON);
        assertTrue(eps.verified());
        assertEquals(1, d.operand() < 0 ? 1 : d.operand());
        double e = eps.value();
        FinitenessReport fixed = FinitenessCheck.of(in -> {
            Var v = in.get("x").mul(w);
            return v.div(v.sumRows().add(e)).sum();
        }).input("x", x).precision(Precision.FLOAT32).run();
        assertCertified(fixed);
    }

    @Test
    void sqrtOfAZeroableSumOfSquaresFailsInBackwardAndTheEpsilonCertifies() {
        Var w = Var.param("w", Tensor.row(0, 0, 0));
        Interval x = Interval.full(1, 3, -1, 1);
        FinitenessReport broken = FinitenessCheck.of(in -> in.get("x").sub(w).square().sum().sqrt())
                .input("x", x).run();
        // (a forward SQRT_OF_NEGATIVE may be flagged too, unconfirmed: the sum's a-priori rounding term
        // puts the box's low end of a sum of squares a few ulps below 0)
        assertTrue(broken.defects().stream().filter(d -> d.phase() == Phase.FORWARD).noneMatch(PotentialDefect::confirmed),
                broken::toString);
        PotentialDefect d = at(broken, "sqrt", Phase.BACKWARD);
        assertTrue(d.causes().contains(Cause.DIV_BY_ZERO), d.causes()::toString);
        assertConfirmed(d);
        Fix eps = fix(d, Fix.Kind.EPSILON);
        assertTrue(eps.verified());
        double e = eps.value();
        assertCertified(FinitenessCheck.of(in -> in.get("x").sub(w).square().sum().add(e).sqrt()).input("x", x).run());
    }

    @Test
    void aMaskedBranchFailsInBothPhasesAndTheDoubleWhereCertifies() {
        Var w = Var.param("w", Tensor.scalar(1));
        Tensor mask = Tensor.row(1, 1, 0, 0);
        // the kept entries are positive; the masked ones (padding) may be 0
        Interval x = Interval.of(Tensor.row(0.1, 0.1, 0, 0), Tensor.row(1, 1, 1, 1));
        FinitenessReport broken = FinitenessCheck.of(in -> in.get("x").mul(w).log().where(mask, Var.constant(0)).sum())
                .input("x", x).run();
        PotentialDefect fwd = at(broken, "log", Phase.FORWARD);
        assertTrue(fwd.causes().contains(Cause.LOG_OF_ZERO), fwd.causes()::toString);
        assertConfirmed(fwd);
        // the masked entries' zero upstream gradient meets log's 1/x: ZERO_TIMES_INF in backward, flagged;
        // the guard reports the forward log(0) as the entry, so the backward is its consequence, not confirmed
        PotentialDefect bwd = at(broken, "log", Phase.BACKWARD);
        assertTrue(bwd.causes().contains(Cause.ZERO_TIMES_INF), bwd.causes()::toString);
        assertFalse(fix(fwd, Fix.Kind.ADVICE).text().isBlank());

        FinitenessReport fixed = FinitenessCheck.of(in -> in.get("x").mul(w).where(mask, Var.constant(1)).log()
                .where(mask, Var.constant(0)).sum()).input("x", x).run();
        assertCertified(fixed);
    }

    /** h = h W + x, T steps, no tanh: the bound grows like (row sum of |W|)^T. */
    private static Function<Inputs, Var> linearRnn(Var w, int steps) {
        return in -> {
            Var x = in.get("x");
            Var h = x;
            for (int t = 1; t < steps; t++) h = h.matmul(w).add(x);
            return h.sum();
        };
    }

    @Test
    void aLinearRecurrencesCertifiedRadiusShrinksWithLength() {
        Var w = Var.param("W", Tensor.of(2, 2, new double[] {0.5, 0, 0, 0.5}));
        Interval x = Interval.full(1, 2, -1, 1);
        double previous = Double.POSITIVE_INFINITY;
        for (int steps : new int[] {4, 8, 16}) {
            FinitenessReport r = FinitenessCheck.of(linearRnn(w, steps)).input("x", x).precision(Precision.FLOAT16)
                    .confirm(false).run();
            assertCertified(r);
            double radius = r.certifiedRadius();
            assertTrue(radius < previous, () -> steps + " steps: radius " + radius);
            assertFalse(r.radiusAtLeast());
            assertFalse(r.radiusLimit().isEmpty());
            previous = radius;
        }
    }

    @Test
    void aLongLinearRecurrenceOverflowsIsConfirmedAndASmallerInitialisationCertifies() {
        Interval x = Interval.full(1, 2, -1, 1);
        // row sums of |W| are 2: the state doubles each step and leaves float16 within 20 steps
        Var w = Var.param("W", Tensor.of(2, 2, new double[] {1, 1, 1, 1}));
        FinitenessReport broken = FinitenessCheck.of(linearRnn(w, 20)).input("x", x).precision(Precision.FLOAT16)
                .tries(50).run();
        assertFalse(broken.defects().isEmpty(), broken::toString);
        PotentialDefect d = broken.defects().get(0);
        assertTrue(d.causes().contains(Cause.OVERFLOW), d.causes()::toString);
        assertTrue(Double.isNaN(broken.certifiedRadius()));
        assertConfirmed(d);
        assertTrue(broken.hasConfirmedDefect());
        // the gradient doubles back through the steps whatever the input: no input shrink clears it; the
        // advice is the initialisation, and a W whose row sums are below 1 certifies
        String advice = fix(d, Fix.Kind.ADVICE).text();
        assertTrue(advice.contains("initialisation"), advice);
        Var small = Var.param("W", Tensor.of(2, 2, new double[] {0.25, 0.25, 0.25, 0.25}));
        FinitenessReport fixed = FinitenessCheck.of(linearRnn(small, 20)).input("x", x).precision(Precision.FLOAT16).run();
        assertCertified(fixed);
        assertTrue(fixed.certifiedRadius() > 0);
    }

    @Test
    void aHostReadIsNotCertifiableAndNamesTheRead() {
        Var w = Var.param("w", Tensor.scalar(2));
        FinitenessReport item = FinitenessCheck.of(in -> {
            Var x = in.get("x");
            return x.item() > 0 ? x.mul(w).sum() : x.sum();
        }).input("x", Interval.scalar(-1, 1)).run();
        assertFalse(item.certified());
        assertNull(item.certificate());
        assertEquals(1, item.hostReads().size());
        assertEquals("x", item.hostReads().get(0).node());
        assertTrue(item.hostReads().get(0).site().contains("FinitenessCheckPatternsTest"), item.hostReads().get(0)::toString);
        assertTrue(item.toString().contains("not certifiable"), item::toString);

        FinitenessReport read = FinitenessCheck.of(in -> {
            Var h = in.get("x").mul(w);
            DMatrixRMaj m = h.read();
            return m.get(0, 0) > 0 ? h.sum() : h.neg().sum();
        }).input("x", Interval.full(1, 2, -1, 1)).run();
        assertFalse(read.certified());
        assertEquals(1, read.hostReads().size());
        assertEquals(Var.Kind.OP, read.hostReads().get(0).kind());
    }

    @Test
    void aBuilderWritingAParameterIsRefused() {
        Var w = Var.param("w", Tensor.scalar(2));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> FinitenessCheck.of(in -> {
            w.write().data[0] += 1;
            return in.get("x").mul(w).sum();
        }).input("x", Interval.scalar(-1, 1)).run());
        assertTrue(e.getMessage().contains("w"), e::getMessage);
    }

    private static final Op OPAQUE = new Op() {
        public String name() {
            return "opaque";
        }

        public DMatrixRMaj forward(DMatrixRMaj[] x) {
            DMatrixRMaj y = x[0].copy();
            for (int i = 0; i < y.data.length; i++) y.data[i] *= 2;
            return y;
        }

        public DMatrixRMaj vjp(int i, DMatrixRMaj[] x, DMatrixRMaj y, DMatrixRMaj g) {
            DMatrixRMaj d = g.copy();
            for (int k = 0; k < d.data.length; k++) d.data[k] *= 2;
            return d;
        }
    };

    @Test
    void aCustomOpWithoutATransferIsNamedAndPreventsACertificate() {
        Var w = Var.param("w", Tensor.scalar(2));
        FinitenessReport r = FinitenessCheck.of(in -> Var.apply(OPAQUE, in.get("x").mul(w)).label("mystery").sum())
                .input("x", Interval.full(1, 3, -1, 1)).run();
        assertFalse(r.certified());
        assertEquals(1, r.unknownOps().size(), r.unknownOps()::toString);
        assertTrue(r.unknownOps().get(0).contains("opaque") && r.unknownOps().get(0).contains("mystery"), r.unknownOps()::toString);
        assertTrue(r.toString().contains("no range transfer"), r::toString);
    }

    @Test
    void jsonAndBoundsJsonParseAndDotIsWellFormed() throws Exception {
        Var w = Var.param("w", Tensor.scalar(3));
        FinitenessReport r = FinitenessCheck.of(in -> in.get("x").mul(w).exp().sum())
                .input("x", Interval.full(2, 2, 0, 300)).run();
        ObjectMapper json = new ObjectMapper();
        JsonNode report = json.readTree(r.toJson());
        assertTrue(report.isObject());
        JsonNode bounds = json.readTree(r.boundsJson());
        assertTrue(bounds.isContainerNode());
        String b = r.boundsJson();
        for (NodeBounds nb : r.bounds()) assertTrue(b.contains("\"" + nb.node() + "\""), nb.node());
        // a clean model too (infinite headroom of a 0 node must still be valid JSON)
        FinitenessReport clean = FinitenessCheck.of(in -> in.get("x").mul(w).mul(0).sum())
                .input("x", Interval.full(1, 2, -1, 1)).run();
        json.readTree(clean.toJson());
        json.readTree(clean.boundsJson());

        for (FinitenessReport rep : List.of(r, clean)) {
            String dot = rep.toDot().strip();
            assertTrue(dot.startsWith("digraph"), dot);
            assertTrue(dot.endsWith("}"), dot);
            // outside quoted strings (escapes honoured): no stray quote, braces balanced
            String bare = dot.replaceAll("\"(\\\\.|[^\"\\\\])*\"", "\"\"");
            assertEquals(0, bare.replace("\"\"", "").chars().filter(c -> c == '"').count(), dot);
            long open = bare.chars().filter(c -> c == '{').count(), close = bare.chars().filter(c -> c == '}').count();
            assertEquals(1, open, dot);
            assertEquals(open, close, dot);
            Set<String> declared = new HashSet<>();
            Matcher node = Pattern.compile("(?m)^\\s*(n\\d+)\\s*\\[").matcher(dot);
            while (node.find()) declared.add(node.group(1));
            assertEquals(rep.bounds().size(), declared.size(), dot);
            Matcher edge = Pattern.compile("(n\\d+)\\s*->\\s*(n\\d+)").matcher(dot);
            int edges = 0;
            while (edge.find()) {
                assertTrue(declared.contains(edge.group(1)) && declared.contains(edge.group(2)), edge.group());
                edges++;
            }
            assertTrue(edges > 0);
        }
        assertNotNull(r.defects().get(0).confirmation());
    }
}
