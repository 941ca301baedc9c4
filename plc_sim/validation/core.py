"""The pieces every validation pattern shares: settings, expectations, results, seeds and the runner.

A pattern (see :mod:`plc_sim.validation.patterns`) describes its runs as :class:`Task` objects, hands them to a
:class:`Runner` (which runs them on the sweep's executor; :func:`measure_together` puts several patterns' runs in
one queue), and turns the small summaries that come back into :class:`Check` objects: a measured effect, its
95% confidence interval and the expectation from the literature it is held to. Replication ``k`` of a pattern
uses the same seed in every arm (common random numbers), so arms are compared replication by replication (paired
differences). A :class:`Setting` says how hard to look and, for a calibration, which point of parameter space to
look at (its ``defaults``).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tqdm import tqdm

from plc_sim.core.progress import progress_bar
from plc_sim.core.seeds import replication_seed, replication_seeds
from plc_sim.experiments.execution.execute import local_results
from simulation import Params, PLCModel
from simulation.batch import runs_per_batch, step_models, structure
from simulation.parameters import make_params
from simulation.presets import PRESETS

ROOT_SEED = 20_250_601
"""Root of every validation seed: the report is the same on every run of the same code."""


# --- settings ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Setting:
    """How hard to look: replications per arm, the network each run simulates, and the root seed.

    ``n_schools`` None keeps the default network size; ``teachers_per_school`` is never changed, because
    the size of a school shapes its dialogue (a 20-teacher primary school is not a small 40-teacher one).
    """

    name: str
    replications: int
    n_schools: int | None
    description: str
    seed: int = ROOT_SEED
    defaults: Mapping[str, Any] = field(default_factory=dict)

    def seeds(self, pattern: int, factor: int = 1) -> list[int]:
        """The seeds of ``pattern``'s replications: replication k runs with the same seed in every arm.

        Patterns draw independent streams: pattern ``p``'s root is replication ``p``'s seed under the setting's
        root, and its replications' seeds derive from that root (:mod:`plc_sim.core.seeds`, as sweeps'). Every
        calibration point uses the same seeds (common random numbers across points as across arms). A pattern
        whose measure counts rare events asks for ``factor`` times the setting's replications.
        """
        return replication_seeds(replication_seed(self.seed, pattern), self.replications * factor)

    def network(self) -> dict[str, int]:
        """Parameter overrides that set the network size of this setting."""
        return {} if self.n_schools is None else {"n_schools": self.n_schools}

    def params(self, preset: str = "baseline", overrides: Mapping[str, Any] | None = None) -> Params:
        """The parameters of one arm: declared defaults, then this setting's ``defaults`` (the point a calibration
        evaluates), then the preset's own overrides, the network size, and the arm's ``overrides``.

        A preset or an arm that sets a parameter keeps its value: a calibrated default moves only what the
        pattern's design leaves at its default.
        """
        if preset not in PRESETS:
            raise ValueError(f"preset: {preset!r} is not a preset; choose one of {', '.join(PRESETS)}")
        return make_params({**self.defaults, **PRESETS[preset].overrides, **self.network(), **(overrides or {})})


FAST = Setting("fast", replications=12, n_schools=10,
               description="12 replications per arm on networks of 10 schools (schools of the default size)")
FULL = Setting("full", replications=60, n_schools=None,
               description="60 replications per arm on the default network of 20 schools")
SETTINGS = {setting.name: setting for setting in (FAST, FULL)}


# --- expectations and results ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Expected:
    """What the literature leads us to expect of a measured effect, as an interval the 95% CI must lie in.

    ``above`` and ``below`` are strict bounds (None = unbounded): a direction is ``Expected(above=0)``, a
    range is ``Expected(above=0.14, below=0.18)``. ``text`` says it in words for the report.
    """

    text: str
    above: float | None = None
    below: float | None = None

    def holds(self, low: float, high: float) -> bool:
        """Whether the confidence interval [low, high] lies wholly inside the expected interval."""
        if not (math.isfinite(low) and math.isfinite(high)):
            return False
        return (self.above is None or low > self.above) and (self.below is None or high < self.below)


@dataclass(frozen=True)
class Check:
    """One measured quantity of a pattern: effect, 95% CI, unit and the expectation it is held to."""

    name: str
    effect: float
    low: float
    high: float
    unit: str
    expected: Expected

    @property
    def passed(self) -> bool:
        return self.expected.holds(self.low, self.high)


@dataclass
class PatternResult:
    """The outcome of one pattern: its checks (all must pass), how it was measured, its source and figure."""

    number: int
    key: str
    title: str
    claim: str
    source: str
    design: str
    checks: tuple[Check, ...]
    figure: Any  # a matplotlib Figure
    notes: tuple[str, ...] = ()
    context: dict[str, float] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return all(check.passed for check in self.checks)


# --- seeds and runs ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Task:
    """One model run: ``params`` and ``seed`` for ``ticks`` ticks, reduced in the worker by ``summarize``.

    ``summarize`` must be a module-level function of the finished model (so it pickles) that returns a small
    summary: returning per-agent rows from workers would cost more than the runs.
    """

    arm: str
    replication: int
    params: Params
    seed: int
    ticks: int
    summarize: Callable[[PLCModel], Any]


def run_task(task: Task) -> Any:
    """Run ``task`` and return its summary (module level, so worker processes can receive it)."""
    model = PLCModel(params=task.params, rng=task.seed)
    for _ in range(task.ticks):
        model.step()
    return task.summarize(model)


def run_indexed(items: tuple[tuple[Any, Task], ...]) -> list[tuple[Any, Any]]:
    """Run ``(index, task)`` pairs of one structure and tick count as one batch (:mod:`simulation.batch`; each run
    as it would be alone) and return their ``(index, summary)`` pairs: the executor yields batches as they finish."""
    models = [PLCModel(params=task.params, rng=task.seed) for _, task in items]
    step_models(models, items[0][1].ticks, batch_size=len(items))
    return [(index, task.summarize(model)) for (index, task), model in zip(items, models, strict=True)]


def batched(tasks: Sequence[Task], workers: int = 1,
            indices: Sequence[Any] | None = None) -> list[tuple[tuple[Any, Task], ...]]:
    """``(index, task)`` pairs in the batches a worker runs together: runs of one structure and tick count (arms,
    and points, that differ only in rates join: ``simulation.batch.structure``), up to
    ``simulation.batch.runs_per_batch`` of them and no more than an even share of ``workers``, in the order of
    their first task. ``indices`` name the tasks (default: their positions)."""
    groups: dict[tuple, list[tuple[Any, Task]]] = {}
    for index, task in zip(range(len(tasks)) if indices is None else indices, tasks, strict=True):
        groups.setdefault((structure(task.params), task.ticks), []).append((index, task))
    share = max(1, -(-len(tasks) // workers))
    units = []
    for items in groups.values():
        size = min(share, runs_per_batch(items[0][1].params))
        units.extend(tuple(items[start:start + size]) for start in range(0, len(items), size))
    return units


class Runner:
    """Runs tasks on the sweep's executor (this process, or a pool of ``workers`` processes), with a progress bar.

    Results keep the tasks' order, and every run draws only from its own seeded generator, so the summaries are
    the same for any number of workers. A context manager, as patterns use it: ``with Runner(2) as runner: ...``.
    """

    def __init__(self, workers: int = 1, progress: bool = True):
        if workers < 1:
            raise ValueError(f"workers: {workers} is not allowed; expected an integer from 1")
        self.workers, self.progress = workers, progress

    def __enter__(self) -> Runner:
        return self

    def __exit__(self, *exc) -> None:
        return None

    def run(self, tasks: Sequence[Task], desc: str) -> list[Any]:
        """Summaries of ``tasks``, in the order given."""
        summaries: list[Any] = [None] * len(tasks)
        results = executor_results(batched(tasks, self.workers), self.workers, run_indexed)
        try:
            bar = progress_bar(total=len(tasks), unit="run", desc=desc) if self.progress else tqdm(disable=True)
            with bar:
                for pairs in results:
                    for index, summary in pairs:
                        summaries[index] = summary
                    bar.update(len(pairs))
        finally:
            results.close()
        return summaries


# --- every pattern's runs in one queue ----------------------------------------------------------------------------

class _Planned(Exception):
    """Stops a measurement at its first ``run``: the :class:`_Planner` it was given holds the tasks."""


class _Planner(Runner):
    """A runner that keeps the tasks of a measurement's first ``run`` and stops the measurement there."""

    def __init__(self):
        super().__init__(workers=1, progress=False)
        self.tasks: list[Task] = []

    def run(self, tasks: Sequence[Task], desc: str) -> list[Any]:
        self.tasks = list(tasks)
        raise _Planned


