"""The app's charts: each school's health on Hord's five dimensions (a table), and the network over time.

Both read the model as it runs: ``model.observer.current`` for this month and
the per-school snapshots Mesa's DataCollector keeps (``"schools"``) for the
history, so the time series show the network mean and the range across
schools. Figures are plain matplotlib ``Figure`` objects (no pyplot), safe to
draw from Solara's worker threads.
"""

from __future__ import annotations

import html

import numpy as np
from matplotlib import colormaps
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

from plc_sim.app.model import SHOCK_BUTTONS
from simulation.measures import DIMENSION_LABELS, DIMENSIONS, school_frame
from simulation.parameters import TICKS_PER_YEAR

SERIES = {
    "health": "PLC health index",
    "trust": "trust between colleagues",
    "knowledge": "knowledge and practice quality",
    "retention": "teachers who stayed last year",
}
"""The time-series panels: measure -> title (all on a 0-1 scale)."""

_HEAT = colormaps["RdYlGn"]


def school_table_html(model) -> str:
    """An HTML table: one row per school, one cell per Hord dimension and the health index, coloured 0-1.

    HTML rather than a picture: the browser draws it instantly and it stays sharp on a projector.
    """
    p, now = model.p, model.observer.current
    columns = [*DIMENSIONS, "health"]
    head = "".join(f"<th title='{html.escape(DIMENSION_LABELS[d], quote=True)}'>{d.replace('_', ' ').capitalize()}</th>"
                   for d in DIMENSIONS) + "<th>PLC health</th>"
    rows = []
    for school in range(p.n_schools):
        decayed = now["decayed"][school] > 0
        name = f"School {school + 1}" + (" <span class='plc-decayed'>decayed</span>" if decayed else "")
        cells = "".join(_cell(now[c][school], bold=c == "health") for c in columns)
        rows.append(f"<tr><th scope='row'>{name}</th>{cells}</tr>")
    return (f"<table class='plc-schools'><thead><tr><th>School</th>{head}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>"
            f"<p class='plc-caption'>Scores from 0 (absent) to 1 (fully present). A community has "
            f"<b>decayed</b> after its PLC health stays below {p.decay_threshold:g} for {p.decay_span} months.</p>")


def _cell(value: float, bold: bool = False) -> str:
    red, green, blue, _ = _HEAT(float(value))
    text = "black" if 0.299 * red + 0.587 * green + 0.114 * blue > 0.5 else "white"
    weight = "font-weight:bold;" if bold else ""
    return (f"<td style='background:{to_hex((red, green, blue))};color:{text};{weight}'>{value:.2f}</td>")


def history(model) -> dict[str, np.ndarray]:
    """Per-tick, per-school arrays (ticks x schools) of the series measures, from the DataCollector."""
    frame = school_frame(model)  # rows ordered by tick, then school
    shape = (-1, model.p.n_schools)
    series = {name: frame[name].to_numpy().reshape(shape) for name in ("health", "trust", "knowledge")}
    series["retention"] = 1.0 - frame["teachers_left"].to_numpy().reshape(shape) / model.p.teachers_per_school
    return series


def timeseries_figure(model, marks: list[tuple[int, str]] = ()) -> Figure:
    """Four panels over school years: the network mean and the range across schools; shocks as dotted lines."""
    data = history(model)
    ticks = np.arange(len(data["health"]))
    years = ticks / TICKS_PER_YEAR
    fig = Figure(figsize=(9.0, 5.2), dpi=100, layout="constrained")
    axes = fig.subplots(2, 2, sharex=True)
    for ax, (name, title) in zip(axes.ravel(), SERIES.items(), strict=True):
        series = data[name]
        ax.fill_between(years, series.min(axis=1), series.max(axis=1), color="tab:blue", alpha=0.2, lw=0,
                        label="range across schools")
        ax.plot(years, series.mean(axis=1), color="tab:blue", lw=2, label="mean of all schools")
        if name == "health":
            ax.axhline(model.p.decay_threshold, color="red", ls="--", lw=1, label="decay threshold")
        for tick, _ in marks:
            ax.axvline(tick / TICKS_PER_YEAR, color="black", ls=":", lw=1.2)
        ax.set_title(title, fontsize=11)
        ax.set_ylim(0, 1)
        ax.set_xlim(0, max(1.0, years[-1]))
        ax.grid(alpha=0.3)
    for ax in axes[1]:
        ax.set_xlabel(f"school year ({TICKS_PER_YEAR} months each)")
    for ax in axes[:, 0]:
        ax.set_ylabel("0 = none, 1 = full")
    handles, labels = axes[0, 0].get_legend_handles_labels()
    if marks:
        handles.append(axes[0, 0].axvline(np.nan, color="black", ls=":", lw=1.2))
        labels.append("shock: " + ", ".join(dict.fromkeys(SHOCK_BUTTONS[s].lower() for _, s in marks)))
    fig.legend(handles, labels, loc="outside lower center", ncol=4, fontsize=9, frameon=False)
    return fig
