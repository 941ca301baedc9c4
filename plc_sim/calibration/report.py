"""The calibration report, generated from the stored points only: ``report.md``, figures and tables.

Pattern-oriented calibration by filtering (Grimm et al. 2005; Hartig et al. 2011, rejection): a sampled point is
*accepted* when every chosen pattern holds there at once (each check's whole 95% interval inside its expected
interval). The report gives the accepted share with its interval, which patterns constrain most, marginal
densities of accepted vs all points, pairwise plots and correlations of the accepted points, and a suggested
default point: the accepted point closest to the accepted points' medians (in units of each sampled range),
with the checks measured there as its evidence.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from plc_sim.calibration import figures
from plc_sim.calibration.spec import ACCEPTANCE, CalibrationSpec
from plc_sim.core.files import json_text
from plc_sim.core.provenance import provenance
from plc_sim.core.stats import CONFIDENCE
from plc_sim.experiments.execution.store import ResultFolder
from simulation.parameters import PARAMS_BY_NAME


def read_points(folder: ResultFolder) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every stored point (``runs``) and check (``checks``) of ``folder``, sorted by point."""
    batches = folder.good_batches()
    runs = pd.concat([pd.read_parquet(b / "runs.parquet") for b in batches], ignore_index=True)
    checks = pd.concat([pd.read_parquet(b / "checks.parquet") for b in batches], ignore_index=True)
    return runs.sort_values("run_id", ignore_index=True), checks.sort_values(["run_id", "number"], kind="stable",
                                                                             ignore_index=True)


def share_ci(successes: int, trials: int) -> tuple[float, float, float]:
    """A share with its Wilson score interval (``scipy.stats.binomtest``)."""
    interval = stats.binomtest(int(successes), int(trials)).proportion_ci(CONFIDENCE, method="wilson")
    return successes / trials, float(interval.low), float(interval.high)


def suggested_point(runs: pd.DataFrame, spec: CalibrationSpec) -> pd.Series | None:
    """The accepted point closest to the accepted medians, each parameter scaled by its sampled range."""
    accepted = runs[runs["accepted"]]
    if accepted.empty:
        return None
    names = list(spec.factor_names)
    span = np.array([u.high - u.low for u in spec.uncertain], dtype=float)
    scaled = accepted[names].to_numpy(float) / span
    distance = np.linalg.norm(scaled - np.median(scaled, axis=0), axis=1)
    return accepted.iloc[int(np.argmin(distance))]


def nearest_miss(runs: pd.DataFrame) -> pd.Series:
    """The point that satisfies the most patterns, then the most checks (the lowest point number on a tie)."""
    return runs.sort_values(["patterns_passed", "checks_passed", "run_id"], ascending=[False, False, True]).iloc[0]


@dataclass
class Findings:
    """What the report says, computed once from the stored points."""

    runs: pd.DataFrame
    checks: pd.DataFrame
    share: tuple[float, float, float]
    suggested: pd.Series | None
    best: pd.Series

    @property
    def accepted(self) -> pd.DataFrame:
        return self.runs[self.runs["accepted"]]


def findings(runs: pd.DataFrame, checks: pd.DataFrame, spec: CalibrationSpec) -> Findings:
    share = share_ci(int(runs["accepted"].sum()), len(runs))
    return Findings(runs, checks, share, suggested_point(runs, spec), nearest_miss(runs))


# --- Markdown -------------------------------------------------------------------------------------------------

def _fmt(value) -> str:
    return f"{value:.4g}" if isinstance(value, float | np.floating) else str(value)


def _table(header: list[str], rows: list[list]) -> list[str]:
    return ["| " + " | ".join(header) + " |", "|---" * len(header) + "|",
            *["| " + " | ".join(_fmt(v) for v in row) + " |" for row in rows]]


