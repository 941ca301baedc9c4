"""``plc-sim sweep``: run an experiment spec on a local process pool or a Dask cluster, resumably.

Each run is a task (:class:`plc_sim.experiments.spec.RunTask`) that a worker turns into a
small :class:`RunResult`: the network series of the spec's outcomes per tick
and each school's persistence, never per-agent rows (returning those wipes out
the parallel speed-up). The parent writes results in batches into
``results/NAME/batches/batch-NNNNN/`` (``runs``, ``series`` and ``schools``
Parquet tables): each batch is written into a staging folder and renamed into
place, so a batch is either complete or absent, whatever kills the process.
On start the runner reads which run ids are already stored and runs only the
rest; the seeds depend only on the spec, so the data are the same for any
number of workers, any completion order and any number of interruptions.

The layout follows Mesa 4's direction (runs as tasks on any
``concurrent.futures``-style executor, results on disk), so it moves there
mechanically.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm import tqdm

from plc_sim.core.errors import InputError
from plc_sim.core.files import write_json_atomic
from plc_sim.core.progress import progress_bar
from plc_sim.core.provenance import provenance
from plc_sim.experiments.spec import PERSISTENCE_MEASURES, RunTask, Spec, load_spec
from plc_sim.experiments.store import ResultFolder, default_out, open_result_folder
from simulation import PLCModel, persistence_table, preset_params
from simulation.parameters import TICKS_PER_YEAR

FLUSH_SECONDS = 20.0
"""A batch is written at least this often, so an interruption loses little work."""


# --- one run (executed in a worker) ----------------------------------------------------------------------------

@dataclass(frozen=True)
class RunResult:
    """What a worker sends back: the outcome series and each school's persistence."""

    run_id: int
    series: np.ndarray  # (ticks + 1, outcomes): network measures at ticks 0..ticks
    secondary: np.ndarray  # per school, bool
    first_decay_tick: np.ndarray  # per school, -1 = never
    first_recovery_tick: np.ndarray  # per school, -1 = never
    decayed_at_end: np.ndarray  # per school, bool
    cpu_seconds: float = 0.0  # processor time of the run, for the summary only (never stored: it varies)


def run_one(task: RunTask) -> RunResult:
    """Run one model for ``task`` and summarize it (module level, so every executor can pickle it)."""
    started = time.process_time()
    model = PLCModel(params=preset_params(task.preset, dict(task.overrides)), rng=task.seed)
    series = np.empty((task.ticks + 1, len(task.outcomes)))
    series[0] = [model.network_now[name] for name in task.outcomes]
    for tick in range(1, task.ticks + 1):
        model.step()
        series[tick] = [model.network_now[name] for name in task.outcomes]
    persistence = persistence_table(model)
    return RunResult(task.run_id, series, persistence["secondary"].to_numpy(bool),
                     persistence["first_decay_tick"].to_numpy(np.int64),
                     persistence["first_recovery_tick"].to_numpy(np.int64),
                     persistence["decayed_at_end"].to_numpy(bool), time.process_time() - started)


def run_measures(result: RunResult, outcomes: tuple[str, ...], ticks: int) -> dict[str, float]:
    """Scalar measures of one run: each outcome over the final school year, and persistence shares.

    ``years_before_decay`` is the restricted mean survival time: the mean over
    schools of the first decay tick, or of the whole run for schools that never
    decayed, in school years.
    """
    last_year = result.series[max(1, len(result.series) - TICKS_PER_YEAR):]
    measures = {f"final_{name}": float(last_year[:, i].mean()) for i, name in enumerate(outcomes)}
    decayed = result.first_decay_tick >= 0
    measures["persisting_share"] = float(np.mean(~decayed))
    measures["decayed_at_end_share"] = float(np.mean(result.decayed_at_end))
    measures["recovered_share"] = float(np.mean(result.first_recovery_tick >= 0))
    measures["years_before_decay"] = float(np.mean(np.where(decayed, result.first_decay_tick, ticks))) / TICKS_PER_YEAR
    assert set(measures) == {f"final_{name}" for name in outcomes} | set(PERSISTENCE_MEASURES)
    return measures


