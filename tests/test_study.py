"""Ask/tell with `hpdsl.Study`, and the `Trials` records it fills."""

from __future__ import annotations

import functools
import pickle
import sys
from typing import Any

import numpy as np
import pytest

import hpdsl
from hpdsl import Study, TrialState
from hpdsl.search import History, InMemoryStorage, Trial, TrialStorage

rand = hpdsl.rand.suggest

SPACE = """
n ~ randint(1, 2)
for i in 1..n {
    u[i] ~ choice(8, 16)
}
opt {
    kind ~ choice(sgd, adam)
    if kind == adam then beta ~ uniform(0.8, 0.99)
}
"""


def test_ask_gives_a_running_trial_and_tell_finishes_it() -> None:
    study = Study(SPACE, algo=rand, seed=0)
    t = study.ask()
    assert t.state == TrialState.RUNNING and t.number == 0 and t.duration is None
    assert t.config in study.space
    assert study.tell(t, 0.5) is t
    assert t.state == TrialState.OK and t.loss == 0.5
    assert t.duration is not None and t.duration >= 0
    assert study.best_trial is t and study.best_config == t.config


def test_tell_by_number_with_a_dict_or_a_failure() -> None:
    study = Study(SPACE, algo=rand, seed=0)
    a, b, c = study.ask(), study.ask(), study.ask()
    study.tell(1, {"loss": 2.0, "epochs": 3})
    study.tell(a, state=TrialState.FAIL, error="out of memory")
    study.tell(c, 1.0)
    assert b.loss == 2.0 and b.attachments == {"epochs": 3}
    assert a.state == TrialState.FAIL and a.error == "out of memory"
    assert study.best_trial is c


def test_tell_rejects_misuse() -> None:
    study = Study(SPACE, algo=rand, seed=0)
    t = study.ask()
    with pytest.raises(hpdsl.ConfigurationError, match="OK or FAIL"):
        study.tell(t, 1.0, state=TrialState.RUNNING)
    with pytest.raises(hpdsl.ConfigurationError, match="no value"):
        study.tell(t, 1.0, state=TrialState.FAIL)
    study.tell(t, 1.0)
    with pytest.raises(hpdsl.ConfigurationError, match="already finished"):
        study.tell(t, 2.0)
    other = Study(SPACE, algo=rand, seed=0).ask()
    other_study_trial = Trial(5, other.config, other.x, other.active)
    with pytest.raises(hpdsl.ConfigurationError, match="does not belong"):
        study.tell(other_study_trial, 1.0)


def test_best_config_without_a_successful_trial() -> None:
    study = Study(SPACE, algo=rand, seed=0)
    assert study.best_trial is None
    study.tell(study.ask(), None)
    with pytest.raises(hpdsl.AllTrialsFailed, match="not a loss"):
        study.best_config  # noqa: B018


def test_pending_trials_are_visible_to_the_algorithm() -> None:
    seen: list[History] = []

    def recording(space: hpdsl.Space, history: History, rng: np.random.Generator,
                  n: int = 1) -> np.ndarray:
        seen.append(history)
        return rand(space, history, rng, n)

    study = Study(SPACE, algo=recording, seed=0)
    first = study.ask()
    study.ask()
    study.tell(first, 1.0)
    study.ask()
    assert [len(h) for h in seen] == [0, 1, 2]
    assert list(seen[1].states) == [TrialState.RUNNING]
    assert list(seen[2].states) == [TrialState.OK, TrialState.RUNNING]
    assert seen[2].losses[0] == 1.0 and np.isnan(seen[2].losses[1])
    assert seen[2].X.shape == (2, len(study.space.coords.dimensions))


def test_asking_a_grid_repeatedly_never_repeats_a_pending_configuration() -> None:
    study = Study(SPACE, algo=functools.partial(hpdsl.grid.suggest, resolution=2))
    configs = []
    with pytest.raises(hpdsl.SearchExhausted):
        while True:
            configs.append(study.ask().config)
    # (one item or two) of two sizes, times sgd or adam with beta at two points
    assert len(configs) == (2 + 4) * (1 + 2)
    assert len({repr(c) for c in configs}) == len(configs)


