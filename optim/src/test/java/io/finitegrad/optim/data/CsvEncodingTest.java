package io.finitegrad.optim.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A file that is not UTF-8 is named with the line and column of its first bad byte; a UTF-8 BOM is accepted. */
class CsvEncodingTest {
    @TempDir
    Path dir;

    @Test
    void latin1FileNamesFileLineColumnAndEncoding() throws Exception {
        Path f = dir.resolve("latin1.csv");
        Files.write(f, "a,b,label\n1,2,x\n3,4,caf\u00e9\n".getBytes(StandardCharsets.ISO_8859_1));
        CsvFormatException e = assertThrows(CsvFormatException.class, () -> Csv.read(f, CsvOptions.label("label")));
        assertTrue(e.getMessage().contains("latin1.csv:3:8") && e.getMessage().contains("UTF-8"), e.getMessage());
    }

    @Test
    void utf8BomIsAccepted() throws Exception {
        Path f = dir.resolve("bom.csv");
        Files.write(f, "\uFEFFa,label\n1,x\n2,y\n".getBytes(StandardCharsets.UTF_8));
        assertEquals(2, Csv.read(f, CsvOptions.label("label")).size());
    }
}
