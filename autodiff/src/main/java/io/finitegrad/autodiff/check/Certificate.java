package io.finitegrad.autodiff.check;

import io.finitegrad.core.Interval;
import io.finitegrad.core.Precision;
import java.util.Map;

/**
 * The analysis's proof that a model is finite: for every input in {@link #inputs()} and every
 * parameter within {@link #paramRadius()} of its value when checked, each node's value (and, when
 * {@link #backward()}, each gradient) is finite in {@link #format()}. It says nothing of data
 * outside the ranges, weights beyond the radius, or host-side decisions (a check that found one
 * gives no certificate).
 */
public record Certificate(Precision format, Map<String, Interval> inputs, double paramRadius, boolean backward) {
    public Certificate {
        inputs = Map.copyOf(inputs);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("finite for every input in these ranges and every parameter within ")
                .append(paramRadius).append(" of its value, forward").append(backward ? " and backward" : "")
                .append(", in ").append(format.label()).append(':');
        inputs.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> sb.append("\n  ").append(e.getKey()).append(": ").append(e.getValue()));
        return sb.toString();
    }
}