def _pattern_rows(f: Findings, spec: CalibrationSpec) -> list[list]:
    rows = []
    for p in spec.patterns:
        share, low, high = share_ci(int(f.runs[f"pass_{p.key}"].sum()), len(f.runs))
        rows.append([p.number, p.key, f"{share:.0%} [{low:.0%}, {high:.0%}]"])
    return rows


def _demand_rows(f: Findings, spec: CalibrationSpec) -> list[list]:
    """Per parameter, its rank correlation with each pattern holding (blank where a pattern always or never holds)."""
    rows = []
    for u in spec.uncertain:
        row = [f"`{u.name}`"]
        for p in spec.patterns:
            held = f.runs[f"pass_{p.key}"].astype(float)
            row.append(f"{f.runs[u.name].corr(held, method='spearman'):+.2f}" if 0 < held.mean() < 1 else "")
        rows.append(row)
    return rows


def _point_rows(f: Findings, spec: CalibrationSpec, point: pd.Series) -> list[list]:
    rows = []
    for u in spec.uncertain:
        accepted = f.accepted[u.name]
        seen = (f"{accepted.min():.4g} to {accepted.max():.4g} (median {accepted.median():.4g})"
                if len(accepted) else "none")
        rows.append([f"`{u.name}`", point[u.name], PARAMS_BY_NAME[u.name].default, f"{u.low:g} to {u.high:g}", seen])
    return rows


def _evidence(f: Findings, point: pd.Series) -> list[str]:
    rows = f.checks[f.checks["run_id"] == point["run_id"]]
    return _table(["pattern", "check", "measured (95% CI)", "expected", "interval inside", "estimate inside"],
                  [[r.pattern, r.check, f"{r.effect:.3g} [{r.ci_low:.3g}, {r.ci_high:.3g}]", r.expected,
                    "yes" if r.passed else "**no**", "yes" if r.estimate_inside else "**no**"]
                   for r in rows.itertuples()])


def report_markdown(f: Findings, spec: CalibrationSpec, record: dict) -> str:
    """The report: accepted share, constraining patterns, figures, correlations, suggested point and evidence."""
    share, low, high = f.share
    git = record.get("git", {})
    lines = [f"# Calibration: {spec.name}", "", *([spec.question, ""] if spec.question else []),
             f"{spec.describe()}; master seed {spec.master_seed} (every point uses the same replication seeds). "
             f"Generated {record['created']} from git commit {git.get('commit') or 'unknown'}"
             f"{' (uncommitted changes)' if git.get('dirty') else ''}; regenerate with `plc-sim calibrate "
             f"{spec.source}`.", "",
             *([f"**Incomplete: {len(f.runs)} of {spec.samples} points measured so far**; run the same command again "
                "to measure the rest (stored points are kept).", ""] if len(f.runs) < spec.samples else []),
             "## Accepted share", "",
             f"**{len(f.accepted)} of {len(f.runs)}** sampled points satisfy every pattern at once: {share:.1%} "
             f"[{low:.1%}, {high:.1%}] (Wilson 95% interval; a Latin hypercube or Sobol sample spreads points more "
             "evenly than independent draws, so the interval is if anything conservative). A point is accepted "
             f"when {ACCEPTANCE[spec.acceptance]}.", "",
             "Share of points at which each pattern holds (the lowest constrains most):", "",
             *_table(["#", "pattern", "share of points (95% CI)"], _pattern_rows(f, spec)), "",
             "What each pattern asks of the parameters: the Spearman correlation between a parameter and the "
             "pattern holding, over all sampled points (positive: the pattern holds more often at higher values; "
             "blank: the pattern holds at every point or at none):", "",
             *_table(["parameter", *(p.key for p in spec.patterns)], _demand_rows(f, spec)), "",
             "## Where the accepted points lie", "", "![marginal densities](figures/marginals.png)", "",
             "![patterns satisfied](figures/patterns.png)", ""]
    if len(spec.uncertain) > 1:
        lines += ["![pairs](figures/pairs.png)", ""]
    lines += ["## Correlations among accepted points", ""]
    names = list(spec.factor_names)
    if len(f.accepted) >= 3 and len(names) > 1:
        corr = f.accepted[names].corr(method="spearman")
        lines += ["Spearman rank correlations (a strong correlation means the patterns constrain a combination "
                  "of the two parameters rather than each alone):", "",
                  *_table(["", *names], [[name, *corr.loc[name].tolist()] for name in names]), ""]
    else:
        lines += ["Fewer than three accepted points (or one parameter): no correlations.", ""]
    lines += _suggestion(f, spec)
    return "\n".join(lines) + "\n"


