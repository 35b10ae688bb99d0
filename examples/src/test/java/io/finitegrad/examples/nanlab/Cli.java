package io.finitegrad.examples.nanlab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Runs nanlab in-process with captured output, as a test's user would at the terminal. */
record Cli(int code, String out, String err) {
    static Cli run(String... args) {
        ByteArrayOutputStream o = new ByteArrayOutputStream(), e = new ByteArrayOutputStream();
        int code = NanLab.execute(new PrintStream(o, true, StandardCharsets.UTF_8), new PrintStream(e, true, StandardCharsets.UTF_8),
                args);
        return new Cli(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    }

    /**
     * The one line a refused input leaves on standard error, after checking that it is one line with
     * exit code 2 and no stack trace.
     */
    String inputErrorLine() {
        assertEquals(NanLab.INPUT_ERROR, code, out + err);
        assertEquals(1, errLines().size(), err);
        assertFalse(err.contains("Exception") || err.contains("\tat "), err);
        return errLines().get(0);
    }

    /** Standard error's lines. */
    List<String> errLines() {
        return err.lines().toList();
    }

    /** The bundled copy of Fisher's Iris data, written to {@code dir}. */
    static Path iris(Path dir) {
        try (InputStream in = Cli.class.getResourceAsStream("iris.csv")) {
            Path file = dir.resolve("iris.csv");
            Files.write(file, in.readAllBytes());
            return file;
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }
}
