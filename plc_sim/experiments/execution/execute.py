"""Running an experiment's runs: one run in a worker, on a local process pool or a Dask cluster.

Each run is a task (:class:`plc_sim.experiments.specs.spec.RunTask`) that a worker turns into a
small :class:`RunResult`: the network series of the spec's outcomes per tick
and each school's persistence, never per-agent rows (returning those wipes out
the parallel speed-up). :func:`local_results` and :func:`dask_results` yield
results as they finish, in any order; the sweep (``execution.sweep``) stores
them by run id, so the data do not depend on the executor.

The layout follows Mesa 4's direction (runs as tasks on any
``concurrent.futures``-style executor, results on disk), so it moves there
mechanically.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, CancelledError, ProcessPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

import numpy as np

from plc_sim.core.errors import InputError
from plc_sim.core.processes import pool_context
from plc_sim.experiments.specs.outcome_specs import STOP_TICK, outcome_values, school_series_array, should_stop
from plc_sim.experiments.specs.rule_specs import broken_rule, chosen_rules
from plc_sim.experiments.specs.spec import PERSISTENCE_MEASURES, RunTask, cause_measure
from plc_sim.experiments.specs.user_functions import Deadlines, Guard, UserFunctionError, post_deadlines
from simulation import PLCModel, persistence_table, preset_params
from simulation.attribution import CAUSES, NO_CAUSE, attribute_decays
from simulation.batch import runs_per_batch, step_models, structure
from simulation.interventions import parse_intervention
from simulation.invariants import RuleError
from simulation.measures import NETWORK_MEASURES
from simulation.model import load_kernels
from simulation.parameters import TICKS_PER_YEAR

SCHOOL_PERSISTENCE = ("secondary", "first_formed_tick", "first_decay_tick", "first_recovery_tick", "decayed_at_end",
                      "first_erosion_tick")
"""The columns of each school's ``simulation.persistence_table`` row that a run sends back and the sweep stores."""


class SchedulerLost(InputError):
    """The Dask scheduler went away during a sweep; the runs finished before are kept."""


# --- one run (executed in a worker) ----------------------------------------------------------------------------

@dataclass(frozen=True)
class RunResult:
    """What a worker sends back: the outcome series, each school's persistence, and what ``[outcomes]`` asks."""

    run_id: int
    series: np.ndarray  # (ticks run + 1, outcomes): network measures at ticks 0..ticks run
    schools: dict[str, np.ndarray]  # per school, the columns SCHOOL_PERSISTENCE of simulation.persistence_table
    decay_causes: dict[str, float]  # decays attributed to each cause (simulation.attribution), parts summed
    cpu_seconds: float = 0.0  # processor time of the run, for the summary only (never stored: it varies)
    custom: dict[str, float] | None = None  # each outcome function's value, and stop_tick with a stop condition
    school_series: np.ndarray | None = None  # (ticks run + 1, school measures, schools) when asked for

    @property
    def ticks(self) -> int:
        """Ticks the run went (fewer than the spec's when a stop condition ended it)."""
        return len(self.series) - 1


def run_one(task: RunTask) -> RunResult:
    """Run one model for ``task`` and summarize it (module level, so every executor can pickle it)."""
    started = time.process_time()
    guard = Guard(f"run {task.run_id} (point {task.point}, replication {task.replication}, seed {task.seed})",
                  task.timeout)
    try:
        model = PLCModel(params=preset_params(task.preset, dict(task.overrides)), rng=task.seed,
                         interventions=[parse_intervention(text) for text in task.interventions],
                         rules=chosen_rules(task.rules, guard))
        series = np.empty((task.ticks + 1, len(task.outcomes)))
        series[0] = [model.network_now[name] for name in task.outcomes]
        stop_tick = -1
        for tick in range(1, task.ticks + 1):
            model.step()
            series[tick] = [model.network_now[name] for name in task.outcomes]
            if should_stop(task.custom, model, guard):
                stop_tick = tick
                break
    except RuleError as error:
        raise broken_rule(error, guard) from None
    custom = dict(zip((f.name for f in task.custom.functions), outcome_values(task.custom, model, guard),
                      strict=True))
    if task.custom.stop is not None:
        custom[STOP_TICK] = stop_tick
    return _result(task, model, series[:model.steps + 1], custom or None, time.process_time() - started)


