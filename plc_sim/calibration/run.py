"""Running a calibration: every sampled point measured against every chosen pattern, stored like a sweep.

A few points are one unit of work (:func:`point_units`): a worker measures all chosen patterns at those
points (with the spec's replications, in the worker's own process; runs of different points that share a
structure step in one batch, each as alone) and sends back a few numbers per check and point. The parent writes finished
points in batches into the sweep's result store (``runs`` = one row per point, ``checks`` = one row per point
and check), under the store's lock, so a calibration resumes after an interruption of any kind, and every
point uses the same replication seeds (common random numbers), so points differ only by their parameters.
The results are the same for any number of workers.
"""

from __future__ import annotations

import dataclasses
import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from plc_sim.calibration.spec import CalibrationSpec
from plc_sim.core.progress import progress_bar
from plc_sim.experiments.execution.store import ResultFolder, open_result_folder
from plc_sim.experiments.execution.sweep import _finish_session, _start_session
from plc_sim.validation.core import Setting, executor_results
from plc_sim.validation.registry import Pattern, run_points
from simulation.batch import runs_per_batch

FLUSH_SECONDS = 30.0
"""Finished points are written at least this often, so an interruption loses little work."""


@dataclass(frozen=True)
class PointTask:
    """One sampled point: the setting that carries its defaults, and the patterns to measure there."""

    run_id: int
    setting: Setting
    patterns: tuple[Pattern, ...]


@dataclass(frozen=True)
class PointResult:
    """What a worker sends back: one record per check, and the processor time it took."""

    run_id: int
    checks: tuple[dict, ...]
    cpu_seconds: float


def measure_points(unit: tuple[PointTask, ...]) -> list[PointResult]:
    """Measure every pattern at each point of ``unit`` (points of one spec: the same patterns), their runs in
    shared batches (module level, so the executor can send it to workers). Each point's processor time is the
    unit's, shared."""
    started = time.process_time()
    measured = run_points([task.setting for task in unit], unit[0].patterns)
    seconds = (time.process_time() - started) / len(unit)
    return [PointResult(task.run_id, tuple({"run_id": task.run_id, "pattern": r.key, "number": r.number,
                                            "check": c.name, "effect": c.effect, "ci_low": c.low, "ci_high": c.high,
                                            "expected": c.expected.text, "passed": c.passed,
                                            "estimate_inside": c.expected.holds(c.effect, c.effect)}
                                           for r in results for c in r.checks), seconds)
            for task, results in zip(unit, measured, strict=True)]


