"""Sweeps: every missing run of a spec, on local processes or a Dask cluster, stored resumably.

The parent writes results in batches into ``results/NAME/batches/batch-NNNNN/``
(see ``execution.store``): each batch is complete or absent, whatever kills
the process, and carries checksums that are verified before it is trusted. On
start the runner reads which run ids are already stored and runs only the
rest; the seeds depend only on the spec, so the data are the same for any
number of workers, any completion order and any number of interruptions. The
folder's lock is held from the first check to the last figure. A new result
folder is made only once the first run has finished, so a spec whose own
functions fail (or a run that fails otherwise) leaves a new ``--out`` as it was.
"""

from __future__ import annotations

import hashlib
import math
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tqdm import tqdm

import simulation
from plc_sim.core.errors import InputError
from plc_sim.core.files import write_json_atomic
from plc_sim.core.progress import progress_bar
from plc_sim.core.provenance import provenance
from plc_sim.experiments.execution.batches import BatchWriter
from plc_sim.experiments.execution.datasets import write_datasets
from plc_sim.experiments.execution.execute import batches_of_runs, connect, dask_results, local_results, run_batch
from plc_sim.experiments.execution.store import ResultFolder, default_out, open_result_folder
from plc_sim.experiments.specs.spec import Spec


@dataclass
class SweepSummary:
    """What a call of :func:`run_sweep` did."""

    folder: Path
    total: int
    done_before: int
    ran_now: int
    elapsed: float
    where: str
    interrupted: bool = False
    cpu_seconds: float = 0.0
    workers: int | None = None
    outputs: Any = None

    @property
    def complete(self) -> bool:
        return self.done_before + self.ran_now == self.total

    def lines(self, spec: Spec) -> list[str]:
        done = self.done_before + self.ran_now
        state = "complete" if self.complete else ("interrupted" if self.interrupted else "incomplete")
        rate = f" ({self.ran_now / self.elapsed:.2f} runs/s)" if self.ran_now and self.elapsed > 0 else ""
        lines = [f"{spec.name}: {done} of {self.total} runs {state}; {spec.describe()}",
                 f"this session: {self.ran_now} runs in {self.elapsed:.1f} s{rate} on {self.where}; "
                 f"{self.done_before} were already done"]
        if self.ran_now and self.elapsed > 0:
            # Well below 100% means the workers waited: start-up, or other programs using the same cores.
            busy = (f" ({self.cpu_seconds / (self.workers * self.elapsed):.0%} of the workers' time)"
                    if self.workers else "")
            lines.append(f"the runs used {self.cpu_seconds:.1f} processor-seconds{busy}")
        if not self.complete:
            lines.append(f"run the same command again to finish the remaining {self.total - done} runs")
        return [*lines, *spec.idle_lines()]


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def default_batch_size(runs: int) -> int:
    """About 50 batches per sweep, each of 1 to 200 runs."""
    return max(1, min(200, math.ceil(runs / 50)))


def run_sweep(spec: Spec, out: str | Path | None = None, *, workers: int | None = None, scheduler: Any = None,
              restart: bool = False, batch_size: int | None = None, progress: bool = True,
              then: Callable[[Path], Any] | None = None) -> SweepSummary:
    """Run every missing run of ``spec`` into ``out`` (default ``results/NAME``) and return a summary.

    ``workers`` local processes (default: all cores; 1 runs in this process), or
    the Dask cluster at ``scheduler`` (an address such as ``tcp://host:8786`` or
    a ``distributed.Client``). When every run is stored, ``then(folder)`` (e.g.
    drawing the figures) runs while the folder is still locked; its result is
    the summary's ``outputs``. On Ctrl-C the finished runs are saved and
    KeyboardInterrupt is raised again; rerunning resumes.
    """
    if scheduler is not None and workers is not None:
        raise InputError("--workers and --scheduler: choose one (the cluster decides how many workers)")
    workers = workers or default_workers()
    # Connect before touching the result folder, so an unreachable cluster leaves nothing behind.
    client = connect(scheduler) if scheduler is not None else None
    try:
        path = Path(out) if out is not None else default_out(spec)
        running = _first_run(spec, workers, client) if _is_new(path) else None
        try:
            folder = open_result_folder(spec, path, restart)
        except BaseException:
            if running is not None:
                running.close()
            raise
        try:
            where = (f"Dask cluster {scheduler if isinstance(scheduler, str) else 'client'}" if client is not None
                     else ("1 process" if workers == 1 else f"{workers} local worker processes"))
            summary = _run_missing(folder, spec, where, workers, client, batch_size, progress, running)
            if summary.complete:
                write_datasets(folder.path, spec)
            if summary.complete and then is not None:
                summary.outputs = then(folder.path)
        finally:
            folder.unlock()
    finally:
        if client is not None and client is not scheduler:
            client.close()
    return summary


