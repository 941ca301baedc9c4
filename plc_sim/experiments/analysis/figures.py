"""Experiment figures (PNG and SVG) and tables from a sweep's results.

Figures a spec can ask for in its ``[figures]`` table (see ``experiments/README.md``):

- ``phase_diagram``: share of communities that persist, and Kaplan-Meier median
  years to decay, over two varied parameters;
- ``survival``: Kaplan-Meier survival curves of communities with 95% bands, by
  the levels of a varied parameter;
- ``curves``: outcomes over time (replication means with 95% bands) by level;
- ``effects``: run measures against a varied parameter, with 95% error bars.

Every function returns a :class:`matplotlib.figure.Figure` built without pyplot
(no display or global backend needed; notebooks show it with ``display``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from plc_sim.core.files import Ledger, atomic_path
from plc_sim.core.stats import few_replications_warning, kaplan_meier, median_survival
from plc_sim.experiments.analysis.results import (
    DECAY_CAUSES_TABLE,
    SweepData,
    community_durations,
    decay_cause_parts,
    decay_causes_table,
    load_sweep,
    point_summary,
    replication_means,
    select,
    series_bands,
    survival_curves,
)
from plc_sim.experiments.execution.store import ResultFolder
from plc_sim.experiments.specs.spec import PERSISTENCE_MEASURES, Spec
from simulation.measures import MEASURE_LABELS
from simulation.parameters import PARAMS_BY_NAME, TICKS_PER_YEAR

RUN_MEASURE_LABELS = {
    "persisting_share": "formed communities that never decayed (share)",
    "never_formed_share": "communities that never formed (share)",
    "decayed_at_end_share": "communities decayed at the end (share)",
    "recovered_share": "formed communities that decayed and re-formed (share)",
    "eroded_share": "formed communities that fell below their own level (erosion, share)",
    "years_before_decay": "mean years from forming to decay (restricted to the run)",
}
CI_NOTE = "mean of replications with 95% CI"


def factor_label(name: str) -> str:
    """Axis label of a parameter: its name in words and its declared unit."""
    unit = PARAMS_BY_NAME[name].unit if name in PARAMS_BY_NAME else ""  # an intervention lever has none
    return name.replace("_", " ") + (f" ({unit})" if unit else "")


def _is_numeric(name: str) -> bool:
    """Whether factor ``name`` is a numeric parameter (an intervention lever's settings are text)."""
    return name in PARAMS_BY_NAME and PARAMS_BY_NAME[name].kind in (int, float)


def outcome_label(name: str) -> str:
    return MEASURE_LABELS.get(name, name.replace("_", " "))


def measure_label(name: str) -> str:
    """Label of a run measure: a persistence measure, or an outcome's mean over the final school year."""
    if name in RUN_MEASURE_LABELS:
        return RUN_MEASURE_LABELS[name]
    if name.startswith("final_"):
        return outcome_label(name.removeprefix("final_")).replace(" (", ", final year (", 1)
    return name.replace("_", " ")


def level_text(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float | np.floating) else str(value)


def level_colors(levels: Sequence[Any]) -> list:
    """Ordered colours for numeric levels (viridis), distinct colours for named ones."""
    if all(isinstance(v, int | float | np.number) and not isinstance(v, bool | np.bool_) for v in levels):
        cmap = matplotlib.colormaps["viridis"]
        return [cmap(x) for x in np.linspace(0.0, 0.9, len(levels))]
    cmap = matplotlib.colormaps["tab10"]
    return [cmap(i % 10) for i in range(len(levels))]


def save(fig: Figure, stem: Path, ledger: Ledger | None = None) -> list[Path]:
    """Write ``fig`` as ``stem.png`` and ``stem.svg`` (reproducible SVG: fixed ids, no date), each atomically.

    With ``ledger`` (the result folder's, ``stem`` inside it) the files are listed there, and a file of either name
    that plc-sim did not write, or that has changed since, is refused.
    """
    # Not with_suffix: a stem such as "curves_where_trust_0.6" has a dot of its own.
    png, svg = stem.parent / f"{stem.name}.png", stem.parent / f"{stem.name}.svg"

    def write_svg(temp: Path) -> None:
        with matplotlib.rc_context({"svg.hashsalt": "plc-sim"}):
            fig.savefig(temp, format="svg", metadata={"Date": None})

    for path, write in ((png, lambda temp: fig.savefig(temp, format="png", dpi=150)), (svg, write_svg)):
        if ledger is None:
            with atomic_path(path) as temp:
                write(temp)
        else:
            ledger.write(path.relative_to(ledger.folder).as_posix(), write)
    return [png, svg]


def _title(fig: Figure, data: SweepData, text: str, where: Mapping[str, Any] | None) -> None:
    held = ", ".join(f"{k} = {level_text(v)}" for k, v in (where or {}).items())
    sub = f"{data.spec.name}: {data.spec.replications} replications x {data.spec.ticks} ticks" + (
        f"; {held}" if held else "")
    fig.suptitle(f"{text}\n{sub}", fontsize=10)


def _averaged_over(data: SweepData, shown: Sequence[str], where: Mapping[str, Any] | None) -> str:
    rest = [f for f in data.spec.factor_names if f not in shown and f not in (where or {})]
    return f" (averaged over {', '.join(r.replace('_', ' ') for r in rest)})" if rest else ""


# --- the figures ---------------------------------------------------------------------------------------------

def phase_diagram(data: SweepData, x: str, y: str, where: Mapping[str, Any] | None = None) -> Figure:
    """Three heat maps over ``x`` and ``y``: formed communities that never decayed, communities that never formed,
    and median years from forming to decay."""
    schools = select(data.with_factors("schools"), where)
    xs, ys = sorted(schools[x].unique()), sorted(schools[y].unique())
    persisting, never_formed, median = (np.full((len(ys), len(xs)), np.nan) for _ in range(3))
    for (xv, yv), group in schools.groupby([x, y]):
        i, j = ys.index(yv), xs.index(xv)
        never_formed[i, j] = group["never_formed"].mean()
        durations, decayed = community_durations(group)
        if durations.size:
            persisting[i, j] = 1.0 - decayed.mean()
            median[i, j] = median_survival(kaplan_meier(durations, decayed)) / TICKS_PER_YEAR
    horizon = data.spec.ticks / TICKS_PER_YEAR
    fig = Figure(figsize=(17, 5.6), layout="constrained")
    axes = fig.subplots(1, 3)
    panels = ((persisting * 100, "formed communities that never decayed (%)", "viridis", (0, 100), "{:.0f}"),
              (never_formed * 100, "communities that never formed (%)", "Greys", (0, 100), "{:.0f}"),
              (median, "median years from forming to decay (Kaplan-Meier)", "magma", (0, horizon), "{:.1f}"))
    for ax, (grid, label, cmap, limits, fmt) in zip(axes, panels, strict=True):
        image = ax.imshow(grid, origin="lower", cmap=cmap, vmin=limits[0], vmax=limits[1], aspect="auto")
        colorbar = fig.colorbar(image, ax=ax)
        colorbar.set_label(label)
        ax.set_xticks(range(len(xs)), [level_text(v) for v in xs], rotation=45 if len(xs) > 8 else 0)
        ax.set_yticks(range(len(ys)), [level_text(v) for v in ys])
        ax.set(xlabel=factor_label(x), ylabel=factor_label(y))
        size = 7 if max(len(xs), len(ys)) > 8 else 9
        for i in range(len(ys)):
            for j in range(len(xs)):
                value = grid[i, j]
                if np.isnan(value) and grid is not never_formed:
                    hatch_cell(ax, i, j, ">" + f"{horizon:g}" if not np.isnan(persisting[i, j]) else "none\nformed",
                               size - 1)
                elif not np.isnan(value):
                    shade = (value - limits[0]) / (limits[1] - limits[0])
                    dark = shade > 0.55 if cmap != "Greys" else shade < 0.55
                    ax.text(j, i, fmt.format(value), ha="center", va="center", fontsize=size,
                            color="black" if dark else "white")
    axes[0].set_title("Formed communities that persist" + _averaged_over(data, (x, y), where), fontsize=9)
    axes[1].set_title("Communities that never reached the implementing stage", fontsize=9)
    axes[2].set_title(f"Median time from forming to decay; hatched: more than half persist to the end "
                      f"({horizon:g} years)", fontsize=9)
    _title(fig, data, "Where communities persist and where they decay", where)
    return fig


def hatch_cell(ax, i: int, j: int, text: str, size: int) -> None:
    """Mark heat-map cell (row ``i``, column ``j``) as having no value, with ``text`` saying why."""
    ax.add_patch(matplotlib.patches.Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, hatch="//", edgecolor="0.6",
                                              lw=0))
    ax.text(j, i, text, ha="center", va="center", fontsize=size, color="0.3")


