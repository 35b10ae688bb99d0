package io.finitegrad.autodiff;

/**
 * Test access, from the layers' tests, to how many stack walks site capture made on this thread
 * (the counter is package-private in autodiff; the tests share its package on the class path).
 */
public final class SiteWalks {
    private SiteWalks() {
    }

    /** Walks made on this thread so far. */
    public static long onThisThread() {
        return GuardState.get().siteWalks();
    }
}
