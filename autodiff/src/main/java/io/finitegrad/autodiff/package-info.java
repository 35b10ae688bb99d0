/**
 * Reverse-mode automatic differentiation ({@link io.finitegrad.autodiff.Var}) with the finiteness
 * guard ({@link io.finitegrad.autodiff.FiniteGuard}) that reports where a NaN/Inf first entered,
 * and early warnings ({@link io.finitegrad.autodiff.Warnings}) before one does.
 * Depends on the op extension point ({@code io.finitegrad.autodiff.op}) and the built-in ops
 * ({@code io.finitegrad.autodiff.ops}); neither depends back on this package.
 */
@LibraryCode
package io.finitegrad.autodiff;

import io.finitegrad.core.LibraryCode;
