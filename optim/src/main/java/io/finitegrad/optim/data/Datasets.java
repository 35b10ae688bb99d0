package io.finitegrad.optim.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** Small datasets bundled with finitegrad, loaded from the classpath (as scikit-learn's {@code load_*}). */
public final class Datasets {
    private Datasets() {
    }

    /**
     * Fisher's Iris data (UCI Machine Learning Repository): 150 rows, features sepal_length,
     * sepal_width, petal_length, petal_width (cm), classes setosa, versicolor, virginica (50 each);
     * targets are class indices (n x 1), see {@link Dataset#oneHot()}.
     *
     * @throws UncheckedIOException if the bundled file is missing or damaged (a packaging error)
     */
    public static Dataset iris() {
        try (InputStream in = Datasets.class.getResourceAsStream("iris.csv")) {
            if (in == null) throw new IOException("iris.csv is not on the classpath next to " + Datasets.class.getName());
            try (Reader r = new InputStreamReader(in, StandardCharsets.UTF_8)) {
                return Csv.read(r, "iris.csv", CsvOptions.label("species"));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Datasets.iris: " + e.getMessage(), e);
        }
    }
}
