package io.finitegrad.autodiff;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.finitegrad.autodiff.op.ShapeException;
import io.finitegrad.core.Tensor;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The autodiff module's bad-input catalogue: each line is a spec, "this input gets this exception,
 * whose message names these culprits" (the op, the operands' labels and shapes, the bad value).
 */
class BadInputCatalogueTest {
    /** A call that must fail. */
    @FunctionalInterface
    interface Call {
        void run() throws Exception;
    }

    /** One spec line: the input, the exception type and the words its message must contain. */
    record Case(Class<? extends Throwable> type, Call call, String... culprits) {
    }

    private static Named<Case> spec(String line, Class<? extends Throwable> type, Call call, String... culprits) {
        return Named.of(line, new Case(type, call, culprits));
    }

    private static Var in(String name, int rows, int cols) {
        return Var.input(name, Tensor.full(rows, cols, 0.5));
    }

    private static Var param(String name, int rows, int cols) {
        return Var.param(name, Tensor.full(rows, cols, 0.5));
    }

    static Stream<Named<Case>> binaryOps() {
        Var a = in("a", 2, 3), b = in("b", 3, 2);
        return Stream.of(
                spec("add of 2x3 and 3x2", ShapeException.class, () -> a.add(b), "add", "a (2x3)", "b (3x2)", "broadcast"),
                spec("sub of 2x3 and 3x2", ShapeException.class, () -> a.sub(b), "sub", "a (2x3)", "b (3x2)"),
                spec("mul of 2x3 and 3x2", ShapeException.class, () -> a.mul(b), "mul", "a (2x3)", "b (3x2)"),
                spec("div of 2x3 and 3x2", ShapeException.class, () -> a.div(b), "div", "a (2x3)", "b (3x2)"),
                spec("add of 2x3 and a 1x2 row", ShapeException.class, () -> a.add(in("row", 1, 2)), "add", "a (2x3)", "row (1x2)"),
                spec("matmul of 2x3 and 2x3", ShapeException.class, () -> a.matmul(in("c", 2, 3)), "matmul", "a (2x3)", "c (2x3)", "inner"),
                spec("where with an operand that does not fit the mask", ShapeException.class,
                        () -> a.where(Tensor.ones(2, 3), b), "where", "b (3x2)", "mask 2x3"),
                spec("concatRows of 2x3 and 3x2", ShapeException.class, () -> Var.concatRows(a, b), "a (2x3)", "b (3x2)", "column counts"),
                spec("concatCols of 2x3 and 3x2", ShapeException.class, () -> Var.concatCols(a, b), "a (2x3)", "b (3x2)", "row counts"),
                spec("concatRows of nothing", ShapeException.class, () -> Var.concatRows(), "nothing to concatenate"),
                spec("add with a null operand", IllegalArgumentException.class, () -> a.add((Var) null), "add", "operand 1", "null"),
                spec("labelled operands are named by their labels", ShapeException.class,
                        () -> a.label("logits").add(b.label("bias")), "logits (2x3)", "bias (3x2)"));
    }

    static Stream<Named<Case>> oversizedResults() {
        Var column = in("col", 50_000, 1), row = in("row", 1, 50_000);
        Var tall = in("tall", 65_536, 1), wide = in("wide", 1, 65_536);
        return Stream.of(
                spec("matmul whose result has more elements than an int indexes", ShapeException.class,
                        () -> column.matmul(row), "matmul", "col (50000x1)", "row (1x50000)", "50000x50000", "2500000000 elements"),
                spec("add broadcasting a column against a row past an int index", ShapeException.class,
                        () -> column.add(row), "add", "col (50000x1)", "row (1x50000)", "2500000000 elements"),
                spec("mul broadcasting to 2^32 elements", ShapeException.class,
                        () -> tall.mul(wide), "mul", "tall (65536x1)", "wide (1x65536)", "4294967296 elements"),
                spec("where with a mask broadcasting operands past an int index", ShapeException.class,
                        () -> column.where(Tensor.ones(1, 1), row), "where", "col (50000x1)", "row (1x50000)"));
    }

    static Stream<Named<Case>> nodes() {
        Var a = in("a", 2, 3);
        Var w = param("w", 2, 3);
        Var wide = w.mul(a).label("y");
        return Stream.of(
                spec("item() of a 2x3 node", IllegalStateException.class, () -> a.item(), "item()", "1x1", "'a'", "2x3"),
                spec("backward() from a 2x3 node", IllegalStateException.class, () -> wide.backward(), "backward()", "'y'", "2x3", "sum() or mean()"),
                spec("backward() from a graph with no parameter", IllegalStateException.class,
                        () -> a.mul(a).sum().label("loss").backward(), "backward()", "'loss'", "no parameter", "Var.param"),
                spec("backward() from a constant", IllegalStateException.class,
                        () -> Var.constant(2.0).label("two").backward(), "'two'", "no parameter"),
                spec("backward() through a detached parameter", IllegalStateException.class,
                        () -> w.detach().sum().label("frozen").backward(), "'frozen'", "no parameter"),
                spec("backward(upstream) shaped unlike the node", IllegalArgumentException.class,
                        () -> wide.backward(Tensor.ones(3, 2)), "backward(upstream)", "'y'", "2x3", "3x2"),
                spec("backward(null upstream)", IllegalArgumentException.class, () -> wide.backward(null), "'y'", "null"),
                spec("backward(upstream) holding NaN", IllegalArgumentException.class,
                        () -> wide.backward(Tensor.of(2, 3, 1, 1, 1, 1, Double.NaN, 1)), "'y'", "NaN", "(1, 1)"),
                spec("sliceRows past the end", ShapeException.class, () -> a.sliceRows(1, 3), "a (2x3)", "[1, 3)", "0..2"),
                spec("sliceCols empty", ShapeException.class, () -> a.sliceCols(2, 2), "a (2x3)", "[2, 2)"),
                spec("where with a null mask", IllegalArgumentException.class, () -> a.where(null, a), "where", "mask for 'a' is null"),
                spec("pow with a NaN exponent", IllegalArgumentException.class, () -> a.pow(Double.NaN), "pow", "exponent", "NaN"),
                spec("leakyRelu with an infinite slope", IllegalArgumentException.class,
                        () -> a.leakyRelu(Double.POSITIVE_INFINITY), "leakyRelu", "slope", "Infinity"),
                spec("clamp with lo > hi", IllegalArgumentException.class, () -> a.clamp(2, 1), "clamp", "lo = 2.0", "hi = 1.0"),
                spec("clamp with a NaN bound", IllegalArgumentException.class, () -> a.clamp(Double.NaN, 1), "clamp", "NaN"),
                spec("param without a name", IllegalArgumentException.class, () -> Var.param(" ", Tensor.scalar(1)), "Var.param", "name"),
                spec("input with a null tensor", IllegalArgumentException.class, () -> Var.input("x", null), "Var.input", "null"),
                spec("an empty label", IllegalArgumentException.class, () -> a.label(""), "label", "empty"),
                spec("GradCheck with a NaN step", IllegalArgumentException.class,
                        () -> GradCheck.check(() -> w.sum(), java.util.List.of(w), Double.NaN), "GradCheck", "step", "NaN"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource({"binaryOps", "oversizedResults", "nodes"})
    void badInputIsRefusedNamingTheCulprit(Case c) {
        Throwable e = assertThrows(c.type(), c.call()::run);
        String message = String.valueOf(e.getMessage());
        for (String culprit : c.culprits()) {
            assertTrue(message.contains(culprit), () -> "message does not name '" + culprit + "': " + message);
        }
    }
}