class _Replay(Runner):
    """A runner whose first ``run`` of the planned tasks returns their summaries, run before; any other ``run``
    runs its tasks as :class:`Runner` does."""

    def __init__(self, workers: int, progress: bool, tasks: list[Task], summaries: list[Any]):
        super().__init__(workers, progress)
        self.planned: tuple[list[Task], list[Any]] | None = (tasks, summaries)

    def run(self, tasks: Sequence[Task], desc: str) -> list[Any]:
        if self.planned is not None and list(tasks) == self.planned[0]:
            summaries, self.planned = self.planned[1], None
            return summaries
        return super().run(tasks, desc)


def measure_together(measures: Sequence[Callable[[Runner], Any]], workers: int = 1, progress: bool = True,
                     done: Callable[[int, Any], None] | None = None) -> list[Any]:
    """The results of ``measures`` (each a function of a :class:`Runner`, as a pattern measured at a setting),
    the same as ``[measure(Runner(workers)) for measure in measures]``, with every run in one queue.

    One runner per measurement leaves workers idle at each measurement's end (its last batch, its statistics and
    figure, a new pool). Here each measurement is first called with a runner that stops it at its first ``run``
    and keeps its tasks; every measurement's runs go to one pool, in batches that join runs of different
    measurements where they share a structure and tick count (:func:`batched`); as soon as
    one measurement's runs are all back, it is called again with a runner that hands it their summaries, while
    the workers go on with the next. A summary is the same on any batch and worker (:class:`Runner`), so each
    result is as a runner of its own would give it. A measurement must therefore do nothing before its first
    ``run`` that it cannot do twice; a second ``run`` of the same measurement runs when it is called.
    ``done(position, result)`` is called as each measurement finishes (not in order).
    """
    results: list[Any] = [None] * len(measures)
    plans: dict[int, list[Task]] = {}
    for position, measure in enumerate(measures):
        planner = _Planner()
        try:
            results[position] = measure(planner)
        except _Planned:
            plans[position] = planner.tasks
            continue
        if done is not None:
            done(position, results[position])
    planned = [(position, index) for position, tasks in plans.items() for index in range(len(tasks))]
    units = batched([plans[position][index] for position, index in planned], workers, planned)
    summaries = {position: [None] * len(tasks) for position, tasks in plans.items()}
    waiting = {position: len(tasks) for position, tasks in plans.items()}
    finished = executor_results(units, workers, run_indexed)
    try:
        bar = progress_bar(total=len(planned), unit="run", desc="runs") if progress else tqdm(disable=True)
        with bar:
            for pairs in finished:
                for (position, index), summary in pairs:
                    summaries[position][index] = summary
                    waiting[position] -= 1
                bar.update(len(pairs))
                for position in dict.fromkeys(position for (position, _), _ in pairs):
                    if waiting[position] == 0:
                        replay = _Replay(workers, progress, plans[position], summaries.pop(position))
                        results[position] = measures[position](replay)
                        if done is not None:
                            done(position, results[position])
    finally:
        finished.close()
    return results


