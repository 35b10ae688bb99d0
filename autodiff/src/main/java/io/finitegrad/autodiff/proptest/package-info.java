/**
 * Property tests of gradient stability for your own JUnit tests, on QuickTheories: tensor
 * generators that reach the values numerical code gets wrong ({@link io.finitegrad.autodiff.proptest.TensorGens})
 * and one-line properties ({@link io.finitegrad.autodiff.proptest.GradientProperties}) whose
 * failure shows the shrunk input together with the guard's report of where the NaN/Inf entered.
 *
 * <p>QuickTheories is an optional dependency of finitegrad-autodiff: add
 * {@code org.quicktheories:quicktheories} to your test scope to use this package. Nothing else in
 * finitegrad needs it at run time.
 */
@LibraryCode
package io.finitegrad.autodiff.proptest;

import io.finitegrad.core.LibraryCode;
