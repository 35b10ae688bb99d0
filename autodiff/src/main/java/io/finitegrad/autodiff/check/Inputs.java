package io.finitegrad.autodiff.check;

import io.finitegrad.autodiff.Var;
import java.util.Map;

/**
 * The input nodes a model builder receives from {@link FinitenessCheck}, by the names the check
 * declared. The check makes them (at representative values while tracing, at candidate values
 * while confirming), so the builder must take its data from here, not from its own variables.
 */
public final class Inputs {
    private final Map<String, Var> vars;

    Inputs(Map<String, Var> vars) {
        this.vars = Map.copyOf(vars);
    }

    /**
     * The input declared as {@code name}.
     *
     * @throws IllegalArgumentException if no input of that name was declared
     */
    public Var get(String name) {
        Var v = vars.get(name);
        if (v == null) {
            throw new IllegalArgumentException("Inputs.get: no input '" + name + "' was declared (declared: "
                    + vars.keySet() + ")");
        }
        return v;
    }
}