def test_the_same_seed_gives_the_same_sequence_as_fmin() -> None:
    study = Study(SPACE, algo=rand, seed=4)
    asked = []
    for _ in range(5):
        t = study.ask()
        asked.append(t.config)
        study.tell(t, 1.0)
    trials = hpdsl.Trials()
    hpdsl.fmin(lambda c: 1.0, SPACE, algo=rand, max_evals=5, trials=trials, rstate=4,
               show_progressbar=False)
    assert [t.config for t in trials] == asked


def test_defaults_are_asked_first_and_enqueued_configs_next() -> None:
    study = Study("x ~ uniform(0, 1) default 0.25\ny ~ choice(a, b) default b", algo=rand)
    study.enqueue({"x": 0.75, "y": "a"})
    assert study.ask().config == {"x": 0.25, "y": "b"}
    assert study.ask().config == {"x": 0.75, "y": "a"}
    with pytest.raises(hpdsl.ConfigurationError, match="not one of the options"):
        study.enqueue({"x": 0.5, "y": "c"})


def test_study_on_existing_trials_continues_numbering() -> None:
    trials = hpdsl.Trials()
    first = Study(SPACE, algo=rand, seed=0, trials=trials)
    first.tell(first.ask(), 1.0)
    second = Study(SPACE, algo=rand, seed=1, trials=trials)
    assert second.ask().number == 1 and len(trials) == 2


def test_trials_from_another_space_are_refused() -> None:
    trials = hpdsl.Trials()
    study = Study(SPACE, algo=rand, seed=0, trials=trials)
    study.tell(study.ask(), 1.0)
    with pytest.raises(hpdsl.ConfigurationError, match="another space"):
        Study("x ~ uniform(0, 1)", algo=rand, trials=trials).ask()


# --- Trials -------------------------------------------------------------------------------


def filled_trials() -> hpdsl.Trials:
    trials = hpdsl.Trials()
    study = Study(SPACE, algo=rand, seed=2, trials=trials)
    for loss in (3.0, None, 1.0, 1.0):
        study.tell(study.ask(), {"loss": loss, "note": "x"} if loss else "oops")
    study.ask()
    return trials


def test_trials_summaries() -> None:
    trials = filled_trials()
    assert len(trials) == 5 and [t.number for t in trials] == [0, 1, 2, 3, 4]
    assert trials.losses() == [3.0, None, 1.0, 1.0, None]
    assert [t.state for t in trials] == [TrialState.OK, TrialState.FAIL, TrialState.OK,
                                         TrialState.OK, TrialState.RUNNING]
    assert trials.statuses() == ["ok", "fail", "ok", "ok", "running"]  # hyperopt's
    assert trials.best_trial is trials[2]  # the earliest of equal losses
    assert repr(trials) == "<Trials: 5 (1 RUNNING, 3 OK, 1 FAIL)>"


def test_history_holds_coordinates_losses_and_states() -> None:
    trials = filled_trials()
    space = hpdsl.loads(SPACE)
    h = trials.history(space)
    assert h.X.shape == h.active.shape == (5, len(space.coords.dimensions))
    assert np.array_equal(np.isnan(h.X), ~h.active)
    assert np.array_equal(np.isnan(h.losses), [False, True, False, False, True])
    assert list(h.ok) == [True, False, True, True, False]
    assert list(h.pending) == [False, False, False, False, True]
    for t, row in zip(trials, h.X, strict=True):
        x, _ = space.coords.encode(t.config)
        assert np.allclose(np.nan_to_num(x), np.nan_to_num(row))


