package io.finitegrad.autodiff;

import java.util.Arrays;

/**
 * A reusable open-addressing map from node id to a non-negative int (a position), for the backward
 * sweep's visited set. Entries belong to the current generation; {@link #clear()} starts a new one
 * without touching the arrays, so a sweep neither allocates nor clears per node.
 */
final class IdIndex {
    private int[] keys = new int[128];
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
    int get(int id) {
        int mask = keys.length - 1;
        for (int i = mix(id) & mask; generations[i] == generation; i = (i + 1) & mask) {
            if (keys[i] == id) return values[i];
        }
        return -1;
    }

    void put(int id, int value) {
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
        int[] oldKeys = keys, oldValues = values, oldGenerations = generations;
        int old = generation;
        keys = new int[oldKeys.length * 2];
        values = new int[keys.length];
        generations = new int[keys.length];
        generation = 1;
        size = 0;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldGenerations[i] == old) put(oldKeys[i], oldValues[i]);
        }
    }

    private static int mix(int id) {
        return id * 0x9E3779B9 >>> 7;
    }
}