def survival_figure(data: SweepData, by: str | None = None, where: Mapping[str, Any] | None = None,
                    levels: Sequence[Any] | None = None) -> Figure:
    """Kaplan-Meier survival of communities (no decay yet) over school years, per level of ``by``."""
    curves = survival_curves(data, by, where, levels)
    fig = Figure(figsize=(8, 5.2), layout="constrained")
    ax = fig.subplots()
    groups = list(curves.groupby(by, sort=True)) if by else ([] if curves.empty else [(None, curves)])
    for (level, km), color in zip(groups, level_colors([g[0] for g in groups]) if by else ["black"] * len(groups),
                                  strict=True):
        label = f"{level_text(level) if by else 'all'} (n={int(km['at_risk'].iloc[0])})"
        ax.step(km["year"], km["survival"], where="post", color=color, lw=1.8, label=label)
        ax.fill_between(km["year"], km["low"], km["high"], step="post", color=color, alpha=0.15, lw=0)
    ax.axhline(0.5, color="0.5", ls=":", lw=1)
    ax.set(xlabel="school year", ylabel="communities not yet decayed (share)", ylim=(0, 1.02),
           xlim=(0, data.spec.ticks / TICKS_PER_YEAR))
    if groups:
        ax.legend(title=(factor_label(by) if by else None), fontsize=8, title_fontsize=8, loc="best",
                  ncols=2 if len(groups) > 6 else 1)
    else:
        ax.text(0.5, 0.5, "no community formed: none to follow", ha="center", va="center", transform=ax.transAxes)
    ax.set_title("Kaplan-Meier survival with 95% CI (Greenwood variance, log-log); dotted line: median"
                 + _averaged_over(data, [by] if by else [], where), fontsize=9)
    _title(fig, data, "How long communities last before they decay", where)
    return fig