def _suggestion(f: Findings, spec: CalibrationSpec) -> list[str]:
    header = ["parameter", "value", "declared default", "sampled range", "accepted points"]
    if f.suggested is None:
        return ["## No suggested point", "",
                "No sampled point satisfies every pattern. The point that comes closest (most patterns, then most "
                f"checks) is point {int(f.best['run_id'])}, with {int(f.best['patterns_passed'])} of "
                f"{len(spec.patterns)} patterns:", "", *_table(header, _point_rows(f, spec, f.best)), "",
                "Its checks:", "", *_evidence(f, f.best)]
    point = f.suggested
    sets = " ".join(f"--set {u.name}={point[u.name]:.6g}" for u in spec.uncertain)
    fixed = " ".join(f"--set {k}={v}" for k, v in spec.fixed.items())
    return ["## Suggested default point", "",
            f"Point {int(point['run_id'])}: the accepted point closest to the medians of the accepted points (each "
            "parameter scaled by its sampled range).", "", *_table(header, _point_rows(f, spec, point)), "",
            f"Evidence: every check at this point, measured with {spec.setting.description}:", "",
            *_evidence(f, point), "",
            f"Confirm at report strength: `plc-sim validate --full {' '.join(filter(None, [fixed, sets]))}`."]


# --- files ---------------------------------------------------------------------------------------------------

REPORT_FILES = ("figures/marginals.png", "figures/patterns.png", "figures/pairs.png", "points.csv", "checks.csv",
                "calibration.json", "report.md")
"""What :func:`write_report` writes (``pairs.png`` with two or more parameters): checked before any point is
measured, so a file of the user's in the way is named before the work, not after."""


def write_report(folder: ResultFolder, spec: CalibrationSpec) -> Path:
    """Write ``report.md``, ``figures/*.png``, ``points.csv`` and ``checks.csv`` into the calibration's folder."""
    runs, checks = read_points(folder)
    f = findings(runs, checks, spec)
    names = list(spec.factor_names)
    ranges = {u.name: (u.low, u.high) for u in spec.uncertain}
    defaults = {name: PARAMS_BY_NAME[name].default for name in names}
    suggested = None if f.suggested is None else {name: f.suggested[name] for name in names}
    drawn = {"marginals": figures.marginals(runs, ranges, defaults, suggested),
             "patterns": figures.patterns_passed(runs, names, len(spec.patterns))}
    if len(names) > 1:
        drawn["pairs"] = figures.pairs(runs, names, suggested)
    ledger = folder.ledger()
    ledger.check_free(REPORT_FILES)
    for name, fig in drawn.items():
        ledger.write(f"figures/{name}.png", lambda temp, fig=fig: fig.savefig(temp, format="png", dpi=100))
    for name, table in (("points.csv", runs), ("checks.csv", checks)):
        ledger.write(name, lambda temp, table=table: table.to_csv(temp, index=False, float_format="%.6g"))
    record = provenance(command="calibrate", spec=spec.source, accepted=int(runs["accepted"].sum()),
                        points=len(runs), suggested=None if suggested is None else
                        {k: float(v) for k, v in suggested.items()})
    ledger.write_text("calibration.json", json_text(record))
    report = ledger.write_text("report.md", report_markdown(f, spec, record))
    return report
