package io.finitegrad.examples.nanlab;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model too large for an array or for the heap is refused before it is built: exit code 2 and
 * one line naming the size and the memory it needs, not a NegativeArraySizeException (exit 3) or
 * half a minute of allocation ending in an OutOfMemoryError.
 */
class ModelSizeTest {
    @TempDir
    Path dir;

    @Test
    void hiddenSizeBeyondAnIntIndex() {
        Path iris = Cli.iris(dir);
        String line = Cli.run("train", "--data", iris.toString(), "--label", "species", "--hidden", "2000000000").inputErrorLine();
        assertTrue(line.contains("--hidden 2000000000") && line.contains("GB"), line);
    }

    @Test
    void hiddenSizeBeyondTheHeap() {
        Path iris = Cli.iris(dir);
        String line = Cli.run("train", "--data", iris.toString(), "--label", "species", "--hidden", "100000000").inputErrorLine();
        assertTrue(line.contains("--hidden 100000000") && line.contains("[4, 100000000, 3]"), line);
        assertTrue(line.matches(".*needs about [0-9.]+ GB.*") && line.contains("-Xmx"), line);
    }

    @Test
    void checkpointWhoseMetadataDescribesAHugeModel() throws Exception {
        Path iris = Cli.iris(dir);
        String spec = "{\"sizes\":[4,100000000,3],\"activations\":[\"RELU\",\"IDENTITY\"],\"activation\":\"RELU\","
                + "\"init\":\"HE_NORMAL\",\"features\":[\"sepal_length\",\"sepal_width\",\"petal_length\",\"petal_width\"],"
                + "\"classes\":[\"setosa\",\"versicolor\",\"virginica\"],\"scaler\":{\"kind\":\"none\",\"shift\":[],\"scale\":[]}}";
        Path model = dir.resolve("huge.safetensors");
        Files.write(model, headerOnly("{\"__metadata__\":{\"nanlab\":" + quoted(spec) + "}}"));
        assertTrue(Files.size(model) < 600, "a small file: " + Files.size(model));
        String line = Cli.run("predict", "--model", model.toString(), "--data", iris.toString()).inputErrorLine();
        assertTrue(line.contains("huge.safetensors") && line.contains("[4, 100000000, 3]"), line);
        assertTrue(line.matches(".*needs about [0-9.]+ GB.*"), line);
    }

    /** A safetensors file of a header and no tensors: the 8-byte little-endian length, then the JSON. */
    private static byte[] headerOnly(String json) {
        byte[] h = json.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).array());
        out.writeBytes(h);
        return out.toByteArray();
    }

    private static String quoted(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