# --- executors -----------------------------------------------------------------------------------------------

def _start_worker(lifeline, parent_end) -> None:
    """Pool worker set-up: leave Ctrl-C to the parent, and exit as soon as the parent is gone."""
    # Ctrl-C reaches the whole process group; only the parent should react (it saves finished runs and stops).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent_end.close()  # a forked worker inherits the parent's end of the lifeline; only the parent may hold it
    threading.Thread(target=_exit_with_parent, args=(lifeline,), daemon=True).start()


def _exit_with_parent(lifeline) -> None:
    # Pool workers hold both ends of their task queue, so they never notice a parent killed outright (kill -9)
    # and would wait forever. Only the parent holds the lifeline's write end: end-of-file means it is gone.
    try:
        lifeline.recv()
    except (EOFError, OSError):
        pass
    os._exit(1)


def pool_context() -> multiprocessing.context.BaseContext:
    """``fork`` when this process runs a single thread, else ``forkserver`` with the model preloaded.

    Forked workers start at once with everything imported. Forking a process
    that runs other threads (a notebook kernel, a Dask client) can deadlock, so
    then a fork server, itself single-threaded, forks the workers. As with
    ``spawn``, a script that uses the fork server must guard its top level with
    ``if __name__ == "__main__":``.
    """
    if threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["plc_sim.experiments.execute"])
    return context


class PoolResults:
    """Runs on a local process pool, yielded as they finish; ``close()`` stops the pool, dropping runs not started.

    The pool starts and every task is submitted on construction, so forked
    workers are made before the caller starts any thread (a progress bar's).
    ``function`` (module level, so it pickles) turns one task into its result:
    :func:`run_one` for sweeps; validation and calibration pass their own.
    """

    def __init__(self, tasks: list, workers: int, function=run_one):
        context = pool_context()
        self.lifeline, self.parent_end = context.Pipe(duplex=False)
        self.pool = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_start_worker,
                                        initargs=(self.lifeline, self.parent_end))
        self.futures = [self.pool.submit(function, task) for task in tasks]

    def __iter__(self) -> Iterator[RunResult]:
        for future in as_completed(self.futures):
            yield future.result()

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)
        self.parent_end.close()
        self.lifeline.close()


def local_results(tasks: list, workers: int, function=run_one):
    """Results of ``tasks`` as they finish: run in this process (1 worker) or on a pool of ``workers`` processes.

    Either way the returned object is iterable and has ``close()``. ``function`` turns a task into its result
    (default :func:`run_one`, a sweep's run).
    """
    if workers == 1 or not tasks:
        return (function(task) for task in tasks)
    return PoolResults(tasks, workers, function)


def connect(scheduler: Any):
    """A ``distributed.Client`` for ``scheduler`` (an address; a Client is returned as is)."""
    from distributed import Client

    if not isinstance(scheduler, str):
        return scheduler
    try:
        return Client(scheduler, timeout="10s")
    except (OSError, TimeoutError, ValueError) as error:
        raise InputError(f"--scheduler: cannot reach a Dask scheduler at {scheduler} ({error})") from None


def dask_results(tasks: list[RunTask], client, token: str) -> Iterator[RunResult]:
    """Run ``tasks`` on a Dask distributed cluster through ``client``, yielding results as they finish."""
    from distributed import as_completed as dask_completed

    if not tasks:
        return
    futures = client.map(run_one, tasks, key=[f"plc-sim-{token}-run-{task.run_id}" for task in tasks])
    try:
        for future in dask_completed(futures):
            yield future.result()
            future.release()
    finally:
        client.cancel([f for f in futures if not f.done()])


# --- batches -------------------------------------------------------------------------------------------------

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
            self.folder.write_batch(batch_frames(self.spec, batch))
            self.written += len(batch)
        self.last_flush = time.monotonic()


