// Lesson 2: the masked-branch trap. where(mask, log(p), 0) is finite, its gradient is NaN.
// Open it from the project root with:
//   jshell --class-path examples/target/nanlab.jar examples/jshell/02-masked-branch.jsh
import io.finitegrad.autodiff.*;
import io.finitegrad.core.Tensor;
import java.util.List;

// two rows; the second is padding: its probability is 0 and the mask leaves it out of the loss
Tensor mask = Tensor.column(1, 0);
Var p = Var.param("p", Tensor.column(0.5, 0));

// WARN mode records reports instead of stopping, so we see the finite loss and then what went wrong.
// The guard's mode belongs to the thread, so the whole run is one block.
List<NanReport> reports = List.of();
double loss = Double.NaN;
try (FiniteGuard.Scope guard = FiniteGuard.mode(FiniteGuard.Mode.WARN)) {
    Var l = p.log().where(mask, Var.constant(0)).sum().neg();
    loss = l.item();
    l.backward();
    reports = guard.reports();
}
System.out.println("the loss is finite: " + loss + ", yet p's gradient is " + p.grad());
// the forward report: log(0) = -Infinity, hidden by the where; its "then:" line is the backward
// step where the NaN enters: the where's gradient 0 times log's derivative 1/0 = Infinity
System.out.println(reports.get(0));

// the fix, the double where: the log never sees the masked 0
Var q = Var.param("q", Tensor.column(0.5, 0));
Var fixed = q.where(mask, Var.constant(1)).log().where(mask, Var.constant(0)).sum().neg();
fixed.backward();
System.out.println("double where: loss " + fixed.item() + ", gradient " + q.grad());