def _result(task: RunTask, model: PLCModel, series: np.ndarray, custom: dict | None, cpu_seconds: float) -> RunResult:
    persistence = persistence_table(model)
    causes = attribute_decays(model.events, model.p).drop(columns=["tick", "school"]).sum()
    return RunResult(task.run_id, series, {name: persistence[name].to_numpy() for name in SCHOOL_PERSISTENCE},
                     {cause: float(parts) for cause, parts in causes.items()}, cpu_seconds, custom,
                     school_series_array(task.custom, model))


def batches_of_runs(tasks: list[RunTask], workers: int = 1) -> list[tuple[RunTask, ...]]:
    """``tasks`` in the units a worker runs: consecutive runs that can step as a batch (:mod:`simulation.batch`: no
    interventions, no replaced rules; and no outcome functions or stop condition, whose time limits are per run)
    and share a structure (a point's replications, and points that differ only in rates:
    ``simulation.batch.structure``), ticks and outcomes together, up to ``simulation.batch.runs_per_batch`` of
    them and no more than an even share of ``workers`` (so that none waits while another steps one big batch);
    every other run alone. Each run's result is the same either way."""
    units: list[tuple[RunTask, ...]] = []
    group: list[RunTask] = []
    limit, share, joined = 1, max(1, -(-len(tasks) // max(workers, 1))), None
    for task in tasks:
        params = preset_params(task.preset, dict(task.overrides))
        joins = (structure(params), task.ticks, task.outcomes)
        if group and (joins != joined or len(group) == limit):
            units.append(tuple(group))
            group = []
        if task.interventions or task.rules or task.custom.functions or task.custom.stop is not None:
            units.append((task,))
            continue
        if not group:
            limit, joined = min(share, runs_per_batch(params)), joins
        group.append(task)
    if group:
        units.append(tuple(group))
    return units


def run_batch(unit: tuple[RunTask, ...]) -> list[RunResult]:
    """The results of a unit of :func:`batches_of_runs`: its runs stepped as one batch (module level, so every
    executor can pickle it); a unit of one run is :func:`run_one`."""
    if len(unit) == 1:
        return [run_one(unit[0])]
    started = time.process_time()
    models = [PLCModel(params=preset_params(task.preset, dict(task.overrides)), rng=task.seed) for task in unit]
    step_models(models, unit[0].ticks, batch_size=len(unit))
    columns = [NETWORK_MEASURES.index(name) for name in unit[0].outcomes]
    cpu_seconds = (time.process_time() - started) / len(unit)  # for the summary only: the batch's time, shared
    return [_result(task, model, model.observer.series.network_rows()[:, columns], None, cpu_seconds)
            for task, model in zip(unit, models, strict=True)]


def run_measures(result: RunResult, outcomes: tuple[str, ...]) -> dict[str, float]:
    """Scalar measures of one run: each outcome over the final school year, persistence shares, and the values
    of the spec's own outcomes.

    Persistence counts *formed* communities only (ODD 6): ``persisting_share`` is the share of formed communities
    that never decayed (NaN if none formed), and ``never_formed_share`` is reported beside it.
    ``years_before_decay`` is the restricted mean survival time of formed communities: the mean, over them, of
    the years from forming to the first decay, or to the end of the run for those that never decayed.
    """
    ticks, schools = result.ticks, result.schools
    last_year = result.series[max(1, len(result.series) - TICKS_PER_YEAR):]
    measures = {f"final_{name}": float(last_year[:, i].mean()) for i, name in enumerate(outcomes)}
    formed = schools["first_formed_tick"] >= 0
    decayed = schools["first_decay_tick"] >= 0
    lasted = np.where(decayed, schools["first_decay_tick"], ticks) - schools["first_formed_tick"]
    measures["persisting_share"] = float(np.mean(~decayed[formed])) if formed.any() else np.nan
    measures["never_formed_share"] = float(np.mean(~formed))
    measures["decayed_at_end_share"] = float(np.mean(schools["decayed_at_end"]))
    measures["recovered_share"] = float(np.mean(schools["first_recovery_tick"][formed] >= 0)) if formed.any() \
        else np.nan
    measures["eroded_share"] = float(np.mean(schools["first_erosion_tick"][formed] >= 0)) if formed.any() \
        else np.nan
    measures["years_before_decay"] = float(np.mean(lasted[formed])) / TICKS_PER_YEAR if formed.any() else np.nan
    measures |= {cause_measure(cause): result.decay_causes.get(cause, 0.0) for cause in (*CAUSES, NO_CAUSE)}
    assert set(measures) == {f"final_{name}" for name in outcomes} | set(PERSISTENCE_MEASURES)
    return {**measures, **(result.custom or {})}


# --- executors -----------------------------------------------------------------------------------------------

def _start_worker(lifeline, parent_end, deadlines) -> None:
    """Pool worker set-up: leave Ctrl-C to the parent, exit as soon as the parent is gone, and post the deadlines
    of user functions in ``deadlines``."""
    # Ctrl-C reaches the whole process group; only the parent should react (it saves finished runs and stops).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent_end.close()  # a worker gets a copy of the parent's end of the lifeline; only the parent may hold it
    threading.Thread(target=_exit_with_parent, args=(lifeline,), daemon=True).start()
    post_deadlines(deadlines)


def _exit_with_parent(lifeline) -> None:
    # Pool workers hold both ends of their task queue, so they never notice a parent killed outright (kill -9)
    # and would wait forever. Only the parent holds the lifeline's write end: end-of-file means it is gone.
    try:
        lifeline.recv()
    except (EOFError, OSError):
        pass
    os._exit(1)


PRELOAD = ["plc_sim.experiments.execution.execute", "plc_sim.core.loaded_kernels"]
"""What a fork server imports once, so the workers it forks start with the model compiled."""

WATCH_SECONDS = 0.2
"""How often a pool's parent looks for a user function that overran its time limit."""


class PoolResults:
    """Runs on a local process pool, yielded as they finish; ``close()`` stops the pool, dropping runs not started.

    The pool starts and every task is submitted on construction, so forked
    workers are made before the caller starts any thread (a progress bar's).
    ``function`` (module level, so it pickles) turns one task into its result:
    :func:`run_one` for sweeps; validation and calibration pass their own.
    """

    def __init__(self, tasks: list, workers: int, function=run_one):
        load_kernels()  # forked workers inherit them (a fork server loads them on import of PRELOAD)
        context = pool_context(PRELOAD)
        self.lifeline, self.parent_end = context.Pipe(duplex=False)
        self.deadlines = Deadlines(context, workers)
        self.pool = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_start_worker,
                                        initargs=(self.lifeline, self.parent_end, self.deadlines))
        self.futures = [self.pool.submit(function, task) for task in tasks]

    def __iter__(self) -> Iterator[RunResult]:
        pending = set(self.futures)
        while pending:
            done, pending = wait(pending, timeout=WATCH_SECONDS, return_when=FIRST_COMPLETED)
            for future in done:
                yield future.result()
            overrun = self.deadlines.overrun()  # ends the worker; close() then stops the pool's others
            if overrun is not None:
                raise UserFunctionError(overrun)

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)
        self.parent_end.close()
        self.lifeline.close()


def local_results(tasks: list, workers: int, function=run_one, watched: bool = False):
    """Results of ``tasks`` as they finish: run in this process (1 worker) or on a pool of ``workers`` processes.

    Either way the returned object is iterable and has ``close()``. ``function`` turns a task into its result
    (default :func:`run_one`, a sweep's run). ``watched``: the tasks call user functions, whose time limit only
    a worker process can enforce (a stuck function cannot be stopped from inside), so even 1 worker is a pool.
    """
    if (workers == 1 and not watched) or not tasks:
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
    from distributed.comm.core import CommClosedError

    units = batches_of_runs(tasks, sum(client.nthreads().values()))
    futures = client.map(run_batch, units, key=[f"plc-sim-{token}-run-{unit[0].run_id}" for unit in units])
    try:
        for future in dask_completed(futures):
            yield from future.result()
            future.release()
    except (CancelledError, CommClosedError, OSError, TimeoutError) as error:
        status = getattr(client, "status", "?")
        raise SchedulerLost(f"--scheduler: lost the Dask scheduler ({type(error).__name__}; client {status}); "
                            f"the runs finished so far are saved, run the same command again to resume") from None
    finally:
        if getattr(client, "status", None) == "running":
            client.cancel([f for f in futures if not f.done()])
