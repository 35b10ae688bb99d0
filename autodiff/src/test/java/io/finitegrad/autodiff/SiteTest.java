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
@SuppressWarnings("try") // the pass-over scope is opened for its effect
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

    @Test
    void aMethodReferenceCalledBackByTheJdkIsCreatedAtTheUsersLine() {
        // a stream calls Var::exp: the JDK's pipeline frames are nobody's line to fix
        Var x = Var.param("x", Tensor.scalar(1));
        Var y = java.util.stream.Stream.of(x).map(Var::exp).findFirst().orElseThrow();
        assertTrue(y.site().startsWith("SiteTest.java:") && y.site().contains("aMethodReferenceCalledBackByTheJdk"), y.site());
    }

    @Test
    void framesOfAPassedOverHarnessAreSkippedUntilTheScopeCloses() {
        // this test's own package stands in for a harness here
        try (GuardScope harness = FiniteGuard.passOverFrames("io.finitegrad.autodiff")) {
            StackWalker.StackFrame f = Site.capture();
            assertFalse(f != null && f.getClassName().equals(SiteTest.class.getName()), Site.format(f));
        }
        assertTrue(Site.format(Site.capture()).startsWith("SiteTest.java:"));
    }
}
