package io.finitegrad.autodiff.numerics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.finitegrad.autodiff.NaiveOps;
import io.finitegrad.autodiff.Var;
import io.finitegrad.core.Tensor;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Gradients that are finite in exact arithmetic come out finite: the cases of issue #9, each one a
 * VJP that formed a reciprocal, square or product of a tiny or huge operand before multiplying by
 * the upstream gradient. All run under the default guard mode (THROW), so a non-finite gradient
 * fails the test by exception before any assertion.
 */
class FiniteVjpTest {
    @Test
    void theMeanOfTermsNearTheLargestDoubleIsFiniteWhenTheirSumIsNot() {
        // found by a stability property over bceWithLogits: its mean overflowed in the sum
        Var x = Var.param("x", Tensor.row(Double.MAX_VALUE, 1e300, Double.MAX_VALUE));
        Var m = x.mean();
        assertEquals((Double.MAX_VALUE / 3) * 2 + 1e300 / 3, m.item(), 1e293);
        m.backward();
        assertArrayEquals(new double[] {1.0 / 3, 1.0 / 3, 1.0 / 3}, x.grad().toFlatArray());
    }

    @Test
    void rowAndColumnMeansOverflowOnlyWhereTheMeanItselfIsBeyondTheRange() {
        double big = Double.MAX_VALUE;
        Var x = Var.param("x", Tensor.of(2, 2, big, big, 1, 3));
        assertArrayEquals(new double[] {big, 2}, x.meanRows().value().toFlatArray(), big * 1e-15);
        assertArrayEquals(new double[] {big / 2, big / 2}, x.meanCols().value().toFlatArray(), big * 1e-15);
        x.meanRows().sum().backward();
        assertArrayEquals(new double[] {0.5, 0.5, 0.5, 0.5}, x.grad().toFlatArray());
        x.zeroGrad();
        x.meanCols().sum().backward();
        assertArrayEquals(new double[] {0.5, 0.5, 0.5, 0.5}, x.grad().toFlatArray());
    }

    private static double[] grad(Var v) {
        return v.grad().toFlatArray();
    }

    @Test
    void divisionByATinyDenominatorHasTheExactDivisorGradient() {
        // d(a/b)/db = -a/b^2 = -1e170; b*b = 1e-340 underflows to 0 and made it -Inf
        Var a = Var.param("a", Tensor.of(1, 1, 1e-170));
        Var b = Var.param("b", Tensor.of(1, 1, 1e-170));
        a.div(b).sum().backward();
        assertEquals(1e170, grad(a)[0], 1e170 * 1e-15);
        assertEquals(-1e170, grad(b)[0], 1e170 * 1e-15);
    }

    /** {@code -mean(y * log(softmax(z)))} over two classes, logits [0, -710], the second class true. */
    private static void assertNaiveCrossEntropy(UnaryOperator<Var> softmax) {
        Var z = Var.param("z", Tensor.row(0, -710));
        Var y = Var.constant(Tensor.row(0, 1));
        Var loss = y.mul(softmax.apply(z).log()).mean().neg();
        assertEquals(355.0, loss.value().get(0, 0), 1e-9);
        loss.backward();
        assertArrayEquals(new double[] {0.5, -0.5}, grad(z), 1e-12);
    }

    @Test
    void crossEntropyThroughLogOfTheBuiltInSoftmaxAtAnUnderflowedProbability() {
        // the probability exp(-710) = 4.47e-309 is subnormal: 1/p overflowed before -0.5 multiplied it
        assertNaiveCrossEntropy(Var::softmax);
    }

    @Test
    void crossEntropyThroughLogOfTheNaiveSoftmaxAtAnUnderflowedProbability() {
        assertNaiveCrossEntropy(NaiveOps::softmax);
    }

    @Test
    void squareOfATinyOperandUnderAHugeUpstream() {
        // (g * 2) overflowed for g = 1e308 before x = 0.25 scaled it back
        Var x = Var.param("x", Tensor.of(1, 1, 0.25));
        x.square().mul(1e308).sum().backward();
        assertEquals(0.5e308, grad(x)[0], 0.5e308 * 1e-15);
    }

    @Test
    void negativePowerOfAHugeOperandUnderAHugeUpstream() {
        // d x^-1/dx = -x^-2 = -1e-400 underflows to 0, yet times g = 1e200 it is -1e-200
        Var x = Var.param("x", Tensor.of(1, 1, 1e200));
        x.pow(-1).mul(1e200).sum().backward();
        assertEquals(-1e-200, grad(x)[0], 1e-200 * 1e-13);
    }

    @Test
    void saturatedSigmoidAndTanhKeepTheirTinyDerivativeUnderAHugeUpstream() {
        // sigmoid'(-800) = e^-800 underflows, and 1 - tanh(40)^2 rounds to 0; times 1e300 both are representable
        Var s = Var.param("s", Tensor.of(1, 1, -800));
        s.sigmoid().mul(1e300).sum().backward();
        assertEquals(Math.exp(-400) * 1e300 * Math.exp(-400), grad(s)[0], 1e-12 * grad(s)[0]);
        Var t = Var.param("t", Tensor.of(1, 1, 40));
        t.tanh().mul(1e300).sum().backward();
        assertEquals(4 * Math.exp(-80) * 1e300, grad(t)[0], 1e-12 * grad(t)[0]);
    }

    @Test
    void underflowedExpKeepsItsGradientUnderAHugeUpstream() {
        // exp(-800) underflows to 0 in forward; the gradient g * e^-800 with g = 1e300 is 3.7e-48
        Var x = Var.param("x", Tensor.of(1, 1, -800));
        x.exp().mul(1e300).sum().backward();
        assertEquals(Math.exp(-400) * 1e300 * Math.exp(-400), grad(x)[0], 1e-12 * grad(x)[0]);
    }

    @Test
    void softplusFarBelowZeroUnderAHugeUpstream() {
        Var x = Var.param("x", Tensor.of(1, 1, -750));
        x.softplus().mul(1e300).sum().backward();
        assertEquals(Math.exp(-375) * 1e300 * Math.exp(-375), grad(x)[0], 1e-12 * grad(x)[0]);
    }

    @Test
    void logSoftmaxWhoseUpstreamSumOverflows() {
        // g = [1e308, 1e308] sums to Inf; the exact VJP g - softmax * sum(g) is [0, 0]
        Var x = Var.param("x", Tensor.row(0, 0));
        x.logSoftmax().mul(Var.constant(Tensor.row(1e308, 1e308))).sum().backward();
        // softmax [0.5, 0.5] is rounded, so the exact 0 comes out within a few ulps of g
        assertArrayEquals(new double[] {0, 0}, grad(x), 1e308 * 1e-14);
    }

    @Test
    void softmaxWhoseUpstreamDifferenceOverflows() {
        // g = [1e308, -1e308] on softmax [1 - 1e-10, 1e-10]: g - dot overflows, y * g - y * dot does not
        double z = -Math.log(1e10);
        Var x = Var.param("x", Tensor.row(0, z));
        x.softmax().mul(Var.constant(Tensor.row(1e308, -1e308))).sum().backward();
        double[] d = grad(x);
        double p = 1 / (1 + Math.exp(-z)), exact = 2 * p * (1 - p) * 1e308;
        // g - dot cancels to 2p * g: rounding in the softmax costs ~1e-16 / p relative, not overflow
        assertEquals(exact, d[1] * -1, 1e-5 * exact);
        assertEquals(exact, d[0], 1e-5 * exact);
    }
}
