package io.finitegrad.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.finitegrad.autodiff.Var;
import io.finitegrad.core.StepBuffers;
import io.finitegrad.core.Tensor;
import java.util.ArrayList;
import java.util.List;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.Test;

/**
 * softmaxCrossEntropy scales constant targets into storage its constants take without copying:
 * recycled step buffers when a training loop owns the graph, new storage per call otherwise.
 */
class LossTargetStorageTest {
    private static final double[] HOT = {0, 1, 0, 1, 0, 0, 0, 0, 1};

    private static Var logits() {
        return Var.param("z", Tensor.of(3, 3, 0.5, -1, 2, 3, 0, -2, 1, 1, 0.25));
    }

    /** The loss graph's constants: the scaled targets (3x3) and the row weights (3x1), in that order. */
    private static List<Var> constants(Var loss) {
        List<Var> found = new ArrayList<>();
        List<Var> todo = new ArrayList<>(List.of(loss));
        while (!todo.isEmpty()) {
            Var v = todo.remove(todo.size() - 1);
            if (v.kind() == Var.Kind.CONSTANT && !found.contains(v)) found.add(v);
            todo.addAll(v.parents());
        }
        found.sort((a, b) -> Integer.compare(b.cols(), a.cols()));
        assertEquals(2, found.size(), found.toString());
        return found;
    }

    @Test
    void aRecycledStepTakesTheTargetsBufferOfTheLastStep() {
        Var y = Var.input("y", Tensor.of(3, 3, HOT));
        try (StepBuffers buffers = StepBuffers.recycle()) {
            Var z = logits();
            List<Var> first = constants(Losses.softmaxCrossEntropy(z, y));
            DMatrixRMaj scaled = first.get(0).read(), weights = first.get(1).read();
            buffers.nextStep();
            Var loss = Losses.softmaxCrossEntropy(z, y);
            List<Var> second = constants(loss);
            assertSame(scaled, second.get(0).read(), "the scaled targets' storage");
            assertSame(weights, second.get(1).read(), "the row weights' storage");
            assertArrayEquals(new double[] {0, 1 / 3.0, 0, 1 / 3.0, 0, 0, 0, 0, 1 / 3.0},
                    java.util.Arrays.copyOf(scaled.data, 9), 0.0);
            assertArrayEquals(new double[] {1 / 3.0, 1 / 3.0, 1 / 3.0}, java.util.Arrays.copyOf(weights.data, 3), 0.0);
            assertEquals(Losses.naiveSoftmaxCrossEntropy(z, y).item(), loss.item(), 1e-15);
        }
    }

    @Test
    void withoutRecyclingEachCallHasStorageOfItsOwn() {
        Var y = Var.input("y", Tensor.of(3, 3, HOT));
        Var z = logits();
        Var a = Losses.softmaxCrossEntropy(z, y), b = Losses.softmaxCrossEntropy(z, y);
        assertNotSame(constants(a).get(0).read(), constants(b).get(0).read());
        assertEquals(a.item(), b.item(), 0.0);
        assertNotSame(y.read(), constants(a).get(0).read(), "the targets themselves are never written");
        assertArrayEquals(HOT, y.read().data, 0.0);
    }
}
