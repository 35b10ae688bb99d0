/**
 * The built-in differentiable operations, written against the extension point
 * {@code io.finitegrad.autodiff.op} exactly as a custom op is; {@code Var} applies them.
 */
@LibraryCode
package io.finitegrad.autodiff.ops;

import io.finitegrad.core.LibraryCode;
