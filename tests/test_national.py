"""National scale: a network of 100,000 schools (about the US public schools) builds and steps (slow tier)."""

from __future__ import annotations

import numpy as np
import pytest

from simulation import PLCModel
from simulation.measures import SCHOOL_MEASURES


@pytest.mark.slow
def test_a_100000_school_network_builds_and_steps_once():
    n = 100_000
    model = PLCModel(rng=1, n_schools=n)
    # A small world of degree 4 keeps N * 4 / 2 links at any size; a quadratic generator would not finish here.
    assert model.links.shape == (n * model.p.network_degree // 2, 2)
    assert np.bincount(model.links.ravel(), minlength=n).min() >= model.p.network_degree // 2
    model.step()
    assert model.steps == 1
    assert model.observer.table.shape == (len(SCHOOL_MEASURES), n)
    health = model.observer.current["health"]
    assert np.isfinite(health).all() and ((0.0 <= health) & (health <= 1.0)).all()
    assert len(model.datacollector.model_vars["network"]) == 2  # tick 0 and tick 1
