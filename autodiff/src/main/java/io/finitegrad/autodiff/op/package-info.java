/**
 * The extension point for differentiable operations: what a custom op implements
 * ({@link io.finitegrad.autodiff.op.Op}) and the types it sees and answers with when the guard asks
 * it to explain a non-finite element ({@link io.finitegrad.autodiff.op.Fault},
 * {@link io.finitegrad.autodiff.op.Diagnosis}, {@link io.finitegrad.autodiff.op.Cause},
 * {@link io.finitegrad.autodiff.op.Phase}), plus {@link io.finitegrad.autodiff.op.ShapeException}.
 * It depends on no other autodiff package, so the built-in ops and user ops depend on it alone.
 */
@LibraryCode
package io.finitegrad.autodiff.op;

import io.finitegrad.core.LibraryCode;
