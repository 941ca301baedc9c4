"""Figure helpers for the validation report: mean curves with 95% bands, estimates with intervals, survival.

Figures are :class:`matplotlib.figure.Figure` objects, never pyplot's global figures: nothing to close, safe in
worker processes and threads, and no backend chosen at import.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure

from plc_sim.core.stats import CONFIDENCE, mean_ci
from plc_sim.validation.core import Check

BAND_NOTE = f"Lines: mean over replications; bands and error bars: {CONFIDENCE:.0%} confidence intervals."


def new_figure(panels: int, title: str, width: float = 5.2, note: str = BAND_NOTE) -> tuple[Figure, np.ndarray]:
    """A row of ``panels`` axes under a title and a smaller line saying what lines and bands show."""
    fig = Figure(figsize=(width * panels, 4.2), layout="constrained")
    axes = fig.subplots(1, panels, squeeze=False)
    fig.suptitle(f"{title}\n{note}" if note else title, fontsize=11)
    return fig, axes[0]


def mean_band(ax, x: np.ndarray, runs: np.ndarray, label: str, color=None, ls: str = "-") -> None:
    """Plot the mean of ``runs`` (replications x points) over ``x`` with a pointwise t-based 95% band."""
    runs = np.asarray(runs, dtype=float)
    mean, low, high = mean_ci(runs, CONFIDENCE, axis=0)
    line, = ax.plot(x, mean, label=label, color=color, ls=ls, lw=1.6)
    if runs.shape[0] > 1:
        ax.fill_between(x, low, high, color=line.get_color(), alpha=0.2, lw=0)


def check_panel(ax, checks: Sequence[Check], title: str, xlabel: str) -> None:
    """Each check as a point with its 95% CI, against its expected interval (shaded green)."""
    for row, check in enumerate(checks):
        y = len(checks) - 1 - row
        lo = check.expected.above if check.expected.above is not None else -np.inf
        hi = check.expected.below if check.expected.below is not None else np.inf
        ax.plot([max(lo, -1e9), min(hi, 1e9)], [y, y], color="tab:green", lw=10, alpha=0.25, solid_capstyle="butt",
                label="expected interval" if row == 0 else None)
        color = "tab:blue" if check.passed else "tab:red"
        ax.errorbar(check.effect, y, xerr=[[check.effect - check.low], [check.high - check.effect]], fmt="o",
                    color=color, capsize=4, label=f"measured, {CONFIDENCE:.0%} CI" if row == 0 else None)
    ax.set_yticks(range(len(checks)), [f"{c.name}\n({c.unit})" for c in reversed(checks)], fontsize=7)
    finite = [v for c in checks for v in (c.low, c.high, c.expected.above, c.expected.below)
              if v is not None and np.isfinite(v)]
    if finite:
        span = max(finite) - min(finite) or 1.0
        ax.set_xlim(min(finite) - 0.15 * span, max(finite) + 0.15 * span)
    ax.set_ylim(-0.7, len(checks) - 0.3)
    decorate(ax, title, xlabel, "")


def decorate(ax, title: str, xlabel: str, ylabel: str, legend: bool = True) -> None:
    """Title, axis labels (with units) and a small legend (none when nothing is labelled, e.g. no decays to plot)."""
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    ax.title.set_fontsize(9)
    if legend and ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=7)
