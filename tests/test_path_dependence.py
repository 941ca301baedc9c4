"""Tipping points and hysteresis, tested honestly: at the defaults a settled gap keeps closing when held alike.

Equilibrate-then-hold: two copies of the same schools (same seed) are first held at opposite conditions (little
vs plenty of meeting time) until they settle, then both are held at the same middle condition. With a tipping
point (two attractors) the gap would stop closing; with one attractor it keeps closing. The model, as calibrated
in version 3, keeps a school's history for more than a century: with socialization to codified memory (ODD: the
memory rule) a
network of 8 schools keeps about a quarter of the settled gap after 100 years held alike (version 2 kept a tenth,
and this test held it there; at the new defaults that bound fails, so the test now states what the model does:
the gap keeps closing, and less than half of it is left). A designed start (initial trust) is still forgotten.
Because churn, diversion and successors who differ make one network's history noisy, the comparisons use twelve
seeds. The long-run sweep over initial trust and knowledge is ``experiments/path_dependence.toml``.
"""

from __future__ import annotations

import numpy as np

from simulation import PLCModel, network_frame
from simulation.batch import step_models
from simulation.parameters import TICKS_PER_YEAR as YEAR

SCHOOLS = {"n_schools": 8}
SETTLE, HOLD = 10 * YEAR, 100 * YEAR
SEEDS = range(12)


def held_health(first: float, then: float = 0.6) -> np.ndarray:
    """Per seed: mean health in the last settling year at meeting time ``first``, then in the first and last 20
    years held at ``then``. The seeds' runs step as one batch (``simulation.batch``; each as it would alone)."""
    models = [PLCModel(rng=seed, meeting_time=first, **SCHOOLS) for seed in SEEDS]
    step_models(models, SETTLE)
    for model in models:
        model.schools.meeting_time[:] = then
        model.p = model.p.replace(meeting_time=then)  # the declared time too: restoration after cuts returns to it
    step_models(models, HOLD)
    rows = []
    for model in models:
        health = network_frame(model)["health"].to_numpy()
        held = health[SETTLE + 1:]
        rows.append((health[SETTLE - YEAR:SETTLE].mean(), held[:20 * YEAR].mean(), held[-20 * YEAR:].mean()))
    return np.array(rows)


def test_opposite_histories_converge_when_held_at_the_same_conditions():
    """One attractor, reached slowly: the gap left between the two histories keeps closing while they are held
    alike (its last 20 years are closer than its first 20, paired over seeds), and most of the settled gap is gone.
    With socialization to codified memory (ODD: the memory rule) history lasts longer than a century: about a quarter
    of the
    settled gap is left after 100 years (version 2, without socialization, kept a tenth); a tipping point would keep
    the gap from closing at all."""
    low, high = held_health(0.1), held_health(0.95)
    settled_gap, early_gap, late_gap = (high - low).T
    assert settled_gap.mean() > 0.1, "the opposite conditions must first drive the schools far apart"
    closing = early_gap - late_gap
    low_end = closing.mean() - 2 * closing.std(ddof=1) / np.sqrt(closing.size)
    assert low_end > 0, ("the held gap must keep closing", early_gap, late_gap)
    assert late_gap.mean() < 0.5 * settled_gap.mean(), (settled_gap.mean(), late_gap)


def test_the_designed_start_is_forgotten():
    """Initial trust 0.05 vs 0.95 (same seeds): a large early gap, gone after a century (no lasting effect)."""
    low, high = (_runs(trust) for trust in (0.05, 0.95))
    gaps_early = [h[1:YEAR + 1].mean() - lo[1:YEAR + 1].mean() for lo, h in zip(low, high, strict=True)]
    gaps_late = [h[-5 * YEAR:].mean() - lo[-5 * YEAR:].mean() for lo, h in zip(low, high, strict=True)]
    assert np.mean(gaps_early) > 0.03
    assert abs(np.mean(gaps_late)) < 0.25 * np.mean(gaps_early)


def _runs(trust: float) -> list[np.ndarray]:
    """Each seed's health series at initial trust ``trust``, the seeds' runs stepped as one batch."""
    models = [PLCModel(rng=seed, initial_trust=trust, **SCHOOLS) for seed in SEEDS]
    step_models(models, SETTLE + HOLD)
    return [network_frame(model)["health"].to_numpy() for model in models]
