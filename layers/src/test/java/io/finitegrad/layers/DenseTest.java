package io.finitegrad.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.arbitrary;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import io.finitegrad.autodiff.GradCheck;
import io.finitegrad.autodiff.NonFiniteException;
import io.finitegrad.autodiff.op.ShapeException;
import io.finitegrad.autodiff.Var;
import io.finitegrad.core.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DenseTest {

    @Test
    void gradCheckPassesForEveryActivation() {
        qt().withExamples(TestSupport.fewerExamples(2))
                .forAll(arbitrary().enumValues(Activation.class), integers().between(1, 5), integers().between(1, 5),
                        longs().all())
                .checkAssert((act, in, out, seed) -> {
                    Random rng = new Random(seed);
                    int batch = 1 + rng.nextInt(4);
                    Dense d = new Dense(in, out, act, Init.XAVIER_NORMAL, rng);
                    TestSupport.fill(d.bias(), TestSupport.gaussian(rng, 1, out, 0.3));
                    Var x = Var.param("x", TestSupport.gaussian(rng, batch, in, 0.7));
                    Var y = Var.input("y", TestSupport.gaussian(rng, batch, out, 1));
                    Tensor pre = x.matmul(d.weight()).add(d.bias()).value();
                    // (leaky) ReLU has no derivative at 0: finite differences straddling it disagree with any subgradient
                    boolean kinked = act == Activation.RELU || act == Activation.LEAKY_RELU;
                    if (kinked && TestSupport.nearKink(pre, 1e-4)) return;
                    List<Var> params = new ArrayList<>(d.parameters());
                    params.add(x);
                    TestSupport.assertGradCheck(GradCheck.check(() -> Losses.mse(d.forward(x), y), params), act.toString());
                });
    }

    @Test
    void forwardIsActivationOfAffineMap() {
        Dense d = new Dense("d", 2, 2, Activation.TANH, Init.XAVIER_NORMAL, new Random(1));
        TestSupport.fill(d.weight(), Tensor.of(2, 2, 1, 2, 3, 4));
        TestSupport.fill(d.bias(), Tensor.row(0.5, -0.5));
        Tensor y = d.forward(Var.input("x", Tensor.of(1, 2, 1, -1))).value();
        // x @ W = [1 - 3, 2 - 4] = [-2, -2]; + b = [-1.5, -2.5]
        assertEquals(Math.tanh(-1.5), y.get(0, 0), 1e-15);
        assertEquals(Math.tanh(-2.5), y.get(0, 1), 1e-15);
    }

    @Test
    void activationsComputeTheirFunctions() {
        Var x = Var.input("x", Tensor.row(-2, 0.5));
        assertEquals(Tensor.row(-2, 0.5), Activation.IDENTITY.apply(x).value());
        assertEquals(Tensor.row(0, 0.5), Activation.RELU.apply(x).value());
        assertEquals(Tensor.row(-0.02, 0.5), Activation.LEAKY_RELU.apply(x).value());
        assertEquals(1 / (1 + Math.exp(2)), Activation.SIGMOID.apply(x).value().get(0, 0), 1e-15);
        assertEquals(Math.tanh(0.5), Activation.TANH.apply(x).value().get(0, 1), 1e-15);
    }

    @Test
    void parametersAndNodesAreNamedByTheLayer() {
        LayerNames.reset();
        Dense first = new Dense(3, 4, Activation.SIGMOID, Init.XAVIER_UNIFORM, new Random(1));
        Dense second = new Dense(4, 2, Activation.IDENTITY, Init.XAVIER_UNIFORM, new Random(1));
        assertEquals(List.of("dense1/W", "dense1/b"), List.copyOf(first.namedParameters().keySet()));
        assertEquals("dense2/W", second.weight().name());
        Var h = first.forward(Var.input("x", Tensor.ones(2, 3)));
        assertEquals("dense1/sigmoid", h.name());
        assertEquals("dense1/add", h.parents().get(0).name());
        assertEquals("dense1/matmul", h.parents().get(0).parents().get(0).name());
        assertEquals("dense2/add", second.forward(h).name());
        assertEquals("3x4", first.weight().shape());
        assertEquals(Tensor.zeros(1, 4), first.bias().value());
    }

    @Test
    void aGuardReportInsideTheLayerNamesTheLayer() {
        Dense d = new Dense("hidden", 2, 2, Activation.RELU, Init.STANDARD_NORMAL, new Random(2));
        TestSupport.fill(d.weight(), Tensor.of(2, 2, 1, 1, 1, 1));
        NonFiniteException e = assertThrows(NonFiniteException.class,
                () -> d.forward(Var.input("x", Tensor.of(1, 2, 1e308, 1e308))));
        assertEquals("hidden/matmul", e.report().label());
        assertEquals("matmul", e.report().op());
    }

    @Test
    void wrongInputWidthNamesLayerAndShapes() {
        Dense d = new Dense("enc", 3, 2, Activation.RELU, Init.HE_NORMAL, new Random(1));
        ShapeException e = assertThrows(ShapeException.class, () -> d.forward(Var.input("x", Tensor.ones(5, 4))));
        assertTrue(e.getMessage().contains("enc") && e.getMessage().contains("5x4") && e.getMessage().contains("x 3"),
                e.getMessage());
    }

    @Test
    void badConstructorArgumentsAreRejected() {
        Random r = new Random(1);
        assertThrows(IllegalArgumentException.class, () -> new Dense(0, 2, Activation.RELU, Init.HE_NORMAL, r));
        assertThrows(IllegalArgumentException.class, () -> new Dense(2, 2, null, Init.HE_NORMAL, r));
        assertThrows(IllegalArgumentException.class, () -> new Dense("a/b", 2, 2, Activation.RELU, Init.HE_NORMAL, r));
    }

    /**
     * Three wide sigmoid layers on N(0, 1) inputs: with N(0, 1) weights the pre-activations have
     * standard deviation ~sqrt(256) = 16 and the sigmoids saturate, so their derivative s(1 - s),
     * the factor every backpropagated gradient is multiplied by, is tiny on average; Xavier keeps
     * the pre-activations near unit variance and the derivative near its useful range.
     */
    @Test
    void standardNormalWeightsSaturateWideSigmoidLayersWhileXavierDoesNot() {
        assertTrue(meanSigmoidDerivativeOfLastLayer(Init.STANDARD_NORMAL) < 0.05);
        assertTrue(meanSigmoidDerivativeOfLastLayer(Init.XAVIER_NORMAL) > 0.15);
        assertTrue(meanSigmoidDerivativeOfLastLayer(Init.XAVIER_UNIFORM) > 0.15);
    }

    private static double meanSigmoidDerivativeOfLastLayer(Init init) {
        Random rng = new Random(42);
        int width = 256;
        Sequential net = new Sequential(new Dense(width, width, Activation.SIGMOID, init, rng),
                new Dense(width, width, Activation.SIGMOID, init, rng),
                new Dense(width, width, Activation.SIGMOID, init, rng));
        double[] s = net.forward(Var.input("x", TestSupport.gaussian(rng, 64, width, 1))).value().toFlatArray();
        double sum = 0;
        for (double v : s) sum += v * (1 - v);
        return sum / s.length;
    }
}
