"""Reading a sweep's results and summarizing them: survival of communities and replication means with CIs.

:func:`load_sweep` returns the tidy tables of ``results/NAME/`` (sorted by run
id, so the data do not depend on how many workers made them or in what order).
Only batches that match their checksums are read. Persistence is summarized as
Kaplan-Meier survival (``core.stats.kaplan_meier``): each school in each run is
one community; a community that formed has a *duration* from forming to its
first decay, or to the end of the run if it never decayed (then it is
*censored*: it survived at least that long); one that never formed has none.
Replication means carry t-based confidence intervals (``core.stats.mean_ci``),
with the replication as the unit: replications share seeds across design points
(common random numbers), so points within one replication are not independent
draws.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from plc_sim.core.errors import InputError
from plc_sim.core.stats import CONFIDENCE, kaplan_meier, mean_ci, median_survival
from plc_sim.experiments.execution.datasets import read_tables, run_keys
from plc_sim.experiments.execution.store import MANIFEST, ResultFolder
from plc_sim.experiments.specs.spec import PERSISTENCE_MEASURES, Spec, cause_measure, parse_spec
from simulation.attribution import CAUSES, NO_CAUSE, REPORTED
from simulation.measures import NETWORK_MEASURES
from simulation.parameters import TICKS_PER_YEAR

UNBOUNDED = {"teacher_leaders", "bridging_contacts", "teachers_left", "principals_left"}
"""Measures that are counts rather than shares; every other built-in outcome and run measure lies in 0..1 or is
>= 0 (a spec's own [outcomes] may take any value)."""
CAUSE_PREFIX = cause_measure("")
"""Decays attributed to a cause are counts too."""


def clip_interval(name: str, low, high):
    """Clip a t-interval to the range a built-in measure can take (shares in 0..1, durations >= 0); the
    intervals of counts and of a spec's own outcomes are left as they are."""
    bare = name.removeprefix("final_")
    if bare in UNBOUNDED or name.startswith(CAUSE_PREFIX) or (bare not in NETWORK_MEASURES
                                                               and name not in PERSISTENCE_MEASURES):
        return low, high
    if name == "years_before_decay":
        return np.maximum(low, 0.0), high
    return np.clip(low, 0.0, 1.0), np.clip(high, 0.0, 1.0)


@dataclass(frozen=True)
class SweepData:
    """A sweep's results. ``runs``: one row per run (factors and run measures); ``series``: one row per run and
    tick (the spec's outcomes); ``schools``: one row per run and school (persistence)."""

    folder: Path
    spec: Spec
    manifest: dict
    points: pd.DataFrame
    runs: pd.DataFrame
    series: pd.DataFrame
    schools: pd.DataFrame

    @property
    def complete(self) -> bool:
        return len(self.runs) == self.spec.run_count

    def with_factors(self, table: str) -> pd.DataFrame:
        """``series`` or ``schools`` with each run's point, replication and factor values joined on."""
        return getattr(self, table).merge(run_keys(self.runs, self.spec), on="run_id", how="left",
                                          validate="many_to_one")


def load_sweep(folder: str | Path) -> SweepData:
    """Load the results in ``folder`` (``results/NAME``) with the spec they were made from."""
    folder = Path(folder)
    manifest = ResultFolder(folder).current_manifest()
    if manifest is None:
        raise InputError(f"{folder}: no {MANIFEST}; not a sweep's result folder (run `plc-sim sweep` first)")
    spec = parse_spec(manifest["spec"]["text"], source=manifest["spec"]["source"], default_name=manifest["name"],
                      recorded=manifest)
    if not ResultFolder(folder).ledger().owns("points.parquet"):
        raise InputError(f"{folder / 'points.parquet'}: missing, or changed since plc-sim wrote it; restore it, "
                         f"or move it away and run the sweep again with --restart")
    points = pd.read_parquet(folder / "points.parquet")
    return SweepData(folder, spec, manifest, points, **read_tables(folder))


def condition_names(data) -> list[str]:
    """The sweep's conditions: its varied factors, and its levers and uncertainties when the spec has them."""
    spec = data.spec
    names = [*getattr(spec, "lever_names", ()), *getattr(spec, "uncertainty_names", ()), *spec.factor_names]
    return [name for name in dict.fromkeys(names) if name in data.runs.columns]


def select(frame: pd.DataFrame, where: Mapping[str, Any] | None) -> pd.DataFrame:
    """Rows of ``frame`` whose factor columns equal the values in ``where`` (all rows if it is empty)."""
    for name, value in (where or {}).items():
        frame = frame[frame[name] == value]
    return frame


# --- confidence intervals ----------------------------------------------------------------------------------

def replication_means(data: SweepData, measures: Sequence[str], by: Sequence[str] = (),
                      where: Mapping[str, Any] | None = None, confidence: float = CONFIDENCE) -> pd.DataFrame:
    """Mean of each run measure per level of ``by``, with a CI across replications.

    Runs of one replication are first averaged over the factors not in ``by``,
    so each replication contributes one value per level.
    """
    runs = select(data.runs, where)
    by = list(by)
    per_replication = runs.groupby([*by, "replication"], sort=True)[list(measures)].mean().reset_index()
    rows = []
    for level, group in (per_replication.groupby(by, sort=True) if by else [((), per_replication)]):
        row = dict(zip(by, level if isinstance(level, tuple) else (level,), strict=True))
        row["replications"] = len(group)
        for name in measures:
            row[name], low, high = mean_ci(group[name], confidence)
            row[f"{name}_low"], row[f"{name}_high"] = clip_interval(name, low, high)
        rows.append(row)
    return pd.DataFrame(rows)


def series_bands(data: SweepData, outcome: str, by: str | None = None, where: Mapping[str, Any] | None = None,
                 confidence: float = CONFIDENCE) -> pd.DataFrame:
    """Mean of ``outcome`` per tick (and level of ``by``) with a CI across replications."""
    series = select(data.with_factors("series"), where)
    keys = [by] if by else []
    per_replication = series.groupby([*keys, "replication", "tick"], sort=True)[outcome].mean()
    groups = per_replication.groupby(level=by, sort=True) if by else [(None, per_replication)]
    return _stack_levels(((level, _bands(one.unstack("tick"), outcome, confidence)) for level, one in groups), by,
                         "tick")


def _bands(table: pd.DataFrame, outcome: str, confidence: float) -> pd.DataFrame:
    """Mean and CI per tick of a (replications x ticks) table."""
    mean, low, high = mean_ci(table.to_numpy(), confidence, axis=0)
    frame = pd.DataFrame({"tick": table.columns.to_numpy(), "mean": mean, "replications": len(table)})
    frame["low"], frame["high"] = clip_interval(outcome, low, high)
    return frame


def _stack_levels(parts, by: str | None, time: str) -> pd.DataFrame:
    """The (level, table) ``parts`` stacked, each tagged with its level of ``by``, with ``time`` in school years."""
    frames = []
    for level, frame in parts:
        if by:
            frame.insert(0, by, level)
        frames.append(frame)
    if not frames:
        return pd.DataFrame(columns=[*([by] if by else []), time, "year"])
    frame = pd.concat(frames, ignore_index=True)
    frame["year"] = frame[time] / TICKS_PER_YEAR
    return frame


# --- survival ------------------------------------------------------------------------------------------------

def community_durations(schools: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(durations in ticks, decayed) per *formed* community: from forming to its first decay, or to the end of the
    run if it never decayed (censored). Communities that never formed have no duration and are left out."""
    schools = schools[schools["first_formed_tick"] >= 0]
    decayed = schools["first_decay_tick"].to_numpy() >= 0
    durations = np.where(decayed, schools["first_decay_tick"], schools["ticks_observed"]) - schools["first_formed_tick"]
    return durations.to_numpy(float), decayed


def survival_curves(data: SweepData, by: str | None = None, where: Mapping[str, Any] | None = None,
                    levels: Sequence[Any] | None = None, confidence: float = CONFIDENCE) -> pd.DataFrame:
    """Kaplan-Meier survival of formed communities per level of ``by`` (time from forming, in ticks and years);
    a level where no community formed has no curve."""
    schools = select(data.with_factors("schools"), where)
    groups = schools.groupby(by, sort=True) if by else [(None, schools)]
    durations = ((level, community_durations(group)) for level, group in groups if levels is None or level in levels)
    parts = ((level, kaplan_meier(*formed, confidence=confidence)) for level, formed in durations if formed[0].size)
    return _stack_levels(parts, by, "time")


def point_summary(data: SweepData, confidence: float = CONFIDENCE) -> pd.DataFrame:
    """One row per design point: factors, runs, each run measure's replication mean and CI, and the
    Kaplan-Meier median years to decay (NaN when more than half the communities outlast the run)."""
    measures = list(data.spec.run_measures)
    rows = []
    schools = data.schools.merge(data.runs[["run_id", "point"]], on="run_id")
    formed = {point: community_durations(group) for point, group in schools.groupby("point", sort=True)}
    medians = {point: median_survival(kaplan_meier(*durations)) for point, durations in formed.items()
               if durations[0].size}
    for point, group in data.runs.groupby("point", sort=True):
        first = group.iloc[0]
        row = {"point": point, "design": first["design"], **{f: first[f] for f in data.spec.factor_names},
               "runs": len(group)}
        for name in measures:
            row[name], low, high = mean_ci(group[name], confidence)
            row[f"{name}_low"], row[f"{name}_high"] = clip_interval(name, low, high)
        row["median_years_to_decay"] = medians.get(point, np.nan) / TICKS_PER_YEAR
        rows.append(row)
    return pd.DataFrame(rows)


DECAY_CAUSES_TABLE = "tables/decay_causes.csv"
"""Where a sweep keeps its decays by cause beside what the studies report (written when any community decayed)."""


def decay_cause_parts(runs: pd.DataFrame) -> dict[str, float]:
    """The decays of ``runs`` credited to each cause, pooled over runs (the sweep's ``decays_after_*`` measures)."""
    return {cause: float(runs[cause_measure(cause)].sum()) for cause in (*CAUSES, NO_CAUSE)}


def decay_causes_table(parts: Mapping[str, float]) -> pd.DataFrame:
    """One row per cause of decay with any part of a decay: the decays credited to it (a decay with several causes
    counts an equal part for each), its share of all decays, what counts as it, and what the studies report
    (:data:`simulation.attribution.REPORTED`); most decays first."""
    total = sum(parts.values())
    rows = [{"cause": cause, "decays": parts.get(cause, 0.0), "share": parts.get(cause, 0.0) / total,
             "what counts": CAUSES.get(cause, "no cause was logged"), "what the studies report": REPORTED[cause]}
            for cause in (*CAUSES, NO_CAUSE) if total and parts.get(cause, 0.0) > 0]
    columns = ["cause", "decays", "share", "what counts", "what the studies report"]
    return pd.DataFrame(rows, columns=columns).sort_values("decays", ascending=False, kind="stable", ignore_index=True)
