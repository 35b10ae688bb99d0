package io.finitegrad.optim;

import io.finitegrad.autodiff.Var;
import java.util.List;

/**
 * Adam with decoupled weight decay, as {@code torch.optim.AdamW}: each step first shrinks the
 * weights, {@code p = p * (1 - lr * weightDecay)}, then applies the Adam update to the plain
 * gradient (no L2 term in m and v). Default weight decay 0.01, as in PyTorch.
 *
 * @throws IllegalArgumentException for the same bad hyperparameters as {@link Adam}
 */
public final class AdamW extends Adam {
    /** AdamW with PyTorch's defaults (betas 0.9/0.999, eps 1e-8, weightDecay 0.01). */
    public AdamW(List<Var> params, double lr) {
        this(params, lr, 0.9, 0.999, 1e-8, 0.01);
    }

    public AdamW(List<Var> params, double lr, double beta1, double beta2, double eps, double weightDecay) {
        super("AdamW", params, lr, beta1, beta2, eps, weightDecay, true);
    }
}
