"""The debrief: every school's health over the session with its decisions marked, and which choices went with
communities that lasted.

A community *lasted* if the model never judged it decayed during the session (the ``decayed`` measure of
:mod:`simulation.measures`).
"""

from __future__ import annotations

import base64
import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.ticker import MaxNLocator, PercentFormatter  # noqa: E402

from simulation.parameters import TICKS_PER_YEAR  # noqa: E402

DPI = 96
FONT = 12
"""The figure's resolution and text size in points: 12 pt at 96 dots an inch is 16 px on the page at its natural
width."""

CHOICES = {"meeting_time": "protected time", "distribution": "leadership distribution", "induction": "induction",
           "partnered": "years with a partner school", "named": "years naming teacher leaders"}


def lasted(schools: pd.DataFrame) -> pd.Series:
    """Per school: True if its community was never judged decayed."""
    return schools.groupby("school")["decayed"].max() == 0


def choices_table(decisions: pd.DataFrame, schools: pd.DataFrame) -> pd.DataFrame:
    """Mean of each choice over the years, for communities that lasted and for those that decayed, in whole
    percent (as the teams' forms show their choices)."""
    if decisions.empty:
        return pd.DataFrame(columns=["community", "schools", *CHOICES.values()])
    per_school = decisions.assign(partnered=decisions.partner >= 0, named=decisions.leaders.map(len) > 0) \
        .groupby("school")[list(CHOICES)].mean()
    outcome = lasted(schools).reindex(per_school.index).map({True: "lasted", False: "decayed"})
    table = (100 * per_school.groupby(outcome).mean()).round().astype(int).rename(columns=CHOICES)
    table.insert(0, "schools", outcome.value_counts())
    return table.reset_index(names="community")


def choices_html(table: pd.DataFrame) -> str:
    """:func:`choices_table` as the debrief shows it: each choice's mean with a percent sign."""
    shown = table.copy()
    for column in CHOICES.values():
        shown[column] = shown[column].map("{}%".format)
    return shown.to_html(index=False)


def health_figure(schools: pd.DataFrame, decisions: pd.DataFrame, year: int | None = None,
                  healthy: float | None = None) -> str:
    """Every school's health over time (one small panel each), participants' decisions marked; a PNG data URI.

    A filled marker is a year a team decided; a hollow one, a year on autopilot. ``year`` draws a line at the
    start of that year (the replay's position); ``healthy``, a dashed red line where a community forms.
    """
    ids = sorted(schools.school.unique())
    cols = min(5, len(ids))
    rows = -(-len(ids) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(2.4 * cols, 1.6 * rows + 0.6), sharex=True, sharey=True,
                             squeeze=False)
    for ax, school in zip(axes.flat, ids, strict=False):
        mine = schools[schools.school == school]
        ax.plot(mine.tick / TICKS_PER_YEAR, mine.health, color="#c62828" if mine.decayed.max() else "#1565c0", lw=1.4)
        marks = decisions[decisions.school == school]
        at = mine.set_index("tick").health
        for source, face in (("participant", "black"), ("autopilot", "none")):
            chosen = marks[marks.source == source]
            ax.scatter(chosen.tick / TICKS_PER_YEAR, at.reindex(chosen.tick).values, s=14, facecolors=face,
                       edgecolors="black", linewidths=0.8, zorder=3)
        if year is not None:
            ax.axvline(year - 1, color="#888", lw=0.8)
        if healthy is not None:
            ax.axhline(healthy, color="#c62828", ls="--", lw=1)
        ax.set_title(f"School {school + 1}", fontsize=FONT)
        ax.set_ylim(0, 1)
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        ax.set_yticks([0, 0.5, 1])
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.tick_params(labelsize=FONT)
    for ax in list(axes.flat)[len(ids):]:
        ax.set_visible(False)
    fig.supxlabel("school years run", fontsize=FONT)
    fig.supylabel("PLC health", fontsize=FONT)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
