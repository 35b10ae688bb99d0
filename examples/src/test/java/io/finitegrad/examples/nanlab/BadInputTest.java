package io.finitegrad.examples.nanlab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every bad flag, argument and file gives exit code 2 and one line on standard error naming it, never a stack trace. */
class BadInputTest {
    @TempDir
    Path dir;

    @Test
    void unknownScenario() {
        String line = Cli.run("run", "42").inputErrorLine();
        assertTrue(line.contains("unknown scenario '42'") && line.contains("16 masked-branch"), line);
    }

    @Test
    void unknownFlag() {
        String line = Cli.run("run", "7", "--bogus").inputErrorLine();
        assertTrue(line.contains("--bogus"), line);
        assertTrue(Cli.run("train", "--data", "x.csv").inputErrorLine().contains("--label"), "a missing required flag is named");
        assertTrue(Cli.run("run", "7", "--seed", "abc").inputErrorLine().contains("abc"));
    }

    @Test
    void missingFile() {
        Path missing = dir.resolve("nope.csv");
        String line = Cli.run("train", "--data", missing.toString(), "--label", "species").inputErrorLine();
        assertEquals("nanlab train: file not found: " + missing, line);
        Path model = dir.resolve("none.safetensors");
        assertTrue(Cli.run("predict", "--model", model.toString(), "--data", missing.toString()).inputErrorLine()
                .contains("file not found: " + model));
    }

    @Test
    void nonNumericCellIsNamedByFileLineAndColumn() throws Exception {
        Path f = dir.resolve("bad.csv");
        Files.writeString(f, "a,b,label\n1,2,x\n3,oops,y\n4,5,x\n", StandardCharsets.UTF_8);
        String line = Cli.run("train", "--data", f.toString(), "--label", "label").inputErrorLine();
        assertTrue(line.contains("bad.csv:3:2") && line.contains("'oops'"), line);
    }

    @Test
    void unusableSaveTargetIsRefusedBeforeTraining() throws Exception {
        Path iris = Cli.iris(dir);
        Path existingDir = Files.createDirectories(dir.resolve("models"));
        Path noParent = dir.resolve("missing/sub/m.safetensors");
        for (Path target : new Path[] {existingDir, noParent}) {
            Cli r = Cli.run("train", "--data", iris.toString(), "--label", "species", "--save", target.toString());
            String line = r.inputErrorLine();
            assertTrue(line.contains("--save") && line.contains(target.toString()), line);
            assertTrue(!r.out().contains("train loss"), "refused before training: " + r.out());
        }
    }

    @Test
    void directoryAsDataIsNamed() {
        String line = Cli.run("train", "--data", dir.toString(), "--label", "species").inputErrorLine();
        assertTrue(line.contains(dir.toString()) && line.contains("is a directory"), line);
    }

    @Test
    void missingLabelColumn() {
        Path iris = Cli.iris(dir);
        String line = Cli.run("train", "--data", iris.toString(), "--label", "colour").inputErrorLine();
        assertTrue(line.contains("colour"), line);
    }

    @Test
    void badFlagValues() {
        Path iris = Cli.iris(dir);
        assertTrue(Cli.run("train", "--data", iris.toString(), "--label", "species", "--activation", "swish").inputErrorLine()
                .contains("--activation: unknown 'swish'"));
        assertTrue(Cli.run("train", "--data", iris.toString(), "--label", "species", "--lr", "-1").inputErrorLine()
                .contains("--lr"));
        assertTrue(Cli.run("train", "--data", iris.toString(), "--label", "species", "--scale", "log").inputErrorLine()
                .contains("unknown scaling 'log'"));
    }

    @Test
    void predictWithAFileThatIsNotANanlabModel() throws Exception {
        Path iris = Cli.iris(dir);
        Path junk = dir.resolve("junk.safetensors");
        Files.writeString(junk, "not a checkpoint", StandardCharsets.UTF_8);
        String line = Cli.run("predict", "--model", junk.toString(), "--data", iris.toString()).inputErrorLine();
        assertTrue(line.contains("junk.safetensors"), line);
    }

    @Test
    void predictChecksTheSavedDescriptionAgainstTheWeightsAndTheData() throws Exception {
        Path iris = Cli.iris(dir);
        Path model = dir.resolve("m.safetensors");
        assertEquals(NanLab.OK, Cli.run("train", "--data", iris.toString(), "--label", "species", "--hidden", "8",
                "--epochs", "2", "--save", model.toString()).code());
        // the description claims a wider hidden layer than the weights hold
        io.finitegrad.optim.io.NamedTensors saved = io.finitegrad.optim.io.Safetensors.read(model);
        java.util.Map<String, String> meta = new java.util.LinkedHashMap<>(saved.metadata());
        meta.put("nanlab", meta.get("nanlab").replace("\"sizes\":[4,8,3]", "\"sizes\":[4,9,3]"));
        Path tampered = dir.resolve("tampered.safetensors");
        io.finitegrad.optim.io.Safetensors.write(tampered, saved.tensors(), meta);
        String line = Cli.run("predict", "--model", tampered.toString(), "--data", iris.toString()).inputErrorLine();
        assertTrue(line.contains("tampered.safetensors"), line);
        // new data without one of the training features
        Path partial = dir.resolve("partial.csv");
        Files.writeString(partial, "sepal_length,sepal_width,petal_length\n5.1,3.5,1.4\n", StandardCharsets.UTF_8);
        line = Cli.run("predict", "--model", model.toString(), "--data", partial.toString()).inputErrorLine();
        assertTrue(line.contains("petal_width") && line.contains("partial.csv"), line);
    }
}
