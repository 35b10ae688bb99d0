package io.finitegrad.optim.io;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Hostile variants of valid safetensors files for {@link SafetensorsBoundedMemoryTest}: each call
 * picks one kind of damage and describes what it did, so that a failure can be reproduced by hand.
 */
final class Mutations {
    /** Numbers a header edit puts in place of one of the header's own numbers. */
    private static final long[] NUMBERS = {0, 1, 7, 8, 255, 1L << 31, (1L << 31) - 1, 1L << 32, 65_536, 100_000,
            1L << 40, Long.MAX_VALUE, -1};

    private Mutations() {
    }

    /** One hostile file made from {@code valid} (or from nothing), its making appended to {@code how}. */
    static byte[] next(Random rng, List<byte[]> valid, StringBuilder how) {
        int base = rng.nextInt(valid.size());
        byte[] v = valid.get(base);
        int header = (int) Math.min(v.length - 8, ByteBuffer.wrap(v).order(ByteOrder.LITTLE_ENDIAN).getLong(0));
        how.append("valid file ").append(base).append(", ");
        switch (rng.nextInt(6)) {
            case 0:
                return flipBits(rng, v, header, how);
            case 1: {
                int cut = rng.nextInt(v.length + 1);
                how.append("cut to ").append(cut).append(" bytes");
                return Arrays.copyOf(v, cut);
            }
            case 2:
                return editLength(rng, v, header, how);
            case 3:
                return splice(rng, v, valid.get(rng.nextInt(valid.size())), how);
            case 4:
                return editNumber(rng, v, header, how);
            default:
                return random(rng, how);
        }
    }

    /** One to eight bits flipped, most of them in the header. */
    private static byte[] flipBits(Random rng, byte[] v, int header, StringBuilder how) {
        byte[] m = v.clone();
        int flips = 1 + rng.nextInt(8);
        how.append("bits flipped at");
        for (int i = 0; i < flips; i++) {
            int at = rng.nextInt(4) > 0 ? rng.nextInt(8 + header) : rng.nextInt(m.length);
            int bit = rng.nextInt(8);
            m[at] ^= (byte) (1 << bit);
            how.append(' ').append(at).append('.').append(bit);
        }
        return m;
    }

    /** The length field set near the true length, to another plausible size, or to anything at all. */
    private static byte[] editLength(Random rng, byte[] v, int header, StringBuilder how) {
        long n;
        switch (rng.nextInt(4)) {
            case 0:
                n = header + rng.nextInt(17) - 8;
                break;
            case 1:
                n = rng.nextInt(v.length + 1);
                break;
            case 2:
                n = Safetensors.MAX_HEADER_BYTES + rng.nextInt(3) - 1;
                break;
            default:
                n = rng.nextLong();
        }
        how.append("header length set to ").append(Long.toUnsignedString(n));
        byte[] m = v.clone();
        ByteBuffer.wrap(m).order(ByteOrder.LITTLE_ENDIAN).putLong(0, n);
        return m;
    }

    /** A run of bytes deleted, or a run of another valid file (or of random bytes) inserted. */
    private static byte[] splice(Random rng, byte[] v, byte[] donor, StringBuilder how) {
        int at = rng.nextInt(v.length + 1);
        if (rng.nextBoolean()) {
            int len = rng.nextInt(v.length - at + 1);
            how.append("bytes [").append(at).append(", ").append(at + len).append(") deleted");
            byte[] m = new byte[v.length - len];
            System.arraycopy(v, 0, m, 0, at);
            System.arraycopy(v, at + len, m, at, v.length - at - len);
            return m;
        }
        byte[] insert;
        if (rng.nextBoolean()) {
            int from = rng.nextInt(donor.length), len = rng.nextInt(donor.length - from + 1);
            insert = Arrays.copyOfRange(donor, from, from + len);
            how.append("donor bytes [").append(from).append(", ").append(from + len).append(')');
        } else {
            insert = new byte[1 + rng.nextInt(64)];
            rng.nextBytes(insert);
            how.append(insert.length).append(" random bytes ").append(Arrays.toString(insert));
        }
        how.append(" inserted at ").append(at);
        byte[] m = new byte[v.length + insert.length];
        System.arraycopy(v, 0, m, 0, at);
        System.arraycopy(insert, 0, m, at, insert.length);
        System.arraycopy(v, at, m, at + insert.length, v.length - at);
        return m;
    }

    /** One number of the header (a dimension or an offset) replaced, and the length field kept right. */
    private static byte[] editNumber(Random rng, byte[] v, int header, StringBuilder how) {
        String text = new String(v, 8, header, java.nio.charset.StandardCharsets.ISO_8859_1);
        int digits = 0;
        for (int i = 0; i < text.length(); i++) {
            if (Character.isDigit(text.charAt(i)) && (i == 0 || !Character.isDigit(text.charAt(i - 1)))) digits++;
        }
        if (digits == 0) return flipBits(rng, v, header, how);
        int pick = rng.nextInt(digits), start = -1;
        for (int i = 0, seen = 0; i < text.length(); i++) {
            if (Character.isDigit(text.charAt(i)) && (i == 0 || !Character.isDigit(text.charAt(i - 1))) && seen++ == pick) {
                start = i;
                break;
            }
        }
        int end = start;
        while (end < text.length() && Character.isDigit(text.charAt(end))) end++;
        long n = rng.nextBoolean() ? NUMBERS[rng.nextInt(NUMBERS.length)] : rng.nextInt(1 << 20);
        String edited = text.substring(0, start) + n + text.substring(end);
        how.append("header number ").append(text, start, end).append(" at ").append(start).append(" set to ").append(n);
        byte[] h = edited.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        return ByteBuffer.allocate(8 + h.length + v.length - 8 - header).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length)
                .put(h).put(v, 8 + header, v.length - 8 - header).array();
    }

    /** Random bytes, half the time behind a plausible length field and a '{'. */
    private static byte[] random(Random rng, StringBuilder how) {
        byte[] b = new byte[rng.nextInt(2049)];
        rng.nextBytes(b);
        if (b.length > 9 && rng.nextBoolean()) {
            long n = rng.nextInt(b.length - 8);
            ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, n);
            b[8] = '{';
            how.append("random bytes (").append(b.length).append(") behind header length ").append(n);
        } else {
            how.append("random bytes (").append(b.length).append(')');
        }
        return b;
    }
}
