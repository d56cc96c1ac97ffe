"""Ridge regression with one penalty per feature group, tuned by its exact hypergradient.

    python examples/ridge_hypergrad.py            # hypergrad vs TPE, 30 trials each
    hpdsl run examples/ridge.hps --objective examples/ridge_hypergrad.py:objective \\
        --algo hypergrad --max-evals 30

The weights of ridge regression with a penalty lambda_g on the features of group g
solve (X'X + D) w = X'y, D = diag(lambda_g(j)). The validation loss
L = |X_val w - y_val|^2 / n_val depends on the penalties through w, and implicit
differentiation of that linear system gives its gradient exactly, for the price of
one more solve: dw/dlambda_g = -(X'X + D)^-1 E_g w (E_g selects group g), so
dL/dlambda_g = -sum over j in g of v_j w_j with v = (X'X + D)^-1 dL/dw.

`objective(config)` returns `{"loss": L, "grad": {"penalty[1]": dL/dlambda_1, ...}}`:
derivatives with respect to the penalties themselves; hpdsl turns them into
derivatives with respect to log(lambda), the coordinates in which `loguniform`
parameters move. The data are synthetic (fixed seed): 60 training and 300
validation samples of 60 features in six groups whose true weights differ in size,
so that each group wants its own penalty. Numpy only.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

SPACE = Path(__file__).with_name("ridge.hps")
GROUPS, PER_GROUP = 6, 10
SCALES = (3.0, 1.0, 0.3, 0.0, 0.0, 0.1)  # the true weights' size in each group


@cache
def data() -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(0)
    p = GROUPS * PER_GROUP
    w = np.concatenate([s * rng.normal(size=PER_GROUP) for s in SCALES])
    X, X_val = rng.normal(size=(60, p)), rng.normal(size=(300, p))
    return X, X @ w + rng.normal(size=60), X_val, X_val @ w + rng.normal(size=300)


def loss_and_grad(penalties: np.ndarray) -> tuple[float, np.ndarray]:
    """The validation loss and its gradient with respect to the penalties."""
    X, y, X_val, y_val = data()
    diag = np.repeat(penalties, PER_GROUP)
    A = X.T @ X + np.diag(diag)
    w = np.linalg.solve(A, X.T @ y)
    r = X_val @ w - y_val
    loss = float(r @ r / len(y_val))
    v = np.linalg.solve(A, 2 * X_val.T @ r / len(y_val))  # A is symmetric
    grad = -(v * w).reshape(GROUPS, PER_GROUP).sum(axis=1)
    return loss, grad


def objective(config: dict[str, Any]) -> dict[str, Any]:
    loss, grad = loss_and_grad(np.asarray(config["penalty"], dtype=np.float64))
    return {"loss": loss, "grad": {f"penalty[{g + 1}]": float(d) for g, d in enumerate(grad)}}


def main(evals: int = 30, seed: int = 0) -> dict[str, float]:
    import hpdsl

    space = hpdsl.load(SPACE)
    best = {}
    for name, algo in (("hypergrad", hpdsl.hypergrad.suggest), ("tpe", hpdsl.tpe.suggest)):
        trials = hpdsl.Trials()
        hpdsl.fmin(objective, space, algo=algo, max_evals=evals, trials=trials, rstate=seed,
                   show_progressbar=False)
        assert trials.best_trial is not None and trials.best_trial.loss is not None
        best[name] = trials.best_trial.loss
        penalties = ", ".join(f"{p:.3g}" for p in trials.best_trial.config["penalty"])
        print(f"{name:>9}: best validation loss {best[name]:.4f} after {evals} trials "
              f"(penalties {penalties})")
    return best


if __name__ == "__main__":
    main()
