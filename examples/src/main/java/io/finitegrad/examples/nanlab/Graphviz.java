package io.finitegrad.examples.nanlab;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * The Graphviz {@code dot} program, if installed, to render a report's graph as SVG. Whether it is
 * installed is found out once per instance ({@code dot -V}); {@link #system()} uses the program
 * named by the system property {@code nanlab.dot}, default {@code dot} on the PATH.
 */
final class Graphviz {
    private static final long TIMEOUT_SECONDS = 30;
    private static final Graphviz SYSTEM = new Graphviz(System.getProperty("nanlab.dot", "dot"));
    private final String program;
    private Boolean available;

    Graphviz(String program) {
        this.program = program;
    }

    static Graphviz system() {
        return SYSTEM;
    }

    String program() {
        return program;
    }

    /** True if the program runs; checked on the first call only. */
    synchronized boolean available() {
        if (available == null) {
            try {
                available = run(new ProcessBuilder(program, "-V"), null) != null;
            } catch (IOException e) {
                available = false;
            }
        }
        return available;
    }

    /**
     * The SVG drawing of {@code dot} source.
     *
     * @throws IOException if the program is not available, fails, or rejects the source (its
     *     message then names the problem)
     */
    String svg(String dot) throws IOException {
        if (!available()) throw new IOException("Graphviz '" + program + "' is not installed");
        byte[] out = run(new ProcessBuilder(program, "-Tsvg"), dot.getBytes(StandardCharsets.UTF_8));
        if (out == null) throw new IOException("Graphviz '" + program + "' failed to draw the graph");
        return new String(out, StandardCharsets.UTF_8);
    }

    /** Standard output of the process fed {@code input}, or null if it failed or timed out. */
    private static byte[] run(ProcessBuilder pb, byte[] input) throws IOException {
        pb.redirectErrorStream(false).redirectError(ProcessBuilder.Redirect.DISCARD);
        Process p = pb.start();
        try (OutputStream in = p.getOutputStream()) {
            if (input != null) in.write(input);
        }
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (InputStream o = p.getInputStream()) {
            o.transferTo(buf);
        }
        try {
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return null;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            return null;
        }
        return p.exitValue() == 0 ? buf.toByteArray() : null;
    }
}