def executor_results(tasks: list, workers: int, function: Callable[[Any], Any]):
    """The sweep executor's results of ``function`` over ``tasks``, as they finish (see ``local_results``)."""
    with warnings.catch_warnings():
        # Python warns at fork when the process has other OS threads; here they are only numpy's idle
        # OpenBLAS pool, which registers its own fork handlers. No Python thread holds a lock.
        warnings.filterwarnings("ignore", r"This process .* is multi-threaded", DeprecationWarning)
        return local_results(tasks, workers, function)


def by_arm(tasks: Sequence[Task], summaries: Sequence[Any]) -> dict[str, list[Any]]:
    """Summaries grouped by arm, each list in replication order."""
    grouped: dict[str, list[tuple[int, Any]]] = {}
    for task, summary in zip(tasks, summaries, strict=True):
        grouped.setdefault(task.arm, []).append((task.replication, summary))
    return {arm: [summary for _, summary in sorted(rows, key=lambda row: row[0])] for arm, rows in grouped.items()}


def arm_tasks(arms: dict[str, Params], seeds: Sequence[int], ticks: int,
              summarize: Callable[[PLCModel], Any]) -> list[Task]:
    """One task per (arm, replication); replication k runs with ``seeds[k]`` in every arm."""
    return [Task(arm, k, params, seed, ticks, summarize)
            for k, seed in enumerate(seeds) for arm, params in arms.items()]
