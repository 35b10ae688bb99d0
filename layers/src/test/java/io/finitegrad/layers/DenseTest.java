package io.finitegrad.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.finitegrad.autodiff.NonFiniteException;
import io.finitegrad.autodiff.op.ShapeException;
import io.finitegrad.autodiff.proptest.GradientProperties;
import io.finitegrad.autodiff.Var;
import io.finitegrad.core.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

class DenseTest {

    /** Sizes and activation of one example; the tensors are drawn for these sizes. */
    record Dims(Activation act, int in, int out, int batch) {
    }

    /** A layer's initialisation seed and bias, an input batch x (itself checked as a parameter) and targets y. */
    record Example(Activation act, long seed, Tensor bias, Tensor x, Tensor y) {
    }

    /** The layer built from an example; its parameters and loss are what the gradient check perturbs. */
    static final class Model {
        final Example e;
        final Dense dense;
        final Var x;

        Model(Example e) {
            this.e = e;
            this.dense = new Dense(e.x().cols(), e.y().cols(), e.act(), Init.XAVIER_NORMAL, new Random(e.seed()));
            TestSupport.fill(dense.bias(), e.bias());
            this.x = Var.param("x", e.x());
        }

        List<Var> parameters() {
            List<Var> ps = new ArrayList<>(dense.parameters());
            ps.add(x);
            return ps;
        }

        Var loss() {
            return Losses.mse(dense.forward(x), Var.input("y", e.y()));
        }

        /** (Leaky) ReLU has no derivative at 0: central differences straddling it disagree with any subgradient. */
        boolean nearKink() {
            boolean kinked = e.act() == Activation.RELU || e.act() == Activation.LEAKY_RELU;
            return kinked && TestSupport.nearKink(x.matmul(dense.weight()).add(dense.bias()).value(), 1e-4);
        }

        @Override
        public String toString() {
            return e.toString();
        }
    }

    static Gen<Model> models() {
        Gen<Dims> dims = Generate.enumValues(Activation.class)
                .zip(Generate.range(1, 5), Generate.range(1, 5), Generate.range(1, 4), Dims::new);
        return dims.flatMap(d -> Generate.longRange(Long.MIN_VALUE, Long.MAX_VALUE)
                .zip(TestSupport.uniformTensors(1, d.out(), 0.6), TestSupport.uniformTensors(d.batch(), d.in(), 1.4),
                        TestSupport.uniformTensors(d.batch(), d.out(), 2),
                        (seed, bias, x, y) -> new Model(new Example(d.act(), seed, bias, x, y))));
    }

    @Test
    void gradCheckPassesForEveryActivation() {
        Gen<Model> models = models();
        GradientProperties.gradCheck("dense", models, Model::parameters, Model::loss)
                .tolerance(TestSupport.RELATIVE, TestSupport.ABSOLUTE)
                .skipIf(Model::nearKink)
                .examples(TestSupport.fewerExamples(2))
                .check();
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
