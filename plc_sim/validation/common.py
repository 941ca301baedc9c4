"""What the validation patterns share: tick arithmetic, expectations by name, checks, and recovery read-outs."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from plc_sim.validation.core import Check, Expected
from plc_sim.validation.figures import decorate
from plc_sim.validation.stats import recovery_spells
from simulation import PLCModel
from simulation.measures import SCHOOL_MEASURES, school_tables
from simulation.parameters import TICKS_PER_YEAR

YEAR = TICKS_PER_YEAR
"""Ticks in a school year, for readable tick arithmetic."""
_HEALTH, _DECAYED = SCHOOL_MEASURES.index("health"), SCHOOL_MEASURES.index("decayed")


def expectations(defaults: dict[str, Expected], expect: Mapping[str, Expected] | None) -> dict[str, Expected]:
    unknown = set(expect or {}) - set(defaults)
    if unknown:
        raise ValueError(f"expect: {', '.join(sorted(unknown))} not a check of this pattern; "
                         f"checks are {', '.join(defaults)}")
    return {**defaults, **(expect or {})}


def check(name: str, estimate: tuple[float, float, float], unit: str, expected: Expected) -> Check:
    return Check(name, *(float(v) for v in estimate), unit=unit, expected=expected)


RECOVERY_DEFINITION = (
    "Recovery is read from the mean health of the affected schools of each replication, as a one-year trailing "
    "mean: they *recover* when, after the shock's worst point (the lowest value in the first three years), their "
    "health is back at its mean of the year before the shock. Years are counted from the shock and capped at the "
    "horizon (never = the horizon, a restricted mean). Group means are used because one school's yearly health "
    "is noisy enough to cross its old level by chance while it is still sliding.")


def yearly_means(model: PLCModel, measure: str) -> np.ndarray:
    """(years, schools): each school's mean of ``measure`` over each school year (ticks 1-10, 11-20, ...)."""
    tables = school_tables(model)[1:, SCHOOL_MEASURES.index(measure), :]
    return tables[: tables.shape[0] // YEAR * YEAR].reshape(-1, YEAR, tables.shape[1]).mean(axis=1)


def summarize_schools(model: PLCModel) -> dict:
    """Every school's health and decayed flag at every tick (small arrays: ticks x schools)."""
    tables = school_tables(model)
    return {"health": tables[:, _HEALTH, :].astype(np.float32), "decayed": tables[:, _DECAYED, :] > 0}


def spell_context(runs: Mapping[str, list], labels, suffix: str, shock_tick: int) -> dict[str, float]:
    """How many communities were decayed after the shock, and the share of those the model declared recovered."""
    context = {}
    for label in labels:
        spells = [recovery_spells(r["decayed"], shock_tick) for r in runs[f"{label}{suffix}"]]
        recovered = np.concatenate([spell[1] for spell in spells])
        context[f"{label}: communities decayed after the shock"] = float(recovered.size)
        context[f"{label}: share of those the model declared recovered"] = (
            float(recovered.mean()) if recovered.size else np.nan)
    return context


def regain_panel(ax, regain: Mapping[str, np.ndarray], colors: Mapping[str, str], horizon: int, xlabel: str,
                 title: str = "Back at the pre-shock health level (after the trough)",
                 dashed: Mapping[str, np.ndarray] | None = None, dashed_label: str = "") -> None:
    """Share of replications that have recovered (``regain``: years each took), by years since the shock, per arm;
    ``dashed`` adds a second reading of the same arms (e.g. full return beside half the loss regained)."""
    grid = np.linspace(0, horizon, 8 * horizon + 1)

    def curve(years: np.ndarray) -> list[float]:
        return [float(((years < horizon) & (years <= t)).mean()) for t in grid]

    for label, years in regain.items():
        ax.step(grid, curve(years), where="post", color=colors[label], label=f"{label} ({years.size} replications)")
        if dashed is not None:
            ax.step(grid, curve(dashed[label]), where="post", color=colors[label], ls="--",
                    label=f"{label}, {dashed_label}")
    ax.set_ylim(0, 1.02)
    decorate(ax, title, xlabel, "share of replications")
