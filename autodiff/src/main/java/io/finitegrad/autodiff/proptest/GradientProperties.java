package io.finitegrad.autodiff.proptest;

import io.finitegrad.autodiff.Var;
import io.finitegrad.core.Tensor;
import java.util.List;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.quicktheories.core.Gen;

/**
 * Gradient-stability properties for a JUnit test, each one line. A failure throws
 * {@link PropertyFailure}: the shrunk input, what went wrong, the guard's report of where the
 * NaN/Inf entered (node, cause, remedy) and the seed.
 *
 * <pre>{@code
 * @Test void mySoftplusHasFiniteGradients() {
 *     GradientProperties.finiteGradients("mySoftplus", TensorGens.scalars(TensorGens.edgeBiased()),
 *             x -> Var.apply(new MySoftplus(), x)).check();
 * }
 * }</pre>
 *
 * Each returns a {@link StabilityProperty} to configure ({@code .seed}, {@code .examples}, and the
 * property's own options) before {@code .check()}, which returns a {@link PropertyResult} of what
 * was compared and throws when nothing was.
 */
public final class GradientProperties {
    private GradientProperties() {
    }

    /** Wherever the exact gradient of {@code sum(f(x))} is finite, the computed one is: see {@link FiniteGradients}. */
    public static FiniteGradients finiteGradients(String name, Gen<Tensor> inputs, UnaryOperator<Var> f) {
        return new FiniteGradients("finiteGradients(" + name + ")", inputs, f);
    }

    /** Analytic gradients agree with central differences: see {@link GradientAgreement}. */
    public static GradientAgreement gradCheck(String name, Gen<Tensor> inputs, UnaryOperator<Var> f) {
        return new GradientAgreement("gradCheck(" + name + ")", inputs, f);
    }

    /**
     * A model's analytic gradients, with respect to {@code params(example)}, agree with central
     * differences of the 1x1 {@code loss(example)}: see {@link ModelGradientAgreement}.
     */
    public static <T> ModelGradientAgreement<T> gradCheck(String name, Gen<T> examples, Function<T, List<Var>> params,
            Function<T, Var> loss) {
        return new ModelGradientAgreement<>("gradCheck(" + name + ")", examples, params, loss);
    }

    /** {@code f} is finite wherever your reference computation of the true value is: see {@link ReferenceStability}. */
    public static ReferenceStability stableAgainst(String name, Gen<Tensor> inputs, UnaryOperator<Var> f,
            UnaryOperator<Tensor> reference) {
        return new ReferenceStability("stableAgainst(" + name + ")", inputs, f, reference);
    }

    /** A naive formula and its stable twin agree where both are finite: see {@link TwinAgreement}. */
    public static TwinAgreement naiveMatchesStable(String name, Gen<Tensor> inputs, UnaryOperator<Var> naive,
            UnaryOperator<Var> stable) {
        return new TwinAgreement("naiveMatchesStable(" + name + ")", inputs, naive, stable);
    }

    /**
     * A graph of one scalar stays finite, in value and gradient, for every x from {@code from} to
     * {@code to}: the {@link io.finitegrad.autodiff.limits.BreakingPoints} search as an assertion.
     */
    public static FiniteThroughout finiteThroughout(String name, UnaryOperator<Var> f, double from, double to) {
        return new FiniteThroughout("finiteThroughout(" + name + ")", f, from, to);
    }

    /** A training step of {@code params} on {@code loss} stays finite for every batch: see {@link TrainingStep}. */
    public static <T> TrainingStep<T> trainingStepStaysFinite(String name, Gen<T> batches, List<Var> params,
            Function<T, Var> loss) {
        return new TrainingStep<>("trainingStepStaysFinite(" + name + ")", batches, params, loss);
    }
}
