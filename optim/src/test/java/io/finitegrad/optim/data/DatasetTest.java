package io.finitegrad.optim.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.finitegrad.core.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DatasetTest {
    private static List<Double> firstColumn(Dataset d) {
        List<Double> out = new ArrayList<>();
        for (int i = 0; i < d.size(); i++) out.add(d.features().get(i, 0));
        return out;
    }

    @Test
    void stratifiedSplitKeepsClassProportionsAndIsSeeded() {
        Dataset iris = Datasets.iris();
        Dataset.Split s = iris.split(0.2, 42, true);
        assertEquals(120, s.train().size());
        assertEquals(30, s.test().size());
        int[] test = new int[3];
        for (int k : s.test().classIndices()) test[k]++;
        assertArrayEquals(new int[] {10, 10, 10}, test);
        Dataset.Split again = iris.split(0.2, 42, true);
        assertEquals(s.test().features(), again.test().features());
        assertNotEquals(s.test().features(), iris.split(0.2, 43, true).test().features());
        // every row lands on exactly one side
        List<Double> all = new ArrayList<>(firstColumn(s.train()));
        all.addAll(firstColumn(s.test()));
        List<Double> original = firstColumn(iris);
        all.sort(null);
        original.sort(null);
        assertEquals(original, all);
    }

    @Test
    void batchesCoverEveryRowOnceInShuffledOrder() {
        double[] v = new double[10];
        for (int i = 0; i < 10; i++) v[i] = i;
        Dataset d = Dataset.of(Tensor.column(v), Tensor.column(v));
        List<Dataset.Batch> bs = d.batches(4, new Random(1));
        assertEquals(3, bs.size());
        assertEquals(2, bs.get(2).features().rows());
        double[] seen = bs.stream().flatMapToDouble(b -> Arrays.stream(b.features().toFlatArray())).toArray();
        double[] targets = bs.stream().flatMapToDouble(b -> Arrays.stream(b.targets().toFlatArray())).toArray();
        assertArrayEquals(seen, targets);
        assertTrue(!Arrays.equals(v, seen), "rows should be shuffled");
        Arrays.sort(seen);
        assertArrayEquals(v, seen);
    }

    @Test
    void oneHotHelperAndValidation() {
        assertEquals(Tensor.of(new double[][] {{0, 1, 0}, {1, 0, 0}}), Dataset.oneHot(new int[] {1, 0}, 3));
        assertThrows(IllegalArgumentException.class, () -> Dataset.oneHot(new int[] {3}, 3));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Dataset(Tensor.column(1, 2), Tensor.column(0, 2.5), List.of("x"), List.of("a", "b")));
        assertTrue(e.getMessage().contains("target of row 1 is 2.5"), e.getMessage());
    }

    @Test
    void standardScalerFitsOnTrainAndLeavesConstantColumnsAtZero() {
        Tensor train = Tensor.of(new double[][] {{1, 5, 100}, {3, 5, 300}});
        StandardScaler s = new StandardScaler();
        Tensor t = s.fitTransform(train);
        assertEquals(Tensor.of(new double[][] {{-1, 0, -1}, {1, 0, 1}}), t);
        assertArrayEquals(new double[] {2, 5, 200}, s.mean());
        assertArrayEquals(new double[] {1, 1, 100}, s.scale());
        assertEquals(Tensor.of(new double[][] {{2, 3, 0}}), s.transform(Tensor.of(new double[][] {{4, 8, 200}})));
        assertThrows(IllegalStateException.class, () -> new StandardScaler().transform(train));
        // 0.1 three times sums to 0.30000000000000004: the column must still come out exactly 0
        assertEquals(Tensor.column(0, 0, 0), new StandardScaler().fitTransform(Tensor.column(0.1, 0.1, 0.1)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new StandardScaler().fit(Tensor.row(1, Double.NaN)));
        assertTrue(e.getMessage().contains("cell (0, 1) is NaN"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> s.transform(Tensor.row(1, 2)));
    }

    @Test
    void minMaxScalerMapsTrainingRangeToUnitInterval() {
        Tensor train = Tensor.of(new double[][] {{1, 7}, {3, 7}, {5, 7}});
        MinMaxScaler s = new MinMaxScaler();
        assertEquals(Tensor.of(new double[][] {{0, 0}, {0.5, 0}, {1, 0}}), s.fitTransform(train));
        assertEquals(Tensor.row(1.5, 1), s.transform(Tensor.row(7, 8)));
    }
}