def curves_figure(data: SweepData, by: str, outcomes: Sequence[str] | None = None, mark_tick: int | None = None,
                  mark_label: str | None = None, where: Mapping[str, Any] | None = None,
                  levels: Sequence[Any] | None = None) -> Figure:
    """Each outcome over time by level of ``by``: replication means with 95% bands; optional marked tick."""
    outcomes = list(outcomes or data.spec.outcomes)
    columns = min(2, len(outcomes))
    rows = -(-len(outcomes) // columns)
    fig = Figure(figsize=(6.5 * columns, 4.2 * rows), layout="constrained")
    axes = np.atleast_1d(fig.subplots(rows, columns, sharex=True, squeeze=False)).ravel()
    for ax, outcome in zip(axes, outcomes, strict=False):
        bands = series_bands(data, outcome, by, where)
        if levels is not None:
            bands = bands[bands[by].isin(levels)]
        shown = sorted(bands[by].unique())
        for level, color in zip(shown, level_colors(shown), strict=True):
            one = bands[bands[by] == level]
            ax.plot(one["year"], one["mean"], color=color, lw=1.6, label=level_text(level))
            ax.fill_between(one["year"], one["low"], one["high"], color=color, alpha=0.18, lw=0)
        if mark_tick is not None:
            ax.axvline(mark_tick / TICKS_PER_YEAR, color="red", ls="--", lw=1,
                       label=mark_label or f"tick {mark_tick}")
        ax.set(xlabel="school year", ylabel=outcome_label(outcome))
        ax.set_title(outcome_label(outcome).split(" (")[0] + f": {CI_NOTE}", fontsize=9)
        ax.legend(title=factor_label(by), fontsize=7, title_fontsize=7, ncols=2 if len(shown) > 6 else 1)
    for ax in axes[len(outcomes):]:
        ax.set_visible(False)
    _title(fig, data, "Outcomes over time" + _averaged_over(data, [by], where), where)
    return fig


def effects_figure(data: SweepData, x: str, measures: Sequence[str] | None = None, by: str | None = None,
                   where: Mapping[str, Any] | None = None, levels: Sequence[Any] | None = None) -> Figure:
    """Run measures against ``x`` (lines per level of ``by``), replication means with 95% error bars."""
    measures = list(measures or (f"final_{data.spec.outcomes[0]}", "persisting_share"))
    table = replication_means(data, measures, [x, by] if by else [x], where)
    if by and levels is not None:
        table = table[table[by].isin(levels)]
    xs = sorted(table[x].unique())
    numeric = _is_numeric(x)
    position = {v: (float(v) if numeric else i) for i, v in enumerate(xs)}
    fig = Figure(figsize=(5.5 * len(measures), 4.4), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(measures), squeeze=False)).ravel()
    groups = list(table.groupby(by, sort=True)) if by else [(None, table)]
    colors = level_colors([g[0] for g in groups]) if by else ["black"]
    # Dodge the groups sideways a little so their error bars do not hide each other.
    width = 0.12 if not numeric else 0.012 * (float(max(xs)) - float(min(xs)) or 1.0)
    offsets = np.linspace(-width, width, len(groups)) if len(groups) > 1 else np.zeros(1)
    for ax, name in zip(axes, measures, strict=True):
        for (level, group), color, offset in zip(groups, colors, offsets, strict=True):
            px = np.array([position[v] for v in group[x]]) + offset
            err = np.vstack([group[name] - group[f"{name}_low"], group[f"{name}_high"] - group[name]])
            ax.errorbar(px, group[name], yerr=np.nan_to_num(err), color=color, marker="o", ms=4, capsize=3,
                        lw=1.4, ls="-" if numeric else "none", label=level_text(level) if by else None)
        if not numeric:
            ax.set_xticks(range(len(xs)), [level_text(v) for v in xs])
        ax.set(xlabel=factor_label(x), ylabel=measure_label(name))
        ax.set_title(f"{measure_label(name).split(' (')[0]}: {CI_NOTE}", fontsize=9)
        if by:
            ax.legend(title=factor_label(by), fontsize=7, title_fontsize=7)
    _title(fig, data, f"Effect of {x.replace('_', ' ')}" + _averaged_over(data, [x, by] if by else [x], where),
           where)
    return fig