def batch_frames(spec: Spec, results: Iterable[RunResult]) -> dict[str, pd.DataFrame]:
    """The ``runs``, ``series`` and ``schools`` tables of some finished runs, sorted by run id."""
    results = sorted(results, key=lambda r: r.run_id)
    ids = np.array([r.run_id for r in results], dtype=np.int64)
    point_ids = ids // spec.replications
    replication = ids % spec.replications
    points = spec.points.iloc[point_ids]
    runs = pd.DataFrame({"run_id": ids, "point": point_ids, "replication": replication,
                         "seed": np.array([spec.seed(int(k)) for k in replication], dtype=np.int64),
                         "design": points["design"].to_numpy()})
    for name in spec.factor_names:
        runs[name] = points[name].to_numpy()
    measures = pd.DataFrame([run_measures(r, spec.outcomes, spec.ticks) for r in results],
                            columns=list(spec.run_measures))
    runs = pd.concat([runs, measures], axis=1)
    ticks = spec.ticks + 1
    series = pd.DataFrame({"run_id": np.repeat(ids, ticks), "tick": np.tile(np.arange(ticks, dtype=np.int64),
                                                                          len(ids))})
    stacked = np.concatenate([r.series for r in results])
    for i, name in enumerate(spec.outcomes):
        series[name] = stacked[:, i]
    schools = pd.DataFrame({
        "run_id": np.concatenate([np.full(r.secondary.size, r.run_id, dtype=np.int64) for r in results]),
        "school": np.concatenate([np.arange(r.secondary.size, dtype=np.int64) for r in results]),
        "secondary": np.concatenate([r.secondary for r in results]),
        "first_decay_tick": np.concatenate([r.first_decay_tick for r in results]),
        "first_recovery_tick": np.concatenate([r.first_recovery_tick for r in results]),
        "decayed_at_end": np.concatenate([r.decayed_at_end for r in results]),
    })
    schools.insert(3, "decayed_ever", schools["first_decay_tick"] >= 0)
    schools["ticks_observed"] = np.int64(spec.ticks)
    return {"runs": runs, "series": series, "schools": schools}


# --- the sweep -----------------------------------------------------------------------------------------------

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
        return lines


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def default_batch_size(runs: int) -> int:
    """About 50 batches per sweep, each of 1 to 200 runs."""
    return max(1, min(200, math.ceil(runs / 50)))


def run_sweep(spec: Spec, out: str | Path | None = None, *, workers: int | None = None, scheduler: Any = None,
              restart: bool = False, batch_size: int | None = None, progress: bool = True) -> SweepSummary:
    """Run every missing run of ``spec`` into ``out`` (default ``results/NAME``) and return a summary.

    ``workers`` local processes (default: all cores; 1 runs in this process), or
    the Dask cluster at ``scheduler`` (an address such as ``tcp://host:8786`` or
    a ``distributed.Client``). On Ctrl-C the finished runs are saved and
    KeyboardInterrupt is raised again; rerunning resumes.
    """
    if scheduler is not None and workers is not None:
        raise InputError("--workers and --scheduler: choose one (the cluster decides how many workers)")
    workers = workers or default_workers()
    # Connect before touching the result folder, so an unreachable cluster leaves nothing behind.
    client = connect(scheduler) if scheduler is not None else None
    try:
        return _sweep(spec, out, workers, scheduler, client, restart, batch_size, progress)
    finally:
        if client is not None and client is not scheduler:
            client.close()


def _sweep(spec: Spec, out, workers: int, scheduler: Any, client, restart: bool, batch_size: int | None,
           progress: bool) -> SweepSummary:
    folder = open_result_folder(spec, Path(out) if out is not None else None, restart)
    try:
        done = folder.completed_run_ids()
        tasks = spec.tasks(skip=done)
        where = (f"Dask cluster {scheduler if isinstance(scheduler, str) else 'client'}" if scheduler is not None
                 else ("1 process" if workers == 1 else f"{workers} local worker processes"))
        _start_session(folder, where, len(done), len(tasks))
        writer = BatchWriter(folder, spec, batch_size or default_batch_size(spec.run_count))
        results = (dask_results(tasks, client, spec.digest[:12]) if client is not None
                   else local_results(tasks, workers))
        started, interrupted = time.perf_counter(), False
        bar = progress_bar(total=len(tasks), unit="run", desc=spec.name) if progress else tqdm(disable=True)
        with bar:
            try:
                for result in results:
                    writer.add(result)
                    bar.update(1)
            except KeyboardInterrupt:
                interrupted = True
            finally:
                results.close()
                writer.flush()
                summary = SweepSummary(folder.path, spec.run_count, len(done), writer.written,
                                       time.perf_counter() - started, where, interrupted, writer.cpu_seconds,
                                       None if client is not None else workers)
                _finish_session(folder, summary)
    finally:
        folder.unlock()
    if interrupted:
        print("\n".join(summary.lines(spec)), file=sys.stderr)
        raise KeyboardInterrupt
    return summary


