"""Tiny experiment specs shared by the sweep, spec, sensitivity and figure tests (small networks, few ticks)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

TINY_NETWORK = """
[fixed]
n_schools = 3
teachers_per_school = 6
support_staff = 2
decay_span = 3
"""

TINY_GRID = """
name = "tiny"
question = "A tiny grid for tests"
ticks = 20
replications = 3
master_seed = 11
outcomes = ["health", "decayed_share", "knowledge"]
""" + TINY_NETWORK + """
[vary]
leadership_distribution = [0.0, 1.0]
initial_trust = [0.1, 0.6]
"""

TINY_SENSITIVITY = """
name = "tiny_sensitivity"
ticks = 15
replications = 1
master_seed = 4
outcomes = ["health"]
""" + TINY_NETWORK + """
[vary]
leadership_distribution = {}
initial_trust = { low = 0.0, high = 1.0 }
meeting_time = { low = 0.2, high = 1.0 }

[design.morris]
trajectories = 4
levels = 4

[design.sobol]
samples = 8

[sensitivity]
measures = ["final_health", "persisting_share"]
resamples = 50
"""


def write_spec(folder: Path, text: str, name: str = "spec.toml") -> Path:
    path = Path(folder) / name
    path.write_text(text)
    return path


def assert_same_tables(left: dict[str, pd.DataFrame], right: dict[str, pd.DataFrame]) -> None:
    """Value-for-value equality of two sweeps' runs, series and schools tables."""
    assert left.keys() == right.keys()
    for name in left:
        pd.testing.assert_frame_equal(left[name], right[name], check_exact=True, obj=name)