def point_units(spec: CalibrationSpec, tasks: list[PointTask], workers: int) -> list[tuple[PointTask, ...]]:
    """``tasks`` in the units a worker measures together: each of at most the points whose arms of
    ``replications`` runs fill a batch (``simulation.batch.runs_per_batch``), as equal as can be, and as many
    units as a multiple of ``workers``, so that none waits at the end while another measures a big unit."""
    full = max(1, runs_per_batch(spec.setting.params()) // spec.setting.replications)
    workers, needed = max(workers, 1), math.ceil(len(tasks) / full)
    count = min(len(tasks), math.ceil(needed / workers) * workers)
    bounds = [len(tasks) * k // count for k in range(count + 1)] if tasks else [0]
    return [tuple(tasks[start:end]) for start, end in zip(bounds, bounds[1:], strict=False)]


def point_frames(spec: CalibrationSpec, results: list[PointResult]) -> dict[str, pd.DataFrame]:
    """The ``runs`` (one row per point: values, verdict per pattern, accepted) and ``checks`` tables."""
    checks = pd.DataFrame([row for r in sorted(results, key=lambda r: r.run_id) for row in r.checks])
    judged = "passed" if spec.acceptance == "interval" else "estimate_inside"
    verdicts = checks.pivot_table(index="run_id", columns="pattern", values=judged, aggfunc="all")
    ids = verdicts.index.to_numpy()
    runs = spec.points.set_index("point").loc[ids].reset_index().rename(columns={"point": "run_id"})
    for pattern in spec.patterns:
        runs[f"pass_{pattern.key}"] = verdicts[pattern.key].to_numpy(bool)
    runs["patterns_passed"] = verdicts.sum(axis=1).to_numpy("int64")
    runs["checks_passed"] = checks.groupby("run_id")[judged].sum().loc[ids].to_numpy("int64")
    runs["accepted"] = runs["patterns_passed"] == len(spec.patterns)
    return {"runs": runs, "checks": checks}


@dataclass
class CalibrationSummary:
    """What a call of :func:`run_calibration` did."""

    folder: Path
    total: int
    done_before: int
    ran_now: int
    elapsed: float
    interrupted: bool = False

    @property
    def complete(self) -> bool:
        return self.done_before + self.ran_now == self.total

    def line(self) -> str:
        state = "complete" if self.complete else ("interrupted" if self.interrupted else "incomplete")
        return (f"{self.done_before + self.ran_now} of {self.total} points {state} ({self.ran_now} measured now in "
                f"{self.elapsed:.1f} s, {self.done_before} stored before); results in {self.folder}/")


def run_calibration(spec: CalibrationSpec, out: str | Path | None = None, *, workers: int = 1,
                    restart: bool = False, progress: bool = True, report: bool = True) -> CalibrationSummary:
    """Measure every point of ``spec`` not yet stored in ``out`` (default ``results/NAME``), then write the report.

    On Ctrl-C the finished points are saved and KeyboardInterrupt is raised again; the same call resumes.
    """
    folder = open_result_folder(spec, Path(out) if out is not None else None, restart)
    try:
        if report:
            from plc_sim.calibration.report import REPORT_FILES

            folder.ledger().check_free(REPORT_FILES)
        done = folder.discard_damaged()
        # The sweep's session record: it warns when stored points were measured by other model code.
        _start_session(folder, "1 process" if workers == 1 else f"{workers} local worker processes", len(done),
                       spec.samples - len(done))
        summary = _measure_missing(folder, spec, done, workers, progress)
        _finish_session(folder, summary)
        if summary.complete and report:
            from plc_sim.calibration.report import write_report

            write_report(folder, spec)  # under the lock: nothing changes the folder while the report is drawn
    finally:
        folder.unlock()
    if summary.interrupted:
        print(summary.line(), file=sys.stderr)
        raise KeyboardInterrupt
    return summary


def _measure_missing(folder: ResultFolder, spec: CalibrationSpec, done: set[int], workers: int,
                     progress: bool) -> CalibrationSummary:
    tasks = [PointTask(point, dataclasses.replace(spec.setting, defaults=spec.defaults(point)), spec.patterns)
             for point in range(spec.samples) if point not in done]
    units = point_units(spec, tasks, workers)
    size = max(1, min(200, -(-spec.samples // 50)))  # about 50 batches
    pending: list[PointResult] = []
    written, interrupted, started, last = 0, False, time.perf_counter(), time.monotonic()
    results = executor_results(units, workers, measure_points)
    try:
        bar = progress_bar(total=len(tasks), unit="point", desc=spec.name) if progress else tqdm(disable=True)
        with bar:
            for unit_results in results:
                pending.extend(unit_results)
                bar.update(len(unit_results))
                # a unit brings several points: written in batches of ``size`` as they came one by one
                while len(pending) >= size or (pending and time.monotonic() - last > FLUSH_SECONDS):
                    batch, pending, last = pending[:size], pending[size:], time.monotonic()  # taken out first:
                    folder.write_batch(point_frames(spec, batch))  # never written twice
                    written += len(batch)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        results.close()
        if pending:
            folder.write_batch(point_frames(spec, pending))
            written += len(pending)
    return CalibrationSummary(folder.path, spec.samples, len(done), written, time.perf_counter() - started,
                              interrupted)