def test_earlier_histories_keep_their_rows_while_trials_are_added() -> None:
    # rows are appended to buffers with room to spare, and histories are views of them:
    # a history read before must not see later trials, across the buffers' growth too
    study = Study(hpdsl.loads("x ~ uniform(0, 1)\ny ~ choice(a, b)"), algo=rand, seed=0)
    seen = []
    for _ in range(40):
        study.tell(study.ask(), 0.5)
        h = study.trials.history(study.space)
        seen.append((h, h.X.copy(), h.active.copy()))
    for h, X, active in seen:
        np.testing.assert_array_equal(h.X, X)
        np.testing.assert_array_equal(h.active, active)
        assert not h.X.flags.writeable and not h.active.flags.writeable
    final = study.trials.history(study.space)
    for t, row in zip(study.trials, final.X, strict=True):
        np.testing.assert_array_equal(row, t.x)


def test_to_records_flattens_parameters_with_the_space_names() -> None:
    trials = filled_trials()
    records = trials.to_records()
    assert len(records) == 5
    rec = records[0]
    assert {"number", "state", "loss", "duration", "error", "params.n", "params.opt.kind",
            "params.u[1]", "result.note"} <= set(rec)
    assert rec["state"] == "OK" and rec["loss"] == 3.0
    assert records[1]["state"] == "FAIL" and "not a loss" in records[1]["error"]
    cfg = trials[0].config
    assert rec["params.opt.kind"] == cfg["opt"]["kind"]
    assert rec["params.u[1]"] == cfg["u"][0]


def test_to_dataframe() -> None:
    import pandas as pd
    df = filled_trials().to_dataframe()
    assert isinstance(df, pd.DataFrame) and len(df) == 5
    assert list(df.columns[:5]) == ["number", "state", "loss", "duration", "error"]
    assert "params.opt.kind" in df.columns
    assert list(df["state"]) == ["OK", "FAIL", "OK", "OK", "RUNNING"]
    assert list(hpdsl.Trials().to_dataframe().columns) == ["number", "state", "loss",
                                                           "duration", "error"]


def test_to_dataframe_without_pandas_says_what_to_install(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match="pip install pandas"):
        filled_trials().to_dataframe()


def test_attachments_are_shared_between_trial_and_trials() -> None:
    trials = filled_trials()
    trials.attachments[2]["model"] = b"weights"
    assert trials[2].attachments == {"note": "x", "model": b"weights"}
    assert len(trials.attachments) == 5 and list(trials.attachments) == [0, 1, 2, 3, 4]
    with pytest.raises(KeyError):
        trials.attachments[9]


class ListStorage(TrialStorage):
    """A second storage, to show Trials only needs the interface."""

    def __init__(self) -> None:
        self.rows: dict[int, Trial] = {}
        self.updates = 0

    def append(self, trial: Trial) -> None:
        self.rows[trial.number] = trial

    def update(self, trial: Trial) -> None:
        self.updates += 1
        self.rows[trial.number] = trial

    def list_trials(self) -> list[Trial]:
        return [self.rows[k] for k in sorted(self.rows)]

    def __len__(self) -> int:
        return len(self.rows)


@pytest.mark.parametrize("storage", [InMemoryStorage, ListStorage])
def test_trials_work_over_any_storage(storage: Any) -> None:
    backend = storage()
    trials = hpdsl.Trials(backend)
    best = hpdsl.fmin(lambda c: c["n"], SPACE, algo=rand, max_evals=4, trials=trials,
                      rstate=0, show_progressbar=False)
    assert len(backend) == 4 and best == trials.best_trial.config  # type: ignore[union-attr]
    if isinstance(backend, ListStorage):
        assert backend.updates == 4


def test_defaults_the_constraints_exclude_are_skipped_with_a_warning() -> None:
    with pytest.warns(UserWarning, match="excluded by the constraints"):
        study = Study("a ~ randint(0, 3) default 3\nforbid a == 3", algo=rand, seed=0)
    assert study.ask().config["a"] != 3


def test_trials_survive_pickling_and_the_search_resumes() -> None:
    trials = filled_trials()
    restored = pickle.loads(pickle.dumps(trials))
    assert [t.config for t in restored] == [t.config for t in trials]
    assert restored.best_trial.number == 2
    restored.attachments[0]["x"] = 1
    hpdsl.fmin(lambda c: 0.5, SPACE, algo=rand, max_evals=7, trials=restored,
               show_progressbar=False)
    assert len(restored) == 7 and restored.best_trial.loss == 0.5


