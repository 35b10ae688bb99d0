package io.finitegrad.autodiff.op;

/** When a non-finite value appeared: computing a node's value, or a gradient during backward. */
public enum Phase {
    FORWARD,
    BACKWARD
}
