"""``plc-sim sensitivity``: global sensitivity of health and persistence to the model's parameters (SALib).

The spec (e.g. ``experiments/sensitivity.toml``) declares ranges in ``[vary]``,
a Morris and/or Sobol design in ``[design.morris]`` / ``[design.sobol]``, and
the run measures to explain in ``[sensitivity]``. The runs go through the
ordinary sweep runner (local pool or Dask, resumable); each design point's
response is the mean of its replications (which share seeds across points).

- Morris screening: mu* (mean absolute elementary effect) ranks influence,
  sigma flags non-linearity or interaction; mu* carries a bootstrap CI.
- Sobol indices: S1 (share of output variance due to one parameter alone) and
  ST (including all its interactions), each with a bootstrap CI.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from plc_sim.core.errors import InputError
from plc_sim.experiments.analysis.figures import Outputs, measure_label, ranked_bars, save
from plc_sim.experiments.analysis.results import SweepData, load_sweep
from plc_sim.experiments.execution.store import ResultFolder
from plc_sim.experiments.specs.designs import salib_problem
from plc_sim.experiments.specs.spec import Spec


def design_response(data: SweepData, kind: str, measure: str) -> tuple[np.ndarray, np.ndarray]:
    """(X, Y) of one design: raw samples in design order, and the replication mean of ``measure`` per point."""
    points = data.points[data.points["design"] == kind].sort_values("point")
    X = points[[f"sample_{name}" for name in data.spec.factor_names]].to_numpy(float)
    means = data.runs.groupby("point")[measure].mean()
    missing = set(points["point"]) - set(means.index)
    if missing:
        raise InputError(f"{data.folder}: {len(missing)} design points have no runs yet; finish the sweep first")
    return X, means.loc[points["point"]].to_numpy(float)


def morris_indices(problem: dict, X: np.ndarray, Y: np.ndarray, levels: int, confidence: float = 0.95,
                   resamples: int = 200, seed: int = 0) -> pd.DataFrame:
    """Morris mu*, its CI half-width, mu and sigma per parameter (SALib ``morris.analyze``)."""
    from SALib.analyze import morris

    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        result = morris.analyze(problem, X, Y, num_resamples=resamples, conf_level=confidence, num_levels=levels,
                                seed=seed)
    return pd.DataFrame({"parameter": problem["names"], "mu_star": result["mu_star"],
                         "mu_star_conf": result["mu_star_conf"], "mu": result["mu"], "sigma": result["sigma"]})


def sobol_indices(problem: dict, Y: np.ndarray, second_order: bool, confidence: float = 0.95,
                  resamples: int = 200, seed: int = 0) -> pd.DataFrame:
    """Sobol first-order (S1) and total (ST) indices with CI half-widths per parameter (SALib ``sobol.analyze``).

    A response that does not vary at all has no variance to apportion: its indices are NaN.
    """
    from SALib.analyze import sobol

    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        result = sobol.analyze(problem, Y, calc_second_order=second_order, num_resamples=resamples,
                               conf_level=confidence, seed=seed)
    return pd.DataFrame({"parameter": problem["names"], "S1": result["S1"], "S1_conf": result["S1_conf"],
                         "ST": result["ST"], "ST_conf": result["ST_conf"]})


def analyse(data: SweepData, measures: Sequence[str] | None = None) -> dict[str, pd.DataFrame]:
    """Morris and/or Sobol indices (whichever designs the spec has) for each measure, ranked within a measure."""
    spec = data.spec
    options = spec.sensitivity or {"confidence": 0.95, "resamples": 200,
                                   "measures": ("persisting_share", f"final_{spec.outcomes[0]}")}
    measures = list(measures or options["measures"])
    problem = salib_problem(spec.factors)
    tables: dict[str, list[pd.DataFrame]] = {}
    for design in spec.designs:
        if design.kind not in ("morris", "sobol"):
            continue
        for measure in measures:
            X, Y = design_response(data, design.kind, measure)
            common = {"confidence": options["confidence"], "resamples": options["resamples"],
                      "seed": spec.master_seed % 2**32}
            if design.kind == "morris":
                table = morris_indices(problem, X, Y, design.options["levels"], **common)
                table = table.sort_values("mu_star", ascending=False, na_position="last")
            else:
                table = sobol_indices(problem, Y, design.options["second_order"], **common)
                table = table.sort_values("ST", ascending=False, na_position="last")
            table.insert(0, "measure", measure)
            table.insert(2, "rank", np.arange(1, len(table) + 1))
            tables.setdefault(design.kind, []).append(table)
    if not tables:
        raise InputError(f"{spec.source}: sensitivity needs a Morris or Sobol design ([design.morris] or "
                         f"[design.sobol])")
    return {kind: pd.concat(frames, ignore_index=True) for kind, frames in tables.items()}


def sensitivity_outputs(folder: str | Path, data: SweepData | None = None) -> Outputs:
    """Write ranked charts (PNG, SVG) and index tables (CSV) for the sweep in ``folder``."""
    data = data or load_sweep(folder)
    folder = Path(folder)
    outputs = Outputs(folder)
    indices = analyse(data)
    ledger = ResultFolder(folder).ledger()
    ledger.check_free([name for kind in indices for name in (f"tables/{kind}.csv", f"figures/{kind}_ranked.png",
                                                             f"figures/{kind}_ranked.svg")])
    confidence = f"{data.spec.sensitivity.get('confidence', 0.95):.0%}"
    for kind, table in indices.items():
        outputs.tables.append(ledger.write(f"tables/{kind}.csv", lambda temp, table=table: table.to_csv(
            temp, index=False, float_format="%.6g")))
        if kind == "morris":
            fig = ranked_bars(table, "mu_star", "mu_star_conf",
                              f"Morris screening: mean absolute elementary effect mu* with {confidence} CI "
                              f"({data.spec.name})", "mu* (change in measure over the parameter's range)")
        else:
            fig = ranked_bars(table, "ST", "ST_conf", f"Sobol indices with {confidence} CI: total (ST) and "
                              f"first-order (S1) ({data.spec.name})", "share of output variance",
                              second=("S1", "S1_conf", "S1"))
        outputs.figures += save(fig, folder / "figures" / f"{kind}_ranked", ledger)
    outputs.headline = "; ".join(_ranking_line(kind, table) for kind, table in indices.items())
    return outputs


def _ranking_line(kind: str, table: pd.DataFrame) -> str:
    column = "mu_star" if kind == "morris" else "ST"
    parts = []
    for measure, group in table.groupby("measure", sort=False):
        top = ", ".join(group["parameter"].head(3))
        parts.append(f"{measure_label(measure).split(' (')[0]}: {top}")
    return f"most influential by {kind} {column}: " + " | ".join(parts)


def require_sensitivity(spec: Spec) -> None:
    """Fail before anything runs if ``spec`` cannot be analysed for sensitivity."""
    if not spec.sensitivity:
        raise InputError(f"{spec.source}: sensitivity: missing [sensitivity] table (measures = [...]) and a "
                         f"[design.morris] or [design.sobol]")
