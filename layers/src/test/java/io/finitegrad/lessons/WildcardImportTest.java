package io.finitegrad.lessons;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.finitegrad.autodiff.Var;
import io.finitegrad.core.Tensor;
import io.finitegrad.layers.*;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * What a student types: the wildcard import of the layers package next to java.lang's implicit one.
 * This class compiling is the first half of the test: no type of io.finitegrad.layers may clash
 * with a java.lang type (a {@code Module} did, making every use of it ambiguous).
 */
class WildcardImportTest {

    @Test
    void theLayersPackageImportsWithAWildcardBesideJavaLang() {
        Layer net = new Sequential(new Dense(2, 1, Activation.IDENTITY, Init.ZEROS, new Random(1)));
        assertEquals("3x1", net.forward(Var.input("x", Tensor.ones(3, 2))).shape());
        assertEquals("java.lang.Module", Module.class.getName()); // resolves to java.lang's, unambiguously
        assertThrows(ClassNotFoundException.class, () -> Class.forName("io.finitegrad.layers.Module"));
    }
}
