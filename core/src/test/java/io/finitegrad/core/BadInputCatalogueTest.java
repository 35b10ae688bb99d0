package io.finitegrad.core;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.Stream;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The core module's bad-input catalogue: each line is a spec, "this input gets this exception,
 * whose message names these culprits" (the factory or accessor, the shape, the bad value).
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

    static Stream<Named<Case>> cases() {
        Tensor t23 = Tensor.of(2, 3, 1, 2, 3, 4, 5, 6);
        return Stream.of(
                spec("Tensor.of(null rows)", IllegalArgumentException.class,
                        () -> Tensor.of((double[][]) null), "Tensor.of", "null"),
                spec("Tensor.of with no rows", IllegalArgumentException.class,
                        () -> Tensor.of(new double[0][]), "Tensor.of", "no rows"),
                spec("Tensor.of with an empty first row", IllegalArgumentException.class,
                        () -> Tensor.of(new double[][] {{}}), "Tensor.of", "row 0", "empty"),
                spec("Tensor.of with a null row", IllegalArgumentException.class,
                        () -> Tensor.of(new double[][] {{1}, null}), "Tensor.of", "row 1", "null"),
                spec("Tensor.of with ragged rows", IllegalArgumentException.class,
                        () -> Tensor.of(new double[][] {{1, 2}, {3, 4}, {5}}), "Tensor.of", "ragged", "2 columns", "row 2", "has 1"),
                spec("Tensor.of(2, 3, 2 values)", IllegalArgumentException.class,
                        () -> Tensor.of(2, 3, 1, 2), "Tensor.of", "2x3", "needs 6", "got 2"),
                spec("Tensor.of(2, 2, null values)", IllegalArgumentException.class,
                        () -> Tensor.of(2, 2, (double[]) null), "Tensor.of", "2x2", "null"),
                spec("Tensor.of(null matrix)", IllegalArgumentException.class,
                        () -> Tensor.of((DMatrixRMaj) null), "Tensor.of", "matrix is null"),
                spec("Tensor.of(0x0 matrix)", IllegalArgumentException.class,
                        () -> Tensor.of(new DMatrixRMaj(0, 0)), "Tensor.of", "0x0", "at least 1x1"),
                spec("Tensor.row() with no values", IllegalArgumentException.class,
                        () -> Tensor.row(), "Tensor.row", "no values"),
                spec("Tensor.column() with no values", IllegalArgumentException.class,
                        () -> Tensor.column(), "Tensor.column", "no values"),
                spec("Tensor.zeros with a zero size", IllegalArgumentException.class,
                        () -> Tensor.zeros(0, 3), "Tensor.zeros", "0x3"),
                spec("Tensor.zeros with a negative size", IllegalArgumentException.class,
                        () -> Tensor.zeros(3, -2), "Tensor.zeros", "3x-2"),
                spec("Tensor.full with a negative size", IllegalArgumentException.class,
                        () -> Tensor.full(-1, 1, 0.5), "Tensor.full", "-1x1"),
                spec("Tensor.ones with a zero size", IllegalArgumentException.class,
                        () -> Tensor.ones(1, 0), "1x0"),
                spec("Tensor.zeros whose element count overflows an int", IllegalArgumentException.class,
                        () -> Tensor.zeros(100_000, 100_000), "Tensor.zeros", "100000x100000", "10000000000 elements"),
                spec("Tensor.full too large for an int index", IllegalArgumentException.class,
                        () -> Tensor.full(Integer.MAX_VALUE, 2, 1.0), "Tensor.full", Integer.MAX_VALUE + "x2", "Java array"),
                spec("Tensor.of(rows, cols) whose count overflows, before reading values", IllegalArgumentException.class,
                        () -> Tensor.of(65_536, 65_536, new double[0]), "Tensor.of", "65536x65536", "4294967296 elements"),
                spec("Tensor.get outside the shape", IndexOutOfBoundsException.class,
                        () -> t23.get(2, 0), "Tensor.get(2, 0)", "2x3"),
                spec("Tensor.get at a negative column", IndexOutOfBoundsException.class,
                        () -> t23.get(0, -1), "Tensor.get(0, -1)", "2x3"),
                spec("item() of a non-scalar tensor", IllegalStateException.class,
                        () -> t23.item(), "item()", "1x1", "2x3"),
                spec("map(null)", IllegalArgumentException.class,
                        () -> t23.map(null), "Tensor.map", "null"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void badInputIsRefusedNamingTheCulprit(Case c) {
        Throwable e = assertThrows(c.type(), c.call()::run);
        String message = String.valueOf(e.getMessage());
        for (String culprit : c.culprits()) {
            assertTrue(message.contains(culprit), () -> "message does not name '" + culprit + "': " + message);
        }
    }
}
