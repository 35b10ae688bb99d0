// Lesson 4: a property test of gradient stability, and the input at which a formula breaks.
// The property test needs QuickTheories, which nanlab.jar does not contain; the build has put it in
// your local Maven repository. Open the lesson from the project root with both on the class path:
//   jshell --class-path examples/target/nanlab.jar:$HOME/.m2/repository/org/quicktheories/quicktheories/0.26/quicktheories-0.26.jar examples/jshell/04-gradient-stability.jsh
// (on Windows: separate the two with ; and write %USERPROFILE%\.m2\repository\... for the second)
import io.finitegrad.autodiff.*;
import io.finitegrad.autodiff.limits.*;
import io.finitegrad.autodiff.proptest.*;
import io.finitegrad.core.Tensor;

// 1. The textbook log(softmax(z)) should have a finite gradient wherever its value is finite. The
// property tries rows of three logits, one value in four an edge value (exp's limits, subnormals,
// 1e308...), and shrinks the first failure to a simple one. Seed and example count are fixed
// (they are the kit's defaults) so you see what these comments describe; change them and explore.
var rows = TensorGens.tensors(1, 3, TensorGens.edgeBiased());
PropertyFailure failure = null;
try {
    GradientProperties.finiteGradients("naive logSoftmax", rows, NaiveOps::logSoftmax).seed(20261124L).examples(200).check();
} catch (PropertyFailure f) {
    failure = f;
}
// [[0, 1, -709.78...]]: softmax's third entry is 1.5e-309, finite (a subnormal), and log of it is
// finite too; but in backward log's derivative 1/p overflows: the guard names naiveLogSoftmax/log
System.out.println(failure.getMessage());

// the stable twin, log-softmax from the logits (z - max - log(sum(exp(z - max)))), holds
GradientProperties.finiteGradients("logSoftmax", rows, Var::logSoftmax).seed(20261124L).examples(200).check();

// 2. Where exactly does the textbook softmax of [x, 0] break? Walk x from 0 to 1000 and bisect down
// to neighbouring doubles: exp(x) overflows just above log(Double.MAX_VALUE) = 709.78...
BreakingPoint naive = BreakingPoints.search(x -> NaiveOps.softmax(Var.concatCols(x, Var.constant(0))), 0, 1000);
BreakingPoint stable = BreakingPoints.search(x -> Var.concatCols(x, Var.constant(0)).softmax(), 0, 1000);
System.out.println("naive softmax:  " + naive);
System.out.println("stable softmax: " + stable);
// every textbook formula next to its twin: java -jar examples/target/nanlab.jar limits