def test_an_enqueued_point_without_its_derived_values_gets_them() -> None:
    study = hpdsl.Study("k ~ randint(3, 6)\nbatch = 2 ** k\n", algo=hpdsl.rand.suggest, seed=0)
    study.enqueue({"k": 4})
    trial = study.ask()
    assert trial.config == {"k": 4, "batch": 16}
    assert isinstance(trial.config["batch"], int)


# --- seeds: reproducible from where the study stands ------------------------------------------


@pytest.mark.parametrize("algo", [rand, hpdsl.tpe.suggest])
def test_a_resumed_seeded_search_continues_instead_of_replaying(algo: Any) -> None:
    trials = hpdsl.Trials()
    hpdsl.fmin(lambda c: float(c["n"]), SPACE, algo=algo, max_evals=5, trials=trials,
               rstate=0, show_progressbar=False)
    hpdsl.fmin(lambda c: float(c["n"]), SPACE, algo=algo, max_evals=10, trials=trials,
               rstate=0, show_progressbar=False)
    configs = [t.config for t in trials]
    assert configs[5:] != configs[:5]
    straight = hpdsl.Trials()
    hpdsl.fmin(lambda c: float(c["n"]), SPACE, algo=algo, max_evals=10, trials=straight,
               rstate=np.random.default_rng(0), show_progressbar=False)
    assert [t.config for t in straight] == configs


def test_studies_sharing_a_file_and_a_seed_draw_different_points(tmp_path: Any) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    a = Study("x ~ uniform(0, 1)", algo=rand, seed=0, trials=hpdsl.Trials(url))
    b = Study("x ~ uniform(0, 1)", algo=rand, seed=0, trials=hpdsl.Trials(url))
    assert a.ask().config != b.ask().config


def test_a_proposal_whose_number_another_process_took_is_drawn_again(tmp_path: Any) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    other = Study("x ~ uniform(0, 1)", algo=rand, seed=0, trials=hpdsl.Trials(url))
    calls = []

    def racing(space: Any, history: Any, rng: Any, n: int = 1) -> Any:
        if not calls:  # the other process asks between this proposal and its insert
            calls.append(other.ask())
        return rand(space, history, rng, n)

    mine = Study("x ~ uniform(0, 1)", algo=racing, seed=0, trials=hpdsl.Trials(url))
    trial = mine.ask()
    assert (trial.number, calls[0].number) == (1, 0)
    assert trial.config != calls[0].config
    alone = Study("x ~ uniform(0, 1)", algo=rand, seed=0)
    alone.ask()
    assert alone.ask().config == trial.config  # the draw for number 1


@pytest.mark.parametrize("storage", [3, b"sqlite:///s.db", ["sqlite:///s.db"]])
def test_trials_refuse_what_is_neither_a_url_nor_a_storage(storage: Any) -> None:
    with pytest.raises(TypeError, match="storage URL"):
        hpdsl.Trials(storage)


def test_history_follows_trials_that_finish_after_it_was_read() -> None:
    study = Study(hpdsl.loads("x ~ uniform(0, 1)"), algo=rand, seed=0)
    first, second = study.ask(), study.ask()
    before = study.trials.history(study.space)
    study.tell(first, 0.5)
    study.tell(second, state=TrialState.INTERRUPTED, error="stopped")
    third = study.ask()
    after = study.trials.history(study.space)
    np.testing.assert_array_equal(after.X[:2], before.X)
    np.testing.assert_array_equal(after.X[2], third.x)
    np.testing.assert_array_equal(after.losses[:1], [0.5])
    assert list(after.states) == [TrialState.OK, TrialState.INTERRUPTED, TrialState.RUNNING]
    assert study.trials.counted() == 2  # the interrupted trial does not count
    with pytest.raises(ValueError):
        after.X[0, 0] = 0.0  # shared between calls: read-only
    study.tell(third, 0.25)
    assert list(study.trials.history(study.space).losses[[0, 2]]) == [0.5, 0.25]
