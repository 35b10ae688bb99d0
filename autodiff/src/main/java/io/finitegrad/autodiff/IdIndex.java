package io.finitegrad.autodiff;

import java.util.Arrays;

/**
 * A reusable open-addressing map from node id (a long, kept unboxed) to a non-negative int (a
 * position), for the backward sweep's visited set. Entries belong to the current generation;
 * {@link #clear()} starts a new one without touching the arrays, so a sweep neither allocates nor
 * clears per node.
 */
final class IdIndex {
    private long[] keys = new long[128];
    private int[] values = new int[128];
    private int[] generations = new int[128];
    private int generation = 1;
    private int size;

    void clear() {
        size = 0;
        if (++generation == Integer.MAX_VALUE) {
            Arrays.fill(generations, 0);
            generation = 1;
        }
    }

    /** The value stored for {@code id} in this generation, or -1. */
    int get(long id) {
        int mask = keys.length - 1;
        for (int i = mix(id) & mask; generations[i] == generation; i = (i + 1) & mask) {
            if (keys[i] == id) return values[i];
        }
        return -1;
    }

    void put(long id, int value) {
        if (2 * (size + 1) > keys.length) grow();
        int mask = keys.length - 1;
        int i = mix(id) & mask;
        while (generations[i] == generation) {
            if (keys[i] == id) {
                values[i] = value;
                return;
            }
            i = (i + 1) & mask;
        }
        keys[i] = id;
        values[i] = value;
        generations[i] = generation;
        size++;
    }

    private void grow() {
        long[] oldKeys = keys;
        int[] oldValues = values, oldGenerations = generations;
        int old = generation;
        keys = new long[oldKeys.length * 2];
        values = new int[keys.length];
        generations = new int[keys.length];
        generation = 1;
        size = 0;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldGenerations[i] == old) put(oldKeys[i], oldValues[i]);
        }
    }

    /** Fibonacci hashing: the high half of the product, whose low bits the mask keeps, mixes every bit of the id. */
    private static int mix(long id) {
        return (int) (id * 0x9E3779B97F4A7C15L >>> 32);
    }
}