def ranked_bars(table: pd.DataFrame, value: str, error: str, title: str, xlabel: str,
                second: tuple[str, str, str] | None = None) -> Figure:
    """Horizontal bars of ``value`` per parameter, ranked, with ``error`` half-widths; one panel per measure.

    ``second`` = (value, error, label) adds a second bar per parameter (e.g. Sobol S1 beside ST).
    """
    measures = list(dict.fromkeys(table["measure"]))
    fig = Figure(figsize=(5.2 * len(measures), 0.45 * table["parameter"].nunique() + 1.8), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(measures), squeeze=False)).ravel()
    for ax, measure in zip(axes, measures, strict=True):
        rows = table[table["measure"] == measure].sort_values(value, ascending=True, na_position="first")
        y = np.arange(len(rows))
        height = 0.38 if second else 0.7
        half = rows[error].fillna(0).to_numpy()
        # mu* and ST cannot be negative: clip the lower whisker of their (symmetric bootstrap) interval at zero.
        lower = np.minimum(half, np.maximum(rows[value].fillna(0).to_numpy(), 0))
        ax.barh(y + (height / 2 if second else 0), rows[value], xerr=[lower, half], height=height,
                color="tab:blue", capsize=3, label=value)
        if second:
            other, other_error, other_label = second
            ax.barh(y - height / 2, rows[other], xerr=rows[other_error].fillna(0), height=height,
                    color="tab:orange", capsize=3, label=other_label)
            ax.legend(fontsize=7, loc="lower right")
        ax.set_yticks(y, [p.replace("_", " ") for p in rows["parameter"]], fontsize=8)
        ax.axvline(0, color="0.4", lw=0.8)
        ax.set(xlabel=xlabel)
        ax.set_title(measure_label(measure), fontsize=9)
    fig.suptitle(title, fontsize=10)
    return fig


FIGURE_FUNCTIONS = {"phase_diagram": phase_diagram, "survival": survival_figure, "curves": curves_figure,
                    "effects": effects_figure}


# --- all outputs of one experiment ---------------------------------------------------------------------------

def default_figures(spec: Spec) -> list[tuple[str, dict[str, Any]]]:
    """Figures for a spec without a ``[figures]`` table: grid factors drive phase diagram, survival, curves."""
    grid = [f.name for f in spec.factors if f.values]
    if not grid:
        return [("survival", {})]
    numeric = [f for f in grid if _is_numeric(f)]
    figures: list[tuple[str, dict[str, Any]]] = []
    if len(numeric) >= 2:
        figures.append(("phase_diagram", {"x": numeric[0], "y": numeric[1]}))
    figures += [("survival", {"by": grid[0]}), ("curves", {"by": grid[0]}),
                ("effects", {"x": grid[0], **({"by": grid[1]} if len(grid) > 1 else {})})]
    return figures


