// Lesson 3: softmax of large logits. exp(1000) overflows; the stable loss never computes it.
// Open it from the project root with:
//   jshell --class-path examples/target/nanlab.jar examples/jshell/03-softmax-overflow.jsh
import io.finitegrad.autodiff.*;
import io.finitegrad.core.Tensor;

Var logits = Var.param("logits", Tensor.of(new double[][] {{1000, 0, -1000}}));
Var y = Var.input("y", Tensor.of(new double[][] {{0, 1, 0}}));

// the textbook formula: -sum(y * log(exp(z) / sum(exp(z)))); exp(1000) is beyond the double range
NanReport report = null;
try {
    NaiveOps.crossEntropy(NaiveOps.softmax(logits), y);
} catch (NonFiniteException e) {
    report = e.report();
}
System.out.println(report);

// cross-entropy from logits: logSoftmax subtracts the row's max before exp, so nothing overflows
Var stable = y.mul(logits.logSoftmax()).sum().neg();
stable.backward();
System.out.println("stable loss " + stable.item() + ", gradient " + logits.grad());