def model_source_hash() -> str:
    """SHA-256 of the model package's source files: changes with any edit, committed or not."""
    import hashlib

    import simulation

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


def _finish_session(folder: ResultFolder, summary: SweepSummary) -> None:
    manifest = folder.manifest()
    record = manifest["sessions"][-1]
    record.update(runs_done_at_end=summary.done_before + summary.ran_now, elapsed_seconds=round(summary.elapsed, 3),
                  interrupted=summary.interrupted)
    manifest["status"] = "complete" if summary.complete else ("interrupted" if summary.interrupted else "running")
    write_json_atomic(folder.manifest_path, manifest)


# --- command line ----------------------------------------------------------------------------------------------

def register(subparsers) -> None:
    """Add ``plc-sim sweep``."""
    sweep = subparsers.add_parser("sweep", help="run an experiment spec (experiments/*.toml), resumably, on local "
                                  "processes or a Dask cluster; write Parquet results, figures and tables")
    add_sweep_arguments(sweep)
    sweep.add_argument("--no-figures", action="store_true", help="skip figures and tables after the sweep")
    sweep.add_argument("--dry-run", action="store_true", help="validate the spec and show the plan; run nothing")
    sweep.set_defaults(func=cmd_sweep)


def add_sweep_arguments(parser) -> None:
    """Options shared by ``sweep`` and ``sensitivity``."""
    from plc_sim.cli.options import bounded_int

    parser.add_argument("spec", type=Path, help="experiment spec (TOML), e.g. experiments/default.toml")
    parser.add_argument("--workers", type=bounded_int("--workers", 1, 1024), default=None,
                        help="local worker processes (default: all cores; 1 runs in this process)")
    parser.add_argument("--scheduler", default=None, metavar="ADDRESS",
                        help="run on an existing Dask cluster, e.g. tcp://HOST:8786")
    parser.add_argument("--out", type=Path, default=None, help="result folder (default results/NAME)")
    parser.add_argument("--restart", action="store_true", help="discard this experiment's stored results first")
    parser.add_argument("--batch-size", type=bounded_int("--batch-size", 1, 100_000), default=None,
                        help="runs per Parquet batch (default: about 50 batches per sweep)")


def check_scheduler(address: str | None) -> None:
    if address is not None and "://" not in address:
        raise InputError(f"--scheduler: {address!r} is not an address; expected e.g. tcp://host:8786")


def execute_spec(args, check=None) -> tuple[Spec, SweepSummary | None]:
    """Load the spec, ``check`` it, and run it from parsed ``args`` (shared by ``sweep`` and ``sensitivity``)."""
    spec = load_spec(args.spec)
    if check is not None:
        check(spec)
    check_scheduler(args.scheduler)
    if getattr(args, "dry_run", False):
        print(spec.describe())
        print(f"results would go to {args.out or default_out(spec)}/")
        return spec, None
    summary = run_sweep(spec, args.out, workers=args.workers, scheduler=args.scheduler, restart=args.restart,
                        batch_size=args.batch_size)
    print("\n".join(summary.lines(spec)))
    return spec, summary


def cmd_sweep(args) -> None:
    spec, summary = execute_spec(args)
    if summary is None:
        return
    print(f"results: {summary.folder}/ (manifest.json, points.parquet, batches/*/runs|series|schools.parquet)")
    if not args.no_figures and summary.complete:
        from plc_sim.experiments.figures import experiment_outputs

        outputs = experiment_outputs(summary.folder)
        print("\n".join(outputs.lines()))
