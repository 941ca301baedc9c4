"""Tiny experiment specs shared by the sweep, spec, sensitivity and figure tests (small networks, few ticks)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

TINY_NETWORK = """
[fixed]
n_schools = 3
teachers_per_school = 6
support_staff = 2
decay_span = 3
initiating_level = 0.15
implementing_level = 0.2
"""

LEVER_DESIGN = """
[levers]
protected_time = ["off", "level=0.9"]

[uncertainties]
initial_trust = { low = 0.1, high = 0.7 }

[design.latin_hypercube]
samples = 12
"""
"""Two policies over 12 sampled conditions: enough cases for discover's PRIM (at least 20) and for robustness."""

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


def spec_with(spec, **changes):
    """A copy of ``spec`` with top-level fields replaced (e.g. ``replications=1``), validated again.

    The text is regenerated, so the copy's digest differs from the original's.
    """
    from plc_sim.experiments.specs.spec import parse_spec

    data = {**spec.data, **changes}
    return parse_spec(to_toml(data), source=f"{spec.source} (modified)", default_name=spec.name)


def to_toml(data) -> str:
    """Write a spec dict as TOML (top-level tables as sections, everything nested inline)."""
    scalars = [f"{key} = {toml_value(value)}" for key, value in data.items() if not isinstance(value, dict)]
    sections = [f"\n[{key}]\n" + "".join(f"{k} = {toml_value(v)}\n" for k, v in value.items())
                for key, value in data.items() if isinstance(value, dict)]
    return "\n".join(scalars) + "\n" + "".join(sections)


def toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {value!r} as TOML")
