package io.finitegrad.optim.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.finitegrad.core.Tensor;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Batching gathers each batch's rows and nothing else, so an epoch's cost grows with the data, not its square. */
class DatasetBatchingTest {
    private static Dataset numbered(int n, int d) {
        double[] x = new double[n * d];
        for (int i = 0; i < x.length; i++) x[i] = i * 0.5 - 3;
        double[] y = new double[n];
        for (int i = 0; i < n; i++) y[i] = i % 3;
        return new Dataset(Tensor.of(n, d, x), Tensor.of(n, 1, y), List.of("a", "b", "c", "d"), List.of("p", "q", "r"));
    }

    @Test
    void eachBatchHoldsTheRowsOfTheShuffleInOrderBitForBit() {
        Dataset data = numbered(103, 4);
        // the shuffle the batches are cut from: Fisher-Yates driven by the caller's generator
        Random rng = new Random(9);
        int[] order = new int[data.size()];
        for (int i = 0; i < order.length; i++) order[i] = i;
        for (int i = order.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        List<Dataset.Batch> batches = data.batches(10, new Random(9));
        assertEquals(11, batches.size());
        for (Dataset.Batch b : batches) {
            int from = b.index() * 10;
            int[] rows = java.util.Arrays.copyOfRange(order, from, Math.min(order.length, from + 10));
            Dataset expected = data.subset(rows);
            assertEquals(expected.features(), b.features(), "features of batch " + b.index());
            assertEquals(expected.targets(), b.targets(), "targets of batch " + b.index());
            for (int i = 0; i < rows.length; i++) assertEquals(rows[i], b.provenance().sourceRow(i));
        }
    }

    @Test
    void anEpochOfBatchesAllocatesInProportionToTheDataNotPerBatchCopiesOfIt() {
        int n = 20_000;
        Dataset data = numbered(n, 4);
        long dataBytes = (long) n * (4 + 1) * Double.BYTES;
        data.batches(32, new Random(1)); // load and compile the path once
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = mx.getCurrentThreadAllocatedBytes();
        List<Dataset.Batch> batches = data.batches(32, new Random(2));
        long allocated = mx.getCurrentThreadAllocatedBytes() - before;
        assertEquals(625, batches.size());
        // the batches hold the data once (plus row numbers and per-batch objects); copying the whole
        // set per batch, as it used to, is 625 times the data
        assertTrue(allocated < 4 * dataBytes, "one epoch of batches allocated " + allocated + " bytes for " + dataBytes
                + " bytes of data");
    }
}
