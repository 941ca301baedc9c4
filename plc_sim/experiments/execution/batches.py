"""Finished runs as batches of tables: collected in memory, written together into the result store."""

from __future__ import annotations

import time
from collections.abc import Iterable

import numpy as np
import pandas as pd

from plc_sim.core.errors import InputError
from plc_sim.experiments.execution.execute import SCHOOL_PERSISTENCE, RunResult, run_measures
from plc_sim.experiments.execution.store import ResultFolder
from plc_sim.experiments.specs.spec import POLICY_KEYS, Spec

FLUSH_SECONDS = 20.0
"""A batch is written at least this often, so an interruption loses little work."""


class BatchWriter:
    """Collects finished runs and writes them as a batch every ``size`` runs or ``FLUSH_SECONDS`` seconds."""

    def __init__(self, folder: ResultFolder, spec: Spec, size: int):
        self.folder, self.spec, self.size = folder, spec, size
        self.pending: list[RunResult] = []
        self.last_flush = time.monotonic()
        self.written = 0
        self.cpu_seconds = 0.0

    def add(self, result: RunResult) -> None:
        self.pending.append(result)
        self.cpu_seconds += result.cpu_seconds
        if len(self.pending) >= self.size or time.monotonic() - self.last_flush > FLUSH_SECONDS:
            self.flush()

    def flush(self) -> None:
        # Take the runs out of ``pending`` before writing: if an interruption lands mid-write, they are run
        # again on resume rather than written twice.
        batch, self.pending = self.pending, []
        if batch:
            try:
                self.folder.write_batch(batch_frames(self.spec, batch))
            except OSError as error:
                raise InputError(f"{self.folder.path}: cannot write a batch of results ({error.strerror}); the "
                                 f"{self.written} runs stored this session are kept: make room and run the same "
                                 f"command again to resume") from None
            self.written += len(batch)
        self.last_flush = time.monotonic()


def batch_frames(spec: Spec, results: Iterable[RunResult]) -> dict[str, pd.DataFrame]:
    """The ``runs``, ``series`` and ``schools`` tables of some finished runs, sorted by run id (and
    ``school_series`` when the spec asks for it)."""
    results = sorted(results, key=lambda r: r.run_id)
    ids = np.array([r.run_id for r in results], dtype=np.int64)
    point_ids = ids // spec.replications
    replication = ids % spec.replications
    points = spec.points.iloc[point_ids]
    runs = pd.DataFrame({"run_id": ids, "point": point_ids, "replication": replication,
                         "seed": np.array([spec.seed(int(k)) for k in replication], dtype=np.int64),
                         "design": points["design"].to_numpy()})
    for name in (*POLICY_KEYS, *spec.factor_names):
        if name in points.columns:  # policy and scenario: a spec with [levers]
            runs[name] = points[name].to_numpy()
    measures = pd.DataFrame([run_measures(r, spec.outcomes) for r in results], columns=list(spec.run_measures))
    runs = pd.concat([runs, measures], axis=1)
    lengths = np.array([len(r.series) for r in results], dtype=np.int64)  # ticks run + 1 (a stop ends a run early)
    series = pd.DataFrame({"run_id": np.repeat(ids, lengths),
                           "tick": np.concatenate([np.arange(n, dtype=np.int64) for n in lengths])})
    stacked = np.concatenate([r.series for r in results])
    for i, name in enumerate(spec.outcomes):
        series[name] = stacked[:, i]
    sizes = [r.schools["secondary"].size for r in results]
    schools = pd.DataFrame({
        "run_id": np.repeat(ids, sizes),
        "school": np.concatenate([np.arange(n, dtype=np.int64) for n in sizes]),
        **{name: np.concatenate([r.schools[name] for r in results]) for name in SCHOOL_PERSISTENCE},
    })
    schools.insert(3, "never_formed", schools["first_formed_tick"] < 0)
    schools.insert(5, "decayed_ever", schools["first_decay_tick"] >= 0)
    schools["ticks_observed"] = np.repeat(lengths - 1, sizes)
    frames = {"runs": runs, "series": series, "schools": schools}
    if spec.custom.school_series:
        frames["school_series"] = school_series_frame(spec.custom.school_series, ids, results)
    return frames


def school_series_frame(measures: tuple[str, ...], ids: np.ndarray, results: list[RunResult]) -> pd.DataFrame:
    """One row per run, tick and school, one column per school measure asked for."""
    shapes = [r.school_series.shape for r in results]  # (ticks run + 1, measures, schools)
    rows = [ticks * schools for ticks, _, schools in shapes]
    frame = pd.DataFrame({
        "run_id": np.repeat(ids, rows),
        "tick": np.concatenate([np.repeat(np.arange(t, dtype=np.int64), n) for t, _, n in shapes]),
        "school": np.concatenate([np.tile(np.arange(n, dtype=np.int64), t) for t, _, n in shapes]),
    })
    values = np.concatenate([r.school_series.transpose(0, 2, 1).reshape(-1, len(measures)) for r in results])
    for i, name in enumerate(measures):
        frame[name] = values[:, i]
    return frame
