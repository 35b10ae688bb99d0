package io.finitegrad.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

/**
 * {@link Precision#round} against committed reference tables, bit for bit: float16 from numpy's
 * float16 cast, bfloat16 from exact rational arithmetic (both written by
 * {@code core/src/test/python/precision_tables.py}, which says how to regenerate them). Each table
 * holds the format's values, the midpoints between neighbours (the ties) and the doubles one ulp
 * either side of each midpoint (where rounding through float would go wrong).
 */
class PrecisionTableTest {
    /** One line of a table: the input's bits and the expected result's bits (NaN: any NaN). */
    private record Case(long input, long expected, boolean expectNaN) {}

    private static List<Case> read(String name) throws IOException {
        InputStream raw = PrecisionTableTest.class.getResourceAsStream("precision/" + name);
        assertNotNull(raw, "reference table precision/" + name + " is missing from the test resources");
        List<Case> cases = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(new GZIPInputStream(raw), StandardCharsets.US_ASCII))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                if (line.isEmpty() || line.startsWith("#")) continue;
                int space = line.indexOf(' ');
                long input = Long.parseUnsignedLong(line.substring(0, space), 16);
                String out = line.substring(space + 1);
                boolean nan = out.equals("nan");
                cases.add(new Case(input, nan ? 0L : Long.parseUnsignedLong(out, 16), nan));
            }
        }
        return cases;
    }

    /** Checks every case; the message names the first few mismatches and how many there were. */
    private static void check(Precision p, List<Case> cases) {
        StringBuilder first = new StringBuilder();
        int wrong = 0;
        for (Case c : cases) {
            double x = Double.longBitsToDouble(c.input());
            double r = p.round(x);
            boolean ok = c.expectNaN() ? Double.isNaN(r) : Double.doubleToRawLongBits(r) == c.expected();
            if (!ok && wrong++ < 10) {
                first.append(String.format("%n  %s(%s) [0x%016x] = %s, expected %s", p.label(), x, c.input(), r,
                        c.expectNaN() ? "NaN" : Double.toString(Double.longBitsToDouble(c.expected()))));
            }
        }
        assertEquals(0, wrong, wrong + " of " + cases.size() + " cases wrong:" + first);
    }

    @Test
    void float16MatchesNumpyOnEveryValueEveryTieAndItsNeighbours() throws IOException {
        List<Case> cases = read("float16.txt.gz");
        check(Precision.FLOAT16, cases);
        // the table really covers every bit pattern and every midpoint (3 inputs per tie, both signs)
        Set<Long> inputs = new HashSet<>();
        for (Case c : cases) inputs.add(c.input());
        for (int b = 0; b <= 0xFFFF; b++) {
            double v = FloatFormats.halfToDouble((short) b);
            if (!Double.isNaN(v)) {
                int bits = b;
                assertTrue(inputs.contains(Double.doubleToRawLongBits(v)), () -> "float16 0x" + Integer.toHexString(bits) + " not in the table");
            }
        }
        // each of the 31,744 gaps above 0 (the last one up to 65,536) gives a midpoint and its two
        // double neighbours, for both signs: inputs that are not float16 values
        long between = cases.stream().filter(c -> !c.expectNaN() && c.input() != c.expected()).count();
        assertTrue(between >= 6 * 31_744, "float16 table holds only " + between + " inputs between values");
    }

    @Test
    void bfloat16MatchesExactRationalRoundingOverItsCoveredBinades() throws IOException {
        List<Case> cases = read("bfloat16.txt.gz");
        assertTrue(cases.size() > 40_000, "bfloat16 table has only " + cases.size() + " cases");
        check(Precision.BFLOAT16, cases);
        Set<Long> inputs = new HashSet<>();
        for (Case c : cases) inputs.add(c.input());
        // spot-check the coverage the header promises: subnormals, around 1, the top binade and the overflow tie
        for (double v : new double[] {Math.scalb(1.0, -133), Math.scalb(127.0, -133), Math.scalb(1.0, -126), 1.0,
                1.0 + Math.scalb(1.0, -7), Math.scalb(255.0, 120), Math.scalb(2.0 - Math.scalb(1.0, -8), 127)}) {
            assertTrue(inputs.contains(Double.doubleToRawLongBits(v)), "bfloat16 table lacks " + v);
            assertTrue(inputs.contains(Double.doubleToRawLongBits(-v)), "bfloat16 table lacks " + -v);
        }
    }
}
