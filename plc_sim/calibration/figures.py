"""Figures of a calibration: where accepted points lie among all sampled points.

Every figure is a :class:`matplotlib.figure.Figure` (no pyplot state, no backend chosen at import).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

ALL, ACCEPTED, SUGGESTED = "0.6", "tab:blue", "tab:red"


def _grid(panels: int, title: str, size: float = 3.4) -> tuple[Figure, list]:
    columns = min(3, panels)
    rows = math.ceil(panels / columns)
    fig = Figure(figsize=(size * columns + 0.6, size * rows + 0.7), layout="constrained")
    axes = fig.subplots(rows, columns, squeeze=False).ravel()
    for ax in axes[panels:]:
        ax.set_visible(False)
    fig.suptitle(title, fontsize=11)
    return fig, list(axes[:panels])


def marginals(runs: pd.DataFrame, ranges: Mapping[str, tuple[float, float]], defaults: Mapping[str, float],
              suggested: Mapping[str, float] | None) -> Figure:
    """Per parameter: density of all sampled points and of the accepted ones, the declared default, the suggestion."""
    accepted = runs[runs["accepted"]]
    fig, axes = _grid(len(ranges), f"Marginal densities: {len(accepted)} accepted of {len(runs)} sampled points")
    for ax, (name, (low, high)) in zip(axes, ranges.items(), strict=True):
        bins = np.linspace(low, high, int(np.clip(np.sqrt(len(runs)), 5, 20)) + 1)
        ax.hist(runs[name], bins=bins, density=True, color=ALL, alpha=0.5, label="all sampled")
        if len(accepted):
            ax.hist(accepted[name], bins=bins, density=True, color=ACCEPTED, alpha=0.6, label="accepted")
        ax.axvline(defaults[name], color="black", ls="--", lw=1, label="declared default")
        if suggested is not None:
            ax.axvline(suggested[name], color=SUGGESTED, lw=1.5, label="suggested point")
        ax.set(xlabel=name, ylabel="density", xlim=(low, high))
        ax.legend(fontsize=7)
    return fig


def pairs(runs: pd.DataFrame, names: Sequence[str], suggested: Mapping[str, float] | None) -> Figure:
    """Every pair of parameters: all sampled points (grey), accepted points (blue), the suggested point (red)."""
    pairs_ = [(x, y) for i, x in enumerate(names) for y in names[i + 1:]]
    accepted = runs[runs["accepted"]]
    fig, axes = _grid(len(pairs_), "Accepted points, pair by pair (grey: rejected)")
    for ax, (x, y) in zip(axes, pairs_, strict=True):
        rejected = runs[~runs["accepted"]]
        ax.scatter(rejected[x], rejected[y], s=8, color=ALL, alpha=0.5, label="rejected")
        ax.scatter(accepted[x], accepted[y], s=14, color=ACCEPTED, label="accepted")
        if suggested is not None:
            ax.scatter([suggested[x]], [suggested[y]], s=90, marker="*", color=SUGGESTED, label="suggested")
        ax.set(xlabel=x, ylabel=y)
        ax.legend(fontsize=7)
    return fig


def patterns_passed(runs: pd.DataFrame, names: Sequence[str], patterns: int) -> Figure:
    """Per parameter: how many patterns each sampled point satisfies, against the parameter's value."""
    fig, axes = _grid(len(names), f"Patterns satisfied at each sampled point (of {patterns})")
    jitter = np.random.default_rng(0).uniform(-0.15, 0.15, len(runs))  # fixed: the figure is reproducible
    for ax, name in zip(axes, names, strict=True):
        ax.scatter(runs[name], runs["patterns_passed"] + jitter, s=8,
                   c=np.where(runs["accepted"], ACCEPTED, ALL))
        ax.set(xlabel=name, ylabel="patterns satisfied", ylim=(-0.5, patterns + 0.5))
    return fig
