package io.finitegrad.optim.data;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The mapping between class names and the class numbers a classifier predicts: index {@code i} of
 * the model's output is class {@link #name(int) name(i)}. A training set derives it from its labels
 * ({@link Dataset#classes()}); test and new data must be read <em>with the training vocabulary</em>,
 * so that a class means the same number in every file:
 *
 * <pre>{@code
 * Dataset train = Csv.read(trainCsv, CsvOptions.label("species"));
 * Dataset test = Csv.read(testCsv, CsvOptions.label("species").classes(train.classes()));
 * String predicted = train.classes().name(predictedIndex);
 * }</pre>
 *
 * An immutable value: equal when the names are equal in the same order.
 *
 * @throws IllegalArgumentException from the factories for no names, a blank or duplicate name; from
 *     {@link #indexOf(String)} for a name that is not in the vocabulary; from {@link #name(int)} for
 *     an index outside {@code [0, size())}
 */
public final class ClassVocabulary {
    private final List<String> names;
    private final Map<String, Integer> index;

    private ClassVocabulary(List<String> names) {
        if (names.isEmpty()) throw new IllegalArgumentException("ClassVocabulary: no class names");
        Map<String, Integer> m = new HashMap<>(names.size() * 2);
        for (int i = 0; i < names.size(); i++) {
            String n = names.get(i);
            if (n == null || n.isBlank()) {
                throw new IllegalArgumentException("ClassVocabulary: class name " + i + " is " + (n == null ? "null" : "blank"));
            }
            Integer before = m.put(n, i);
            if (before != null) {
                throw new IllegalArgumentException("ClassVocabulary: class '" + n + "' appears twice, at " + before + " and " + i);
            }
        }
        this.names = List.copyOf(names);
        this.index = Map.copyOf(m);
    }

    /** The classes in this index order (class {@code i} is {@code names[i]}). */
    public static ClassVocabulary of(String... names) {
        return of(List.of(names));
    }

    /** The classes in this index order (class {@code i} is {@code names.get(i)}). */
    public static ClassVocabulary of(List<String> names) {
        if (names == null) throw new IllegalArgumentException("ClassVocabulary.of: names are null");
        return new ClassVocabulary(names);
    }

    /**
     * The distinct names numbered in sorted order, as scikit-learn's LabelEncoder; this is how
     * {@link Csv} derives a training set's vocabulary. Repeated names are counted once.
     */
    public static ClassVocabulary sorted(Collection<String> names) {
        if (names == null) throw new IllegalArgumentException("ClassVocabulary.sorted: names are null");
        return new ClassVocabulary(List.copyOf(new TreeSet<>(names)));
    }

    /** The number of classes (the width of a one-hot target or a classifier's output). */
    public int size() {
        return names.size();
    }

    /** All names in index order. */
    public List<String> names() {
        return names;
    }

    /** Whether {@code name} is one of the classes. */
    public boolean contains(String name) {
        return index.containsKey(name);
    }

    /** The number of class {@code name}. */
    public int indexOf(String name) {
        Integer i = index.get(name);
        if (i == null) throw new IllegalArgumentException("ClassVocabulary: unknown class '" + name + "'; the classes are " + names);
        return i;
    }

    /** The number of {@code name}, or -1 if it is not a class (for callers that report it themselves). */
    int find(String name) {
        Integer i = index.get(name);
        return i == null ? -1 : i;
    }

    /** The name of class number {@code index}. */
    public String name(int index) {
        if (index < 0 || index >= names.size()) {
            throw new IllegalArgumentException("ClassVocabulary: class index " + index + " is outside [0, " + names.size() + ") of " + names);
        }
        return names.get(index);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ClassVocabulary v && names.equals(v.names);
    }

    @Override
    public int hashCode() {
        return names.hashCode();
    }

    @Override
    public String toString() {
        return "ClassVocabulary" + names;
    }
}
