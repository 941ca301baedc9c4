"""The headline reads as the science does: persistence goes with health, and decay means a low community.

Version 2 judged decay against each school's own level, and `make run`'s grid read backwards: persistence fell
with initial trust while health rose (rank correlation 0.28 over its points), and 37% of the school-years flagged
decayed were above the median health. Decay is now a fall below the initiating stage on a fixed scale (ODD 6).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import spearmanr

from simulation import PLCModel, persistence_table, school_frame
from simulation.parameters import TICKS_PER_YEAR

GRID = [(d, s) for d in (0.0, 0.5, 1.0) for s in (0.0, 0.5, 1.0)]
SMALL = {"n_schools": 10}
YEARS = 20


def finished(seed: int, **overrides) -> PLCModel:
    model = PLCModel(rng=seed, **SMALL, **overrides)
    for _ in range(YEARS * TICKS_PER_YEAR):
        model.step()
    return model


@pytest.fixture(scope="module")
def grid_runs():
    return {(d, s): [finished(seed, leadership_distribution=d, social_capital=s) for seed in (1, 2)] for d, s in GRID}


def test_across_the_headline_grid_persistence_rises_with_health(grid_runs):
    """The issue's bar is a rank correlation of at least 0.8 over make run's grid; 9 points of it here."""
    health, persisting = [], []
    for models in grid_runs.values():
        tables = [persistence_table(m) for m in models]
        formed = np.concatenate([~t["never_formed"] for t in tables])
        decayed = np.concatenate([t["decayed_ever"] for t in tables])
        persisting.append((~decayed[formed]).mean())
        health.append(np.mean([school_frame(m).query("tick > @m.steps - 10")["health"].mean() for m in models]))
    assert spearmanr(health, persisting).statistic >= 0.8


def test_school_years_flagged_decayed_are_mostly_below_the_networks_median_health(grid_runs):
    below = flagged = 0
    for model in grid_runs[(0.5, 0.5)] + grid_runs[(0.0, 0.0)]:
        frame = school_frame(model).query("tick > 0")
        years = frame.assign(year=(frame.tick - 1) // TICKS_PER_YEAR).groupby(["year", "school"]).agg(
            health=("health", "mean"), decayed=("decayed", "last"))
        years = years[years.index.get_level_values("year") >= 8]  # steady state
        median = years.groupby(level="year")["health"].transform("median")
        flagged += int(years["decayed"].sum())
        below += int((years["decayed"].astype(bool) & (years["health"] < median)).sum())
    assert flagged > 20, "too few decayed school-years to judge"
    assert below / flagged > 0.5


def test_never_formed_is_its_own_outcome_not_persisting(grid_runs):
    table = persistence_table(grid_runs[(0.0, 0.0)][0])
    assert table["never_formed"].any(), "at the weakest grid point some communities never form"
    assert not (table["never_formed"] & table["decayed_ever"]).any()
