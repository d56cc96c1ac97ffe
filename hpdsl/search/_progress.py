"""The progress bar `fmin` shows: trials done, best loss, elapsed time (tqdm)."""

from __future__ import annotations

from tqdm import tqdm

from ._trials import Trials


class Progress:
    """A tqdm bar over trials; with `enabled=False` it prints nothing."""

    def __init__(self, enabled: bool, total: int | None, done: int) -> None:
        self._bar = tqdm(total=total, initial=done, disable=not enabled, unit="trial",
                         dynamic_ncols=True)

    def update(self, trials: Trials) -> None:
        best = trials.best_trial
        shown = "-" if best is None or best.loss is None else f"{best.loss:.6g}"
        self._bar.set_postfix_str(f"best loss: {shown}", refresh=False)
        self._bar.update(1)

    def close(self) -> None:
        self._bar.close()
