// Lesson 1: a three-node graph, its gradient, and the guard firing on log(0).
// Open it from the project root with:
//   jshell --class-path examples/target/nanlab.jar examples/jshell/01-three-node-graph.jsh
import io.finitegrad.autodiff.*;
import io.finitegrad.core.Tensor;

// three nodes: x -> log(x) -> sum
Var x = Var.param("x", Tensor.of(new double[][] {{2, 4}}));
Var loss = x.log().sum().label("loss");
loss.backward();
System.out.println("loss = log 2 + log 4 = " + loss.item());
System.out.println("d loss / dx = 1/x = " + x.grad());

// the same graph where one input is 0: log(0) = -Infinity, and the guard (THROW mode, the default)
// stops at the node where the non-finite value first appears, before anything else uses it
Var p = Var.param("p", Tensor.of(new double[][] {{0.5, 0}}));
NanReport report = null;
try {
    p.log().sum();
} catch (NonFiniteException e) {
    report = e.report();
}
System.out.println(report);

// the fix for a log of a probability that can reach 0: an epsilon, or stay in log space (lesson 3)
Var safe = p.add(1e-12).log().sum();
System.out.println("with an epsilon: " + safe.item());
