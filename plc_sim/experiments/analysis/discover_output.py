"""Scenario discovery on a finished sweep: the cases, the figures and the summary in words.

``plc-sim discover results/NAME --outcome persists`` takes each community (a school in a run) as a case,
its run's factors and levers as the conditions, and "never decayed" as the outcome (``decays``: the
opposite); any run measure works too with ``--threshold`` (``--below`` for "at most"). The results go to
``results/NAME/discover-OUTCOME/``: ``summary.md`` (the box in words, its limits with quasi-p-values, the
peeling trajectory and CART's leaves), ``peeling.html`` (the trajectory to choose another box from, offline;
see ``discover_page``), ``trajectory.csv``, ``limits.csv``, ``cart.csv``, ``peeling.png`` and ``box_limits.png``.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from plc_sim.core.errors import InputError
from plc_sim.core.files import staged_folder, write_json_atomic
from plc_sim.core.markdown import markdown_table
from plc_sim.core.provenance import provenance
from plc_sim.experiments.analysis.discover import Discovery, discover, limits_table
from plc_sim.experiments.analysis.discover_page import peeling_page
from plc_sim.experiments.analysis.results import condition_names
from plc_sim.experiments.specs.spec import POLICY_KEYS
from simulation.parameters import suggest

PERSISTS, DECAYS = "persists", "decays"
"""The outcomes 'this community never decayed during the run' and its opposite, one case per school per run."""


@dataclass(frozen=True)
class Cases:
    """What PRIM is given: conditions ``x``, outcome ``y``, and how to say the outcome in words."""

    x: pd.DataFrame
    y: np.ndarray
    what: str  # e.g. "communities persist"
    unit: str  # e.g. "communities"
    label: str  # folder-safe name of the outcome


def cases(data, outcome: str, threshold: float | None = None, below: bool = False) -> Cases:
    """The cases of sweep ``data`` (:class:`~plc_sim.experiments.analysis.results.SweepData`) for ``outcome``."""
    conditions = condition_names(data)
    if not conditions:
        raise InputError(f"{data.folder}: the sweep varies nothing; scenario discovery needs factors or levers")
    if outcome in (PERSISTS, DECAYS):  # formed communities only: one that never formed neither persists nor decays
        formed = data.schools[data.schools["first_formed_tick"] >= 0]
        table = formed[["run_id", "decayed_ever"]].merge(data.runs[["run_id", *conditions]], on="run_id")
        decayed = table["decayed_ever"].to_numpy(bool)
        if outcome == DECAYS:
            return Cases(table[conditions], decayed, "formed communities decay", "communities", DECAYS)
        return Cases(table[conditions], ~decayed, "formed communities persist", "communities", PERSISTS)
    measures = [c for c in data.runs.columns if c not in ("run_id", "point", "replication", "seed", "design",
                                                          *POLICY_KEYS, *conditions)]
    if outcome not in measures:
        raise InputError(f"--outcome: {outcome!r} is not a run measure of this sweep"
                         f"{suggest(outcome, [PERSISTS, DECAYS, *measures])}; choose {PERSISTS}, {DECAYS} or one of "
                         f"{', '.join(measures)}")
    if threshold is None:
        raise InputError(f"--threshold: {outcome} is a number; give the level that counts (e.g. --threshold 0.5)")
    values = data.runs[outcome].to_numpy(float)
    sign = "<=" if below else ">="
    y = values <= threshold if below else values >= threshold
    return Cases(data.runs[conditions], y, f"{outcome} {sign} {threshold:g}", "runs",
                 f"{outcome}-{'below' if below else 'above'}-{threshold:g}")


def write_discovery(found: Discovery, case_set: Cases, out: Path, source: str,
                    command: str = "plc-sim discover") -> Path:
    """Write the summary, tables, figures and box-choosing page of ``found`` into ``out`` atomically (``command``
    reproduces the discovery without ``--box``)."""
    with staged_folder(out, "discover", overwrite=True) as staging:
        (staging / "peeling.html").write_text(peeling_page(found, case_set.what, command), encoding="utf-8")
        found.trajectory.to_csv(staging / "trajectory.csv", index=False, float_format="%.6g")
        limits_table(found).to_csv(staging / "limits.csv", index=False, float_format="%.6g")
        found.cart_leaves.to_csv(staging / "cart.csv", index=False, float_format="%.6g")
        peeling_figure(found, staging / "peeling.png")
        box_limits_figure(found, case_set.x, staging / "box_limits.png")
        (staging / "summary.md").write_text(summary_markdown(found, case_set, source), encoding="utf-8")
        write_json_atomic(staging / "provenance.json", provenance(
            command="discover", sweep=source, outcome=case_set.label, cases=found.cases,
            chosen_box=found.chosen if found.found_box else None,
            summary=found.summary(case_set.what, case_set.unit)))
    return out


def summary_markdown(found: Discovery, case_set: Cases, source: str) -> str:
    """The discovery in words, then its tables."""
    limits = limits_table(found)[["in_words", "qp_low", "qp_high"]]
    lines = [f"# Scenario discovery: {case_set.what}", "", f"Sweep: `{source}`; {found.cases:,} {case_set.unit}, "
             f"{found.of_interest:,} of interest ({found.of_interest / found.cases:.0%}).", "",
             found.summary(case_set.what, case_set.unit), "",
             *(_chosen_box_section(found, limits, case_set) if found.found_box else
               ["## No box", "", f"The densest box with enough coverage (box {found.origin} of the peeling "
                f"trajectory) keeps no limit with a quasi-p-value at most {found.alpha:g}: it is the whole space, so "
                "no box is chosen. The trajectory and CART's leaves are below.", ""]),
             "## Peeling trajectory", "",
             "Each row is a box; pick another with `--box ID` (open `peeling.html` to choose one on the chart).", "",
             markdown_table(found.trajectory[["id", "coverage", "density", "mass", "res_dim"]],
                             ["box", "coverage", "density", "mass", "restricted"]), "",
             "## CART leaves (densest first)", "",
             markdown_table(found.cart_leaves[["rule", "density", "coverage", "mass"]],
                             ["leaf", "density", "coverage", "mass"]), ""]
    return "\n".join(lines)


def _chosen_box_section(found: Discovery, limits: pd.DataFrame, case_set: Cases) -> list[str]:
    return [f"## The chosen box (box {found.chosen} of the peeling trajectory)", "",
            "A quasi-p-value below 0.05 says that the limit is unlikely to tighten the box by chance (Bryant & "
            "Lempert 2010); NaN means that side is not restricted."
            + (" The communities of one run share its conditions and its random stream, so they are not "
               "independent cases: read the quasi-p-values as optimistic." if case_set.unit == "communities" else ""),
            "",
            markdown_table(limits, ["restriction", "quasi-p (low)", "quasi-p (high)"]), ""]


def peeling_figure(found: Discovery, path: Path) -> None:
    """Coverage against density of every box on the peeling trajectory, the chosen box marked."""
    t = found.trajectory
    fig = Figure(figsize=(6.4, 4.8))
    ax = fig.subplots()
    points = ax.scatter(t.coverage, t.density, c=t.res_dim, cmap="viridis", s=22)
    fig.colorbar(points, ax=ax, label="restricted factors")
    if found.found_box:
        box = found.box
        ax.scatter([box.coverage], [box.density], s=160, facecolors="none", edgecolors="crimson", linewidths=2)
        ax.annotate(f"box {found.chosen}", (box.coverage, box.density), xytext=(8, -14), textcoords="offset points",
                    color="crimson")
    ax.set(xlabel="coverage (share of all cases of interest inside the box)",
           ylabel="density (share of the box's cases of interest)", title="PRIM peeling trajectory",
           xlim=(0, 1.02), ylim=(0, 1.02))
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def box_limits_figure(found: Discovery, x: pd.DataFrame, path: Path) -> None:
    """Each restricted factor's range (grey) and the box's part of it (coloured), with its quasi-p-values."""
    restrictions = found.restrictions
    fig = Figure(figsize=(6.4, 1.2 + 0.6 * max(1, len(restrictions))))
    ax = fig.subplots()
    for row, r in enumerate(restrictions):
        ax.barh(row, 1.0, color="#dddddd")
        if r.values:
            categories = sorted(map(str, x[r.name].unique()))
            for value in r.values:
                ax.barh(row, 1 / len(categories), left=categories.index(value) / len(categories), color="#3b75af")
            continue
        low_data, high_data = float(x[r.name].min()), float(x[r.name].max())
        span = (high_data - low_data) or 1.0
        low = (r.low if r.low is not None else low_data) - low_data
        high = (r.high if r.high is not None else high_data) - low_data
        ax.barh(row, (high - low) / span, left=low / span, color="#3b75af")
        ax.text(1.02, row, f"qp {np.nanmin([r.qp_low, r.qp_high]):.1e}", va="center", fontsize=8)
    ax.set_yticks(range(max(1, len(restrictions))), [r.words() for r in restrictions] or ["no restriction"])
    ax.set(xlim=(0, 1.25), xlabel="share of each factor's range in the sweep",
           title=f"Box {found.chosen}: coverage {found.box.coverage:.0%}, density {found.box.density:.0%}"
           if found.found_box else "PRIM found no box")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def run_discovery(data, outcome: str, threshold: float | None, below: bool, box: int | None,
                  min_coverage: float, out: Path | None = None) -> tuple[Discovery, Cases, Path]:
    """Find the box for ``outcome`` in sweep ``data`` and write it (default: ``FOLDER/discover-LABEL``)."""
    case_set = cases(data, outcome, threshold, below)
    found = discover(case_set.x, case_set.y, min_coverage=min_coverage, box=box)
    command = f"plc-sim discover {shlex.quote(str(data.folder))} --outcome {shlex.quote(outcome)}"
    command += (f" --threshold {threshold:g}" if threshold is not None else "") + (" --below" if below else "")
    command += f" --out {shlex.quote(str(out))}" if out is not None else ""
    folder = write_discovery(found, case_set, Path(out or Path(data.folder) / f"discover-{case_set.label}"),
                             str(data.folder), command)
    return found, case_set, folder
