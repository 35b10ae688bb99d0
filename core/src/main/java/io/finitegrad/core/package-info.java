/**
 * Tensors over EJML matrices, finiteness scans and the naive and stable numeric kernels that the
 * rest of finitegrad builds on.
 */
@LibraryCode
package io.finitegrad.core;
