"""Successive halving (ASHA), Hyperband and the Wilcoxon pruner.

Decisions are checked on hand-built histories, then on whole searches: each serial
decision is the rule applied to the trials stored before it, and a search gives the same
pruned trials at the same steps after a resume from SQLite and with two worker processes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import scipy.stats

import hpdsl
from hpdsl import ConfigurationError, RunningTrial, Study, TrialPruned, TrialState
from hpdsl.pruners import (
    BasePruner,
    HyperbandPruner,
    PrunerView,
    ReportedTrial,
    SuccessiveHalvingPruner,
    WilcoxonPruner,
)
from hpdsl.pruners._hyperband import bracket_count, bracket_of, bracket_weights
from hpdsl.pruners._wilcoxon import signed_rank_pvalue

OK, PRUNED, RUNNING = TrialState.OK, TrialState.PRUNED, TrialState.RUNNING


def trial(number: int, values: dict[int, float], state: TrialState = OK) -> ReportedTrial:
    return ReportedTrial(number, state, values)


def flat(value: float, last: int) -> dict[int, float]:
    return {step: value for step in range(1, last + 1)}


# --- successive halving on hand-built histories -------------------------------------------
def test_asha_keeps_the_best_quarter_at_each_rung_and_judges_only_there() -> None:
    asha = SuccessiveHalvingPruner(min_resource=1, reduction_factor=4)
    # eight others at rung 1 (their value at step 1): 0.1 .. 0.8, in any state
    others = tuple(trial(i, flat(0.1 * (i + 1), 1 if i % 2 else 5),
                         PRUNED if i % 2 else OK) for i in range(8))
    view = PrunerView(others)
    # nine values at rung 1: the best 9 // 4 = 2 go on, i.e. up to the 2nd smallest
    assert not asha.prune(view, trial(50, {1: 0.15}, RUNNING))
    assert asha.prune(view, trial(50, {1: 0.25}, RUNNING))
    # steps 2 and 3 are no rung: no judgement, whatever the value
    assert not asha.prune(view, trial(50, {1: 0.15, 2: 9.0, 3: 9.0}, RUNNING))
    # rung 4: only trials that reached step 4 compete (0.1, 0.3, 0.5, 0.7 -> keep 1)
    assert asha.prune(view, trial(50, {**flat(0.15, 3), 4: 0.2}, RUNNING))
    assert not asha.prune(view, trial(50, {**flat(0.15, 3), 4: 0.05}, RUNNING))


def test_asha_compares_at_the_first_step_reported_at_or_past_a_rung() -> None:
    asha = SuccessiveHalvingPruner(min_resource=2, reduction_factor=2)
    view = PrunerView((trial(0, {1: 9.0, 3: 0.5}), trial(1, {2: 0.4, 3: 0.1})))
    # rung 2: the others' values there are 0.5 (step 3) and 0.4 (step 2)
    assert asha.prune(view, trial(2, {3: 0.45}, RUNNING))
    assert not asha.prune(view, trial(2, {3: 0.3}, RUNNING))
    # skipping straight to step 5 crosses rung 2 and rung 4 at once: judged at both
    assert asha.prune(view, trial(2, {5: 0.3}, RUNNING)) is False
    early = SuccessiveHalvingPruner(min_resource=2, reduction_factor=2,
                                    min_early_stopping_rate=1)
    assert not early.prune(view, trial(2, {3: 0.45}, RUNNING))  # first rung is 4


def test_the_first_trials_go_on_only_while_they_are_the_best() -> None:
    asha = SuccessiveHalvingPruner(min_resource=1, reduction_factor=3)
    assert not asha.prune(PrunerView(()), trial(0, {1: 5.0}, RUNNING))
    view = PrunerView((trial(0, {1: 1.0}),))
    assert asha.prune(view, trial(1, {1: 2.0}, RUNNING))
    assert not asha.prune(view, trial(1, {1: 1.0}, RUNNING))


def test_auto_settings_come_from_the_fidelity() -> None:
    space = hpdsl.loads("x ~ uniform(0, 1)\nepochs ~ fidelity(2, 32, 2)")
    bound = SuccessiveHalvingPruner().bind(space)
    assert isinstance(bound, SuccessiveHalvingPruner)
    assert (bound.min_resource, bound.reduction_factor) == (2, 2)
    # no rung at the fidelity's max (32): a finished trial has nothing left to save
    view = PrunerView((trial(0, flat(0.1, 32)),))
    assert bound.prune(view, trial(1, flat(0.2, 16), RUNNING))
    assert not bound.prune(view, trial(1, flat(0.2, 32), RUNNING))
    given = SuccessiveHalvingPruner(min_resource=4, reduction_factor=3).bind(space)
    assert (given.min_resource, given.reduction_factor) == (4, 3)  # type: ignore[attr-defined]
    plain = SuccessiveHalvingPruner().bind(hpdsl.loads("x ~ uniform(0, 1)"))
    assert (plain.min_resource, plain.reduction_factor) == ("auto", 4)  # type: ignore[attr-defined]
    hb = HyperbandPruner().bind(hpdsl.loads("x ~ uniform(0, 1)\nepochs ~ fidelity(1, 81)"))
    assert isinstance(hb, HyperbandPruner)
    assert (hb.min_resource, hb.max_resource, hb.reduction_factor) == (1, 81, 3)


@pytest.mark.parametrize("make, message", [
    (lambda: SuccessiveHalvingPruner(min_resource=0), "min_resource must be an int >= 1"),
    (lambda: SuccessiveHalvingPruner(reduction_factor=1), "reduction_factor must be an int >= 2"),
    (lambda: SuccessiveHalvingPruner(min_early_stopping_rate=-1), "min_early_stopping_rate"),
    (lambda: HyperbandPruner(min_resource=9, max_resource=9), "must be below max_resource=9"),
    (lambda: HyperbandPruner(max_resource=2.5), "max_resource must be an int >= 1"),
    (lambda: WilcoxonPruner(p_threshold=1.0), "p_threshold must be a number in (0, 1)"),
    (lambda: WilcoxonPruner(n_startup_steps=0), "n_startup_steps must be an int >= 1"),
])
def test_bad_settings_are_named(make: Any, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        make()


@pytest.mark.parametrize("pruner", [HyperbandPruner(min_resource=81),
                                    SuccessiveHalvingPruner(min_resource=100)])
def test_a_min_resource_past_the_fidelity_max_is_refused(pruner: BasePruner) -> None:
    space = "x ~ uniform(0, 1)\nepochs ~ fidelity(1, 81)"
    with pytest.raises(ConfigurationError, match=r"min_resource=\d+ is not below the space's "
                       r"fidelity max \(epochs ~ fidelity\(1, 81\)\)"):
        Study(space, pruner=pruner)


# --- hyperband on hand-built histories ------------------------------------------------------
def test_brackets_follow_hyperband_and_the_hash_of_the_number() -> None:
    assert bracket_count(1, 81, 3) == 5 and bracket_count(1, 80, 3) == 4
    assert bracket_count(2, 32, 2) == 5
    weights = bracket_weights(5, 3)
    assert weights == [81, 34, 15, 8, 5]  # each bracket spends about the same epochs
    shares = np.bincount([bracket_of(n, weights) for n in range(14_300)], minlength=5)
    assert np.allclose(shares / 14_300, np.array(weights) / sum(weights), atol=0.01)
    assert [bracket_of(n, weights) for n in range(8)] == [bracket_of(n, weights)
                                                          for n in range(8)]


def numbers_in(bracket: int, weights: list[int], count: int) -> list[int]:
    return [n for n in range(10_000) if bracket_of(n, weights) == bracket][:count]


def test_hyperband_compares_a_trial_with_its_own_bracket_only() -> None:
    hb = HyperbandPruner(min_resource=1, max_resource=9, reduction_factor=3)
    weights = bracket_weights(3, 3)
    first = numbers_in(0, weights, 5)
    last = numbers_in(2, weights, 2)
    # bracket 0 judges at step 1 and 3; a far better trial of another bracket is ignored
    view = PrunerView((trial(first[0], flat(0.5, 9)), trial(first[1], flat(0.6, 9)),
                       trial(first[2], flat(0.7, 9)), trial(last[0], flat(0.01, 9))))
    assert not hb.prune(view, trial(first[3], {1: 0.4}, RUNNING))
    assert hb.prune(view, trial(first[3], {1: 0.55}, RUNNING))
    # the last bracket never prunes, however bad
    assert not hb.prune(view, trial(last[1], flat(99.0, 8), RUNNING))
    middle = numbers_in(1, weights, 1)[0]  # bracket 1: first judged at step 3
    assert not hb.prune(view, trial(middle, {1: 99.0, 2: 99.0}, RUNNING))


def test_hyperband_without_a_maximum_waits_for_a_finished_trial() -> None:
    hb = HyperbandPruner(min_resource=1, reduction_factor=3)
    weights = bracket_weights(3, 3)
    a, b, c = numbers_in(0, weights, 3)
    running = PrunerView((trial(a, flat(0.1, 5), RUNNING),))
    assert not hb.prune(running, trial(c, {1: 9.0}, RUNNING))
    done = PrunerView((trial(a, flat(0.1, 9)), trial(b, flat(0.2, 9), PRUNED)))
    assert hb.prune(done, trial(c, {1: 9.0}, RUNNING))  # max 9: three brackets


# --- the Wilcoxon pruner --------------------------------------------------------------------
def test_signed_rank_test_agrees_with_scipy() -> None:
    rng = np.random.default_rng(0)
    cases = [rng.normal(0.3, 1.0, n) for n in (1, 3, 8, 20, 50, 51, 120)]
    cases.append(np.round(rng.normal(0.2, 1.0, 30), 1))  # ties and zeros
    for d in cases:
        expected = scipy.stats.wilcoxon(d, alternative="greater", zero_method="zsplit").pvalue
        assert signed_rank_pvalue(d) == pytest.approx(expected, rel=1e-9, abs=1e-12)
    # with ties among few values, the normal approximation (scipy may permute instead)
    tied = np.array([0.0, 0.0, 1.0, -1.0, 2.0, 2.0, 3.0])
    expected = scipy.stats.wilcoxon(tied, alternative="greater", zero_method="zsplit",
                                    method="approx").pvalue
    assert signed_rank_pvalue(tied) == pytest.approx(expected, rel=1e-9)


def test_wilcoxon_prunes_a_trial_worse_than_the_best_on_the_same_instances() -> None:
    wilcoxon = WilcoxonPruner(p_threshold=0.1, n_startup_steps=3)
    best = {i: 0.2 + 0.01 * i for i in range(10)}
    view = PrunerView((trial(0, best), trial(1, {i: 0.9 for i in range(10)}),
                       trial(2, {i: 0.0 for i in range(10)}, PRUNED)))
    worse = {i: best[i] + 0.05 for i in (7, 3, 5, 1, 8)}  # any order of instances
    assert wilcoxon.prune(view, trial(3, worse, RUNNING))
    assert not wilcoxon.prune(view, trial(3, {7: 0.3, 3: 0.3}, RUNNING))  # 2 < 3 shared
    mixed = {i: best[i] + (0.05 if i % 2 else -0.05) for i in range(6)}
    assert not wilcoxon.prune(view, trial(3, mixed, RUNNING))
    # worse on most instances, but far better on one: the mean still wins, it goes on
    mostly = {i: best[i] + 0.01 for i in range(8)} | {8: best[8] - 1.0}
    assert not wilcoxon.prune(view, trial(3, mostly, RUNNING))
    # the pruned trial 2 is not "the best": only finished trials are
    assert not WilcoxonPruner().prune(PrunerView((view.trials[2],)), trial(3, worse, RUNNING))


# --- whole searches: from the stored values, serially, resumed, in workers ----------------------
EPOCHS = 27
SPACE = "x ~ uniform(0, 1)\nepochs ~ fidelity(1, 27, 3)\n"
# trials 12 to 29 alternate between the best curve and the worst (see the test with workers)
XS = np.random.default_rng(3).uniform(0, 1, 60)
XS[12:30] = np.where(np.arange(12, 30) % 2, 0.0, 1.0)


def crossing(x: float, epoch: int) -> float:
    """Curves that cross: a high x leads early and ends worse."""
    return (1.0 - x) * np.exp(-epoch / 3.0) + 0.5 * x * (1 - np.exp(-epoch / 9.0)) + 0.2 * x


def objective(cfg: dict[str, Any], running: RunningTrial) -> float:
    """The curve depends on the trial's number only, so that every run of a search asks
    the same questions whatever the sampler does."""
    assert cfg["epochs"] == EPOCHS
    x = float(XS[running.number])
    for epoch in range(1, cfg["epochs"] + 1):
        running.report(crossing(x, epoch), epoch)
        if running.should_prune():
            raise TrialPruned()
    return crossing(x, EPOCHS)


def outcome(trials: hpdsl.Trials) -> list[tuple[int, TrialState, int | None]]:
    return [(t.number, t.state, t.last_step) for t in trials]


def run(trials: hpdsl.Trials, pruner: BasePruner, n: int, **kw: Any) -> hpdsl.Trials:
    hpdsl.fmin(objective, SPACE, algo=hpdsl.rand.suggest, max_evals=n, trials=trials,
               rstate=0, show_progressbar=False, pruner=pruner, **kw)
    return trials


PRUNERS = [SuccessiveHalvingPruner(), HyperbandPruner(), WilcoxonPruner(n_startup_steps=3)]


@pytest.mark.parametrize("pruner", PRUNERS, ids=lambda p: type(p).__name__)
def test_each_serial_decision_is_the_rule_on_the_stored_trials_before(
        pruner: BasePruner) -> None:
    trials = run(hpdsl.Trials(), pruner, 40)
    bound = pruner.bind(hpdsl.loads(SPACE))
    states = [t.state for t in trials]
    assert states.count(PRUNED) >= 5 and states.count(OK) >= 2
    for t in trials:
        before = PrunerView(tuple(ReportedTrial(p.number, p.state, p.intermediate)
                                  for p in trials if p.number < t.number))
        stop = next((e for e in range(1, EPOCHS + 1) if bound.prune(
            before, ReportedTrial(t.number, RUNNING, {s: t.intermediate[s]
                                                      for s in range(1, e + 1)}))), None)
        assert t.last_step == (stop or EPOCHS) and t.state == (PRUNED if stop else OK)


@pytest.mark.parametrize("pruner", PRUNERS, ids=lambda p: type(p).__name__)
def test_a_resumed_search_prunes_as_an_uninterrupted_one(tmp_path: Path,
                                                         pruner: BasePruner) -> None:
    whole = run(hpdsl.Trials(), pruner, 30)
    url = f"sqlite:///{tmp_path / 's.db'}"
    run(hpdsl.Trials(url), pruner, 12)
    resumed = run(hpdsl.Trials(url), pruner, 30)  # as a new process would open the file
    assert outcome(resumed) == outcome(whole)


@pytest.mark.parametrize("pruner", [HyperbandPruner(), WilcoxonPruner(n_startup_steps=3)],
                         ids=lambda p: type(p).__name__)
def test_two_workers_prune_as_one_process(tmp_path: Path, pruner: BasePruner) -> None:
    """After a serial start, trials alternate between the best curve (always promoted)
    and the worst (pruned at the first rung of their bracket), whichever trial runs
    beside them: both processes must decide exactly as one does. (Hyperband runs
    successive halving in each bracket: it tests both.)"""
    serial = run(hpdsl.Trials(), pruner, 30)
    url = f"sqlite:///{tmp_path / 's.db'}"
    run(hpdsl.Trials(url), pruner, 12)
    parallel = run(hpdsl.Trials(url), pruner, 30, n_jobs=2)
    assert outcome(parallel) == outcome(serial)
    assert any(state == PRUNED for _, state, _ in outcome(serial)[12:])
