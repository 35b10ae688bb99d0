package io.finitegrad.optim.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.finitegrad.autodiff.Var;
import io.finitegrad.autodiff.op.Cause;
import io.finitegrad.core.Tensor;
import io.finitegrad.layers.Activation;
import io.finitegrad.layers.Dense;
import io.finitegrad.layers.Init;
import io.finitegrad.layers.Layer;
import io.finitegrad.layers.Losses;
import io.finitegrad.layers.Sequential;
import io.finitegrad.optim.SGD;
import io.finitegrad.optim.data.Dataset;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The Trainer's divergence message advises what fits the report's cause, not always a lower learning rate. */
class DivergenceAdviceTest {
    private static final String LOWER_RATE = "lower learning rate";

    private static Layer net(Random rng) {
        return new Sequential(new Dense(2, 3, Activation.IDENTITY, Init.XAVIER_UNIFORM, rng));
    }

    private static String advice(TrainingDivergedException e) {
        String m = e.getMessage();
        return m.substring(0, m.indexOf('\n') < 0 ? m.length() : m.indexOf('\n'));
    }

    @Test
    void aNaNInTheDataAdvisesCleaningOrMaskingTheData() {
        Layer net = net(new Random(1));
        Dataset d = Dataset.of(Tensor.of(new double[][] {{1, 2}, {Double.NaN, 1}}), Tensor.of(new double[][] {{1, 0, 0}, {0, 1, 0}}));
        Trainer t = Trainer.builder(net, Losses::softmaxCrossEntropy, new SGD(net.parameters(), 0.1))
                .epochs(1).batchSize(2).quiet(true).build();
        TrainingDivergedException e = assertThrows(TrainingDivergedException.class, () -> t.fit(d));
        assertEquals(Cause.NON_FINITE_INPUT, e.report().cause());
        String a = advice(e);
        assertTrue(a.contains("The data holds NaN/Inf") && a.contains(e.report().remedy()), a);
        assertTrue(a.contains("the learning rate is not the cause"), a);
        assertFalse(a.toLowerCase().contains(LOWER_RATE), a);
    }

    @Test
    void aNaiveSoftmaxOverflowAdvisesTheStableLoss() {
        Layer net = net(new Random(1));
        Dataset d = Dataset.of(Tensor.of(new double[][] {{1e4, 2e4}, {-1e4, 3e4}}), Tensor.of(new double[][] {{1, 0, 0}, {0, 1, 0}}));
        Trainer t = Trainer.builder(net, Losses::naiveSoftmaxCrossEntropy, new SGD(net.parameters(), 0.1))
                .epochs(1).batchSize(2).quiet(true).build();
        TrainingDivergedException e = assertThrows(TrainingDivergedException.class, () -> t.fit(d));
        assertEquals(Cause.EXP_OVERFLOW, e.report().cause());
        String a = advice(e);
        assertTrue(a.contains("Losses.softmaxCrossEntropy"), a);
        assertFalse(a.toLowerCase().contains(LOWER_RATE), a);
    }

    /** A loss dividing by a tiny constant overflows before any step: the advice is the division's remedy, not the rate. */
    @Test
    void anOverflowBeforeAnyStepAdvisesTheDiagnosingOpsRemedy() {
        Layer net = net(new Random(1));
        Dataset d = Dataset.of(Tensor.of(new double[][] {{1, 2}, {3, 1}}), Tensor.of(new double[][] {{1, 0, 0}, {0, 1, 0}}));
        Trainer t = Trainer.builder(net, (p, y) -> p.sub(y).div(Var.constant(1e-310)).sum(), new SGD(net.parameters(), 0.1))
                .epochs(1).batchSize(2).quiet(true).build();
        TrainingDivergedException e = assertThrows(TrainingDivergedException.class, () -> t.fit(d));
        assertEquals(0, e.history().size());
        String a = advice(e);
        assertTrue(a.contains(e.report().remedy()) && a.contains(e.report().cause().name()), a);
        assertFalse(a.contains("Values grew out of range"), a);
    }

    /** One weight w, prediction x * w, loss sum(pred * 1e300): finite gradients whose step overflows w. */
    @Test
    void aParameterOverflowingAdvisesALowerRateOrClipping() {
        Var w = Var.param("w", Tensor.scalar(1.0));
        Layer m = LinearModel.of(w);
        Trainer t = Trainer.builder(m, (p, y) -> p.mul(1e300).sum(), new SGD(List.of(w), 1e10))
                .epochs(3).batchSize(1).quiet(true).build();
        TrainingDivergedException e = assertThrows(TrainingDivergedException.class,
                () -> t.fit(Dataset.of(Tensor.column(1.0), Tensor.column(0.0))));
        String a = advice(e);
        assertTrue(a.contains("lower the learning rate") && a.contains("clip"), a);
    }
}
