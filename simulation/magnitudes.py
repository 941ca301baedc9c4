"""Typical magnitudes of the model's state at baseline, so a student can tell whether a change will show.

:func:`state_magnitudes` summarizes every numeric state array of a model (``members.*``, ``schools.*``, this
month's conversation depths) by its mean and its 10th and 90th percentiles over active members or schools.
``docs/rules.md`` shows the table for the defaults after ten school years (:func:`baseline_magnitudes`); a test
regenerates it and fails when the doc has drifted from the model.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from simulation.model import PLCModel
from simulation.parameters import TICKS_PER_YEAR

MEMBER_FIELDS = ("knowledge", "engagement", "openness", "tenure", "is_leader")
SCHOOL_FIELDS = ("memory", "shared_focus", "support", "focus", "principal_standing", "talk_depth",
                 "whole_school_depth", "participation")
BASELINE_SEED, BASELINE_YEARS = 1, 10


def state_magnitudes(model: PLCModel) -> pd.DataFrame:
    """One row per state value: where it lives, its mean and its 10th-90th percentile range."""
    m, s = model.members, model.schools
    active = model.active_mask
    trust = m.trust[:, : active.sum() // model.p.n_schools, : active.sum() // model.p.n_schools]
    off_diagonal = ~np.eye(trust.shape[1], dtype=bool)
    values = {f"members.{name}": np.asarray(getattr(m, name), dtype=float)[active] for name in MEMBER_FIELDS}
    values["members.trust"] = trust[:, off_diagonal].ravel()
    values |= {f"schools.{name}": np.asarray(getattr(s, name), dtype=float) for name in SCHOOL_FIELDS}
    values["meetings.depth"] = np.asarray(model.meetings.depth, dtype=float)
    rows = [{"state": name, "mean": v.mean(), "p10": np.percentile(v, 10), "p90": np.percentile(v, 90)}
            for name, v in values.items()]
    return pd.DataFrame(rows)


def baseline_magnitudes() -> pd.DataFrame:
    """The magnitudes of the default network after ``BASELINE_YEARS`` school years (seed ``BASELINE_SEED``)."""
    model = PLCModel(rng=BASELINE_SEED)
    for _ in range(BASELINE_YEARS * TICKS_PER_YEAR):
        model.step()
    return state_magnitudes(model)


def magnitudes_markdown(table: pd.DataFrame) -> str:
    """The table as Markdown, values to two decimals (what docs/rules.md embeds)."""
    lines = ["| state | mean | 10th percentile | 90th percentile |", "|---|---|---|---|"]
    lines += [f"| `{row.state}` | {row.mean:.2f} | {row.p10:.2f} | {row.p90:.2f} |" for row in table.itertuples()]
    return "\n".join(lines) + "\n"
