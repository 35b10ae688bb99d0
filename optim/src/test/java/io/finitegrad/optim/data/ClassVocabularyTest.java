package io.finitegrad.optim.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.lists;
import static org.quicktheories.generators.SourceDSL.strings;

import java.util.List;
import org.junit.jupiter.api.Test;

class ClassVocabularyTest {

    @Test
    void numbersClassesInTheGivenOrderBothWays() {
        ClassVocabulary v = ClassVocabulary.of("virginica", "setosa", "versicolor");
        assertEquals(3, v.size());
        assertEquals(List.of("virginica", "setosa", "versicolor"), v.names());
        assertEquals(1, v.indexOf("setosa"));
        assertEquals("versicolor", v.name(2));
        assertTrue(v.contains("virginica"));
        assertFalse(v.contains("Setosa"));
    }

    @Test
    void sortedNumbersDistinctNamesAlphabeticallyLikeLabelEncoder() {
        ClassVocabulary v = ClassVocabulary.sorted(List.of("b", "c", "a", "b"));
        assertEquals(List.of("a", "b", "c"), v.names());
        assertEquals(ClassVocabulary.of("a", "b", "c"), v);
        assertEquals(ClassVocabulary.of("a", "b", "c").hashCode(), v.hashCode());
        assertNotEquals(ClassVocabulary.of("b", "a", "c"), v);
    }

    @Test
    void unknownNamesBadIndicesAndBadVocabulariesAreRefusedByName() {
        ClassVocabulary v = ClassVocabulary.of("cat", "dog");
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> v.indexOf("bird"));
        assertTrue(unknown.getMessage().contains("unknown class 'bird'; the classes are [cat, dog]"), unknown.getMessage());
        IllegalArgumentException index = assertThrows(IllegalArgumentException.class, () -> v.name(2));
        assertTrue(index.getMessage().contains("class index 2 is outside [0, 2)"), index.getMessage());
        assertThrows(IllegalArgumentException.class, () -> v.name(-1));
        IllegalArgumentException dup = assertThrows(IllegalArgumentException.class, () -> ClassVocabulary.of("a", "b", "a"));
        assertTrue(dup.getMessage().contains("class 'a' appears twice, at 0 and 2"), dup.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ClassVocabulary.of());
        assertThrows(IllegalArgumentException.class, () -> ClassVocabulary.of("a", " "));
        assertThrows(UnsupportedOperationException.class, () -> v.names().add("x"));
    }

    @Test
    void indexOfAndNameAreInverse() {
        qt().withExamples(Integer.getInteger("QT_EXAMPLES", 100))
                .forAll(lists().of(strings().basicLatinAlphabet().ofLengthBetween(1, 6)).ofSizeBetween(1, 12))
                .assuming(names -> names.stream().noneMatch(String::isBlank))
                .checkAssert(names -> {
                    ClassVocabulary v = ClassVocabulary.sorted(names);
                    for (int i = 0; i < v.size(); i++) assertEquals(i, v.indexOf(v.name(i)));
                    for (String n : names) assertEquals(n, v.name(v.indexOf(n)));
                });
    }
}
