package io.finitegrad.layers;

import io.finitegrad.core.Tensor;

/**
 * The size check every layer makes before it allocates a parameter: the element count in long
 * arithmetic, because in int {@code 4 * 2_000_000_000} wraps and surfaces later as a
 * NegativeArraySizeException (or, worse, a wrong but positive size).
 */
final class Sizes {
    private Sizes() {
    }

    /**
     * Checks that a {@code rows x cols} parameter fits one tensor.
     *
     * @param layer the layer as messages name it, e.g. {@code Dense 'dense1'}
     * @param param the parameter's name, e.g. {@code W}
     * @throws IllegalArgumentException naming the layer, the parameter, its shape and element count
     *     when it holds more than {@link Tensor#MAX_ELEMENTS} elements
     */
    static void matrix(String layer, String param, long rows, long cols) {
        if (rows > Tensor.MAX_ELEMENTS || cols > Tensor.MAX_ELEMENTS || Tensor.exceedsMaxElements(rows, cols)) {
            // both below 2^33 (an int times a small factor): the product does not overflow a long
            throw new IllegalArgumentException(layer + ": " + param + " would be " + rows + " x " + cols + " = " + rows * cols
                    + " elements, more than the " + Tensor.MAX_ELEMENTS + " one tensor holds; use fewer units");
        }
    }
}
