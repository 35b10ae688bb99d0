package io.finitegrad.autodiff;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.finitegrad.core.Tensor;
import org.junit.jupiter.api.Test;

/** {@code backward(upstream)}: PyTorch's {@code y.backward(gradient)} from a node of any shape. */
class BackwardUpstreamTest {
    @Test
    void givesTheVectorJacobianProductWithTheUpstreamGradient() {
        Var x = Var.param("x", Tensor.row(1, 2, 3));
        Var y = x.square();
        y.backward(Tensor.row(1, 10, 100));
        assertArrayEquals(new double[] {2, 40, 600}, x.grad().toFlatArray());
    }

    @Test
    void onesGiveTheGradientOfTheSumWithoutTheSumOverflowing() {
        Var x = Var.param("x", Tensor.row(1e308, 1e308));
        Var y = x.mul(1.5); // each 1.5e308 is finite, their sum is not
        y.backward(Tensor.ones(1, 2));
        assertArrayEquals(new double[] {1.5, 1.5}, x.grad().toFlatArray());
    }

    @Test
    void aMisShapedOrNonFiniteUpstreamIsRefusedByName() {
        Var y = Var.param("x", Tensor.row(1, 2)).exp().label("expX");
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class, () -> y.backward(Tensor.ones(2, 1)));
        assertTrue(shape.getMessage().contains("expX") && shape.getMessage().contains("1x2") && shape.getMessage().contains("2x1"),
                shape.getMessage());
        IllegalArgumentException nan = assertThrows(IllegalArgumentException.class, () -> y.backward(Tensor.row(1, Double.NaN)));
        assertTrue(nan.getMessage().contains("NaN") && nan.getMessage().contains("(0, 1)"), nan.getMessage());
        assertThrows(IllegalArgumentException.class, () -> y.backward(null));
    }
}
