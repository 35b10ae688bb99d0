package io.finitegrad.autodiff;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.finitegrad.autodiff.op.Op;
import io.finitegrad.autodiff.ops.Arithmetic;
import io.finitegrad.core.Tensor;
import org.junit.jupiter.api.Test;

/**
 * Library code is what the library's marked packages ship; every other frame is the user's,
 * including tests compiled into the library's own packages.
 */
class SiteTest {
    @Test
    void classesOfTheMarkedMainPackagesAreLibraryCode() {
        assertTrue(Site.isLibrary(Var.class));
        assertTrue(Site.isLibrary(Tensor.class), "core");
        assertTrue(Site.isLibrary(Arithmetic.Add.class), "built-in ops");
        assertTrue(Site.isLibrary(Op.class), "the op extension package");
    }

    @Test
    void aTestClassInALibraryPackageIsUserCode() {
        assertFalse(Site.isLibrary(SiteTest.class));
        String site = Site.format(Site.capture());
        assertTrue(site.startsWith("SiteTest.java:") && site.endsWith("(SiteTest.aTestClassInALibraryPackageIsUserCode)"),
                site);
    }

    @Test
    void jdkClassesAreNotLibraryCode() {
        assertFalse(Site.isLibrary(String.class));
    }
}
