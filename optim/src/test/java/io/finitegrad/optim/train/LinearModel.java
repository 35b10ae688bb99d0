package io.finitegrad.optim.train;

import io.finitegrad.autodiff.Var;
import io.finitegrad.layers.Layer;
import java.util.List;

/** The smallest trainable model the Trainer tests need: {@code x @ w}, with {@code w} its one parameter. */
final class LinearModel {
    private LinearModel() {
    }

    static Layer of(Var w) {
        return new Layer() {
            @Override
            public Var forward(Var x) {
                return x.matmul(w);
            }

            @Override
            public List<Var> parameters() {
                return List.of(w);
            }
        };
    }
}
