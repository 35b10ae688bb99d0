package io.finitegrad.autodiff.proptest;

/**
 * A property set up wrongly, found while checking an example (a reference of the wrong shape, a
 * loss that is not 1x1): thrown as it is, not reported as the property failing.
 */
final class UsageError extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    UsageError(String message) {
        super(message);
    }
}