def _is_new(path: Path) -> bool:
    """True when ``path`` does not exist or is an empty folder: a sweep must leave it so if its first run fails."""
    return not path.exists() or (path.is_dir() and next(path.iterdir(), None) is None)


class _Running:
    """A sweep's runs, started: their results as they finish (``ahead``: those taken already) and ``close()``."""

    def __init__(self, tasks: list, spec: Spec, workers: int, client):
        self.tasks, self.started = tasks, time.perf_counter()
        if client is not None:
            self.results = dask_results(tasks, client, spec.digest[:12])
            self.stream = iter(self.results)
        else:  # replications of a point run as one batch (simulation.batch), each result as it would be alone
            units = batches_of_runs(tasks, workers)
            self.results = local_results(units, workers, run_batch, watched=spec.user_functions)
            self.stream = (result for results in self.results for result in results)
        self.ahead: list = []

    def __iter__(self):
        yield from self.ahead
        yield from self.stream

    def close(self) -> None:
        self.results.close()


def _first_run(spec: Spec, workers: int, client) -> _Running:
    """Every run of ``spec`` started, and the first to finish taken (its failure raised) before any folder exists."""
    running = _Running(spec.tasks(), spec, workers, client)
    try:
        running.ahead.append(next(running.stream))
    except BaseException:
        running.close()
        raise
    return running


def _run_missing(folder: ResultFolder, spec: Spec, where: str, workers: int, client, batch_size: int | None,
                 progress: bool, running: _Running | None = None) -> SweepSummary:
    """Run the runs not yet stored intact in ``folder`` (damaged batches are named and run again); ``running``:
    those of a new folder, started before it was made."""
    done = folder.discard_damaged()
    if running is None:
        running = _Running(spec.tasks(skip=done), spec, workers, client)
    _start_session(folder, where, len(done), len(running.tasks))
    writer = BatchWriter(folder, spec, batch_size or default_batch_size(spec.run_count))
    started, interrupted, failed = running.started, False, False
    bar = progress_bar(total=len(running.tasks), unit="run", desc=spec.name) if progress else tqdm(disable=True)
    try:
        with bar:
            for result in running:
                writer.add(result)
                bar.update(1)
    except KeyboardInterrupt:
        interrupted = True
    except BaseException:
        failed = True
        raise
    finally:
        running.close()
        writer.flush()
        folder.remove_staging()  # the folder is locked to this session: any staging left is a half-written batch
        summary = SweepSummary(folder.path, spec.run_count, len(done), writer.written, time.perf_counter() - started,
                               where, interrupted, writer.cpu_seconds, None if client is not None else workers)
        _finish_session(folder, summary, quiet=failed)
    if interrupted:
        print("\n".join(summary.lines(spec)), file=sys.stderr)
        raise KeyboardInterrupt
    return summary


def model_source_hash() -> str:
    """SHA-256 of the model package's source files: changes with any edit, committed or not."""
    digest = hashlib.sha256()
    for path in sorted(Path(simulation.__file__).parent.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _start_session(folder: ResultFolder, where: str, done: int, to_run: int) -> None:
    """Record this session in the manifest; say so if stored runs came from other model code."""
    manifest = folder.manifest()
    now = provenance(where=where, runs_done_at_start=done, model_source=model_source_hash())
    # Sessions that stored runs (a session killed outright never recorded its end, so it may have).
    contributed = [s for s in manifest["sessions"]
                   if s.get("runs_done_at_end") is None or s["runs_done_at_end"] > s.get("runs_done_at_start", 0)]
    if done and {s.get("model_source") for s in contributed} - {now["model_source"], None}:
        action = ("the runs made now will be mixed with them" if to_run
                  else "the figures drawn now show the earlier model")
        print(f"plc-sim: warning: the runs stored in {folder.path} were made by other model code (simulation/ has "
              f"changed since); {action}. Use --restart to run everything again", file=sys.stderr)
    manifest["sessions"].append(now)
    write_json_atomic(folder.manifest_path, manifest)


def _finish_session(folder: ResultFolder, summary: SweepSummary, quiet: bool = False) -> None:
    """Record the session's end; ``quiet``: when another error is already on its way (a full disk), do not mask it."""
    manifest = folder.manifest()
    record = manifest["sessions"][-1]
    record.update(runs_done_at_end=summary.done_before + summary.ran_now, elapsed_seconds=round(summary.elapsed, 3),
                  interrupted=summary.interrupted)
    manifest["status"] = "complete" if summary.complete else ("interrupted" if summary.interrupted else "running")
    try:
        write_json_atomic(folder.manifest_path, manifest)
    except OSError:
        if not quiet:
            raise
