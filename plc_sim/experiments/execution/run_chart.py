"""Figures for single runs (a matplotlib ``Figure`` built without pyplot: no display or global backend)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from simulation.measures import DIMENSION_LABELS, DIMENSIONS
from simulation.parameters import TICKS_PER_YEAR, Params


def run_chart(network: pd.DataFrame, schools: pd.DataFrame, params: Params, path: Path, title: str) -> Figure:
    """Four panels: health and Hord's dimensions, state means, each school's health, and retention; saved to
    ``path`` and returned."""
    years = network["tick"] / TICKS_PER_YEAR
    fig = Figure(figsize=(12, 8), layout="constrained")
    axes = fig.subplots(2, 2, sharex=True)
    ax = axes[0, 0]
    ax.plot(years, network["health"], color="black", lw=2.5, label="PLC health index")
    for name in DIMENSIONS:
        ax.plot(years, network[name], lw=1.2, label=DIMENSION_LABELS[name])
    ax.set(title="Network mean PLC health and Hord's dimensions", ylabel="score (0-1)", ylim=(0, 1))
    ax.legend(fontsize=7, loc="upper right")
    ax = axes[0, 1]
    for name, label in (("knowledge", "knowledge / practice"), ("trust", "relational trust"),
                        ("engagement", "engagement"), ("memory", "organizational memory"),
                        ("openness", "openness of practice")):
        ax.plot(years, network[name], label=label)
    ax.set(title="Teachers and schools (network means)", ylabel="level (0-1)", ylim=(0, 1))
    ax.legend(fontsize=7)
    ax = axes[1, 0]
    for _, one in schools.groupby("school"):
        ax.plot(one["tick"] / TICKS_PER_YEAR, one["health"], lw=0.7, alpha=0.5)
    ax.axhline(params.implementing_level, color="tab:green", ls="--", lw=1,
               label=f"implementing stage from {params.implementing_level:.0%}: formed")
    ax.axhline(params.initiating_level, color="red", ls="--", lw=1,
               label=f"below initiating ({params.initiating_level:.0%}) a year: decayed")
    ax.set(title="PLC health of each school", xlabel="school year", ylabel="health (0-1)", ylim=(0, 1))
    ax.legend(fontsize=7)
    ax = axes[1, 1]
    year_ends = network[(network.tick % TICKS_PER_YEAR == 0) & (network.tick > 0)]
    ax.bar(year_ends["tick"] / TICKS_PER_YEAR, 100 * (1 - year_ends["retention"]), width=0.8,
           color="tab:orange", label="teachers who left (%)")
    ax.plot(years, 100 * network["decayed_share"], color="tab:red", label="schools decayed (%)")
    ax.set(title="Turnover and decay", xlabel="school year", ylabel="percent", ylim=(0, 100))
    ax.legend(fontsize=7)
    fig.suptitle(title)
    fig.savefig(path, dpi=120)
    return fig