def figure_stem(kind: str, options: Mapping[str, Any]) -> str:
    parts = {"phase_diagram": lambda o: f"phase_diagram_{o['x']}_x_{o['y']}",
             "survival": lambda o: f"survival_by_{o['by']}" if o.get("by") else "survival",
             "curves": lambda o: f"curves_by_{o['by']}",
             "effects": lambda o: f"effects_of_{o['x']}"}[kind](options)
    where = options.get("where") or {}
    return parts + "".join(f"_at_{k}_{level_text(v)}" for k, v in where.items())


@dataclass
class Outputs:
    """Files written for one experiment."""

    folder: Path
    figures: list[Path] = field(default_factory=list)
    tables: list[Path] = field(default_factory=list)
    headline: str = ""

    def lines(self) -> list[str]:
        pngs = [p.name for p in self.figures if p.suffix == ".png"]
        return [self.headline,
                f"figures: {self.folder / 'figures'}/ ({', '.join(pngs)}; each also as .svg)",
                f"tables: {self.folder / 'tables'}/ ({', '.join(p.name for p in self.tables)})"]


def experiment_outputs(folder: str | Path, data: SweepData | None = None) -> Outputs:
    """Write every figure of the experiment in ``folder`` (its spec's ``[figures]`` or defaults) and its tables."""
    data = data or load_sweep(folder)
    folder = Path(folder)
    outputs = Outputs(folder)
    if data.runs.empty:
        outputs.headline = "no runs stored yet: nothing to draw"
        return outputs
    stems: dict[str, int] = {}
    drawn = []
    for kind, options in (list(data.spec.figures) or default_figures(data.spec)):
        stem = figure_stem(kind, options)
        stems[stem] = stems.get(stem, 0) + 1
        drawn.append((kind, options, stem if stems[stem] == 1 else f"{stem}_{stems[stem]}"))
    grid = [name for name, factor in zip(data.spec.factor_names, data.spec.factors, strict=True) if factor.values]
    summary = point_summary(data)
    causes = decay_causes_table(decay_cause_parts(data.runs))
    tables = {"tables/points.csv": lambda: summary,
              **{f"tables/by_{name}.csv": lambda name=name: replication_means(data, data.spec.run_measures, [name])
                 for name in grid},
              **({DECAY_CAUSES_TABLE: lambda: causes} if not causes.empty else {})}
    ledger = ResultFolder(folder).ledger()
    ledger.check_free([f"figures/{stem}.{ext}" for *_, stem in drawn for ext in ("png", "svg")] + list(tables))
    for kind, options, stem in drawn:
        outputs.figures += save(FIGURE_FUNCTIONS[kind](data, **options), folder / "figures" / stem, ledger)
    for name, table in tables.items():
        frame = table()
        ledger.write(name, lambda temp, frame=frame: frame.to_csv(temp, index=False, float_format="%.6g"))
        outputs.tables.append(folder / name)
    overall = replication_means(data, ["persisting_share", "never_formed_share"]).iloc[0]
    spread = summary["persisting_share"]
    outputs.headline = (f"formed communities that never decayed in {data.spec.ticks / TICKS_PER_YEAR:g} years: "
                        f"{_share_ci(overall, 'persisting_share')}; by design point from {spread.min():.1%} "
                        f"to {spread.max():.1%}; communities that never formed: "
                        f"{_share_ci(overall, 'never_formed_share')}" + decay_causes_text(data.runs)
                        + few_replications_warning(data.spec.replications))
    assert set(PERSISTENCE_MEASURES) <= set(data.spec.run_measures)
    return outputs


def _share_ci(row: pd.Series, name: str) -> str:
    return f"{row[name]:.1%} (95% CI {row[f'{name}_low']:.1%} to {row[f'{name}_high']:.1%})"


def decay_causes_text(runs: pd.DataFrame) -> str:
    """'; what preceded the 13 decays: outside initiative 51%, ...' over every decay of ``runs`` (empty if none)."""
    table = decay_causes_table(decay_cause_parts(runs))
    if table.empty:
        return ""
    count = int(round(table["decays"].sum()))
    return (f"; what preceded the {count} decay{'s' if count != 1 else ''}: "
            + ", ".join(f"{row.cause} {row.share:.0%}" for row in table.itertuples() if row.share >= 0.005))
