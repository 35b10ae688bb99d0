/**
 * Where a computation of one scalar stops being finite: {@link io.finitegrad.autodiff.limits.BreakingPoints}
 * finds the first input at which a small graph's value or gradient turns NaN/Inf and asks the guard
 * why; {@link io.finitegrad.autodiff.limits.Twins} lists the textbook formulas next to their stable
 * twins for a side-by-side table ({@code nanlab limits}). Needs no test library.
 */
@LibraryCode
package io.finitegrad.autodiff.limits;

import io.finitegrad.core.LibraryCode;
