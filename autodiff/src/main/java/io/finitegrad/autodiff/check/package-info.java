/**
 * Finiteness before the first step: {@link io.finitegrad.autodiff.check.FinitenessCheck} traces a
 * model once, re-evaluates its graph on intervals (each op's own range transfer), and answers
 * "can this network produce NaN/Inf for inputs in these ranges and weights within this radius?"
 * with a {@link io.finitegrad.autodiff.check.Certificate} or a list of
 * {@link io.finitegrad.autodiff.check.PotentialDefect}s, each confirmed on a concrete input by the
 * real guard or left unconfirmed, and each with a suggested fix verified by the analysis.
 */
@LibraryCode
package io.finitegrad.autodiff.check;

import io.finitegrad.core.LibraryCode;
