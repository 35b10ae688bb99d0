/**
 * Neural-network layers, containers and losses built from autodiff nodes.
 */
@LibraryCode
package io.finitegrad.layers;

import io.finitegrad.core.LibraryCode;
