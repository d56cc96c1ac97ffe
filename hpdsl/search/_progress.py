"""The progress bar `fmin` shows: trials done, best loss, elapsed time (tqdm)."""

from __future__ import annotations

from tqdm import tqdm

from ._trials import Trials


class Progress:
    """A tqdm bar over trials; with `enabled=False` it prints nothing."""

    def __init__(self, enabled: bool, total: int | None, done: int) -> None:
        self._enabled = enabled
        self._bar = tqdm(total=total, initial=done, disable=not enabled, unit="trial",
                         dynamic_ncols=True)

    def update(self, trials: Trials) -> None:
        if not self._enabled:
            return  # the best trial or the front reads every trial: not for a hidden bar
        if trials.objectives.multi:
            self._bar.set_postfix_str(f"Pareto front: {len(trials.pareto_front())}",
                                      refresh=False)
        else:
            best = trials.best_trial
            shown = "-" if best is None or best.loss is None else f"{best.loss:.6g}"
            self._bar.set_postfix_str(f"best {trials.objectives.names[0]}: {shown}",
                                      refresh=False)
        self._bar.update(1)

    def close(self) -> None:
        self._bar.close()
