package io.finitegrad.autodiff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Provenance maps rows of a tensor back to rows, lines and columns of their source. */
class ProvenanceTest {

    @Test
    void selectionsComposeDownToTheSourceRowAndItsLine() {
        Provenance file = Provenance.ofFile("d.csv", new int[] {2, 3, 5, 6, 9}, List.of("a", "b"));
        Provenance split = file.select(new int[] {4, 2, 0});
        Provenance batch = split.select(new int[] {1, 0});
        assertEquals(2, batch.size());
        assertEquals(2, batch.sourceRow(0));
        assertEquals(5, batch.line(0));
        assertEquals(4, batch.sourceRow(1));
        assertEquals(9, batch.line(1));
        assertEquals("row 5 of d.csv (line 9), feature 'a'", batch.describe(1, 0));
    }

    @Test
    void aSourceThatIsNotAFileHasNoLinesAndAnUnnamedColumnIsNumbered() {
        Provenance p = Provenance.of("xs", 3, List.of());
        assertEquals(-1, p.line(2));
        assertEquals("row 3 of xs, column 1", p.describe(2, 1));
        assertEquals("row 1 of xs", p.describe(0, -1));
    }

    @Test
    void theLinesGivenAreCopiedSoTheCallerCannotChangeThem() {
        int[] lines = {2, 3};
        Provenance p = Provenance.ofFile("d.csv", lines, List.of("a"));
        lines[1] = 99;
        assertEquals(3, p.line(1));
    }

    @Test
    void badArgumentsAreRefusedNamingTheCulprit() {
        Provenance p = Provenance.of("xs", 3, List.of("a"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> p.select(new int[] {0, 3})).getMessage()
                .contains("row 3 outside [0, 3)"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> p.sourceRow(-1)).getMessage().contains("row -1"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Provenance.ofFile("f", new int[] {2, 0}, List.of()))
                .getMessage().contains("row 1 is on line 0"));
        assertThrows(IllegalArgumentException.class, () -> Provenance.of(" ", 1, List.of()));
        assertThrows(IllegalArgumentException.class, () -> Provenance.of("xs", -1, List.of()));
        assertThrows(IllegalArgumentException.class, () -> Provenance.of("xs", 1, null));
    }
}
