"""Batched runs: many runs stepped together, each as it would run alone, at one parameter point or at points that
differ only in numeric rates.

A tick of a small network is mostly fixed Python cost per rule call, not arithmetic (``benchmarks/README.md``,
"Where a tick goes"). :class:`Batch` pays it once for many runs: the runs' state arrays are joined into one state
of ``runs x n_schools`` schools (each model's arrays become views of its block), and the baseline rules run once
on the joined state. Every kernel works school by school (and conversation by conversation in school order), so
each run's arithmetic is the same as alone. Random numbers stay per run: when a rule draws, each run draws its own
numbers from its own ``model.rng`` in the order it would alone, and the batch lays them out where the kernel reads
that run's schools (:data:`DRAW_LAYOUTS`). So a batched run is the same bit for bit as the run alone, whatever the
batch size (``tests/test_batch.py``).

The runs may be of different parameter points when they differ only in parameters of :data:`VARYING` (the numeric
rates, shares, weights and sizes); everything else sets the batch's structure (array shapes, how many numbers a rule
draws, rule variants, the schedule) and is the same for all (:func:`structure`). The batch's ``p`` gives a rate that
differs between its runs as an array of each school's run's value, the rules' rates (``*Rates``) are each run's own
joined the same way, and the kernels and rules read a rate through :func:`simulation.kernels.at`: the same
arithmetic on the same numbers as each run alone. A rule that draws only where a rate is above 0 runs alone where its
runs differ in that (:data:`DRAW_GATES`), so each draws as many numbers as alone.

The measurement is one compiled pass over the joined state too (the observers' per-school arrays joined the same
way); each run then takes its rows and sums its own network summary from them; at a year end every run's year is
judged at once on the joined arrays (the judgement is school by school) and logged to each run. What stays
per run: Mesa's clock, and the rules whose work at a tick reaches beyond the joined arrays (:meth:`Batch.rules_alone`:
turnover at a year end, where movers are matched within their own network, successors come from each school's own
stream and Mesa agents are made; a scheduled shock; the draws of :data:`DRAW_GATES`), which each model runs on
its views in their place in the schedule while the batch takes up what they changed. A model with interventions
or replaced rules does not batch: :func:`step_models` steps it alone.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator, Mapping

import numpy as np

from simulation.kernels import PER_SLOT
from simulation.measures import NETWORK_MEASURES, Observer, _summarize, record_changes
from simulation.parameters import PARAMETERS, TICKS_PER_YEAR
from simulation.shocks import SHOCKS
from simulation.state import Meetings, active_per_school, members_per_school


def batchable(model) -> bool:
    """Whether ``model`` can step in a batch: it runs the baseline rules and no interventions."""
    return not model.interventions and not model.replaced_rules


VARYING: frozenset[str] = frozenset(param.name for param in PARAMETERS if param.kind is float)
"""The parameters in which the runs of a batch may differ: every parameter of kind ``float`` (rates, shares, weights,
sizes, levels). A batched rule or kernel reads each through :func:`simulation.kernels.at` or elementwise, or only a
rule that runs alone reads it (turnover, a scheduled shock). The others (integers, switches, choices) set array
shapes, draw counts, rule variants and the schedule: the runs of a batch share them (``tests/test_batch.py`` checks
that every batched read of a float parameter is per school)."""

_FIXED = tuple(param.name for param in PARAMETERS if param.name not in VARYING)

DRAW_GATES = ("policy_churn_rate", "time_cut_rate")
"""Rates above 0 at which the shocks rule draws at a year start (policy churn from ``rng``, time cuts from their own
stream) and at 0 draws nothing: in a batch whose runs differ in whether one is above 0, the shocks rule runs alone at
a year start (:meth:`Batch.rules_alone`)."""


def structure(p) -> tuple:
    """What runs of parameters ``p`` must share to step in one batch: every parameter outside :data:`VARYING`."""
    return tuple(getattr(p, name) for name in _FIXED)


BATCH_SCHOOLS = 160
"""The most schools a batch joins: the gain is the fixed cost per rule call shared among runs, and it shrinks as a
run's own arithmetic grows. Measured (``benchmarks/README.md``, "Batched replications"), the gain is largest at
about 100-300 schools a batch (runs of 20 schools: 1.05x in batches of 3, 1.17-1.28x in batches of 8, 1.14x in
batches of 16; runs of 6 schools: 1.57x in batches of 10, 1.78x in batches of 16-32); far beyond (64 runs of 20
schools, 1,280 schools) the joined trust arrays leave the processor's cache and a batch is slower than its runs."""

MAX_RUNS = 64
"""The most runs a batch joins (runs of one school: 64 and 128 in a batch are about as fast)."""


def runs_per_batch(p) -> int:
    """How many runs of parameters ``p`` to batch together: :data:`BATCH_SCHOOLS` schools, up to :data:`MAX_RUNS`
    runs."""
    return max(1, min(MAX_RUNS, BATCH_SCHOOLS // p.n_schools))


def step_models(models: Iterable, ticks: int, batch_size: int | None = None) -> None:
    """Step every model ``ticks`` ticks: those that can batch (:func:`batchable`, same :func:`structure`, same tick,
    same kernel setting) in batches of up to ``batch_size`` (default :func:`runs_per_batch`), the others one at a time;
    results as if each ran alone."""
    for group in batch_groups(models, batch_size):
        if len(group) == 1:
            for _ in range(ticks):
                group[0].step()
        else:
            batch = Batch(group)
            for _ in range(ticks):
                batch.step()
            batch.settle()


def batch_groups(models: Iterable, batch_size: int | None = None) -> Iterator[list]:
    """``models`` in groups that can step together (in their order), each of at most ``batch_size`` (default
    :func:`runs_per_batch` of the group's parameters); a model that cannot batch is a group of its own."""
    open_groups: dict[tuple, list] = {}
    for model in models:
        if not batchable(model):
            yield [model]
            continue
        group = open_groups.setdefault(_joinable(model), [])
        group.append(model)
        if len(group) == (batch_size or runs_per_batch(model.p)):
            del open_groups[_joinable(model)]
            yield group
    yield from open_groups.values()


def _joinable(model) -> tuple:
    """What the models of one batch share: :func:`structure`, the tick, the kernel setting and the class."""
    return structure(model.p), model.steps, model.parallel_schools, type(model)


class Batch:
    """Models stepped together (see the module's words); :meth:`step` steps every one of
    them one tick, :meth:`settle` leaves each model complete (its month's conversations) after the last.

    The batch is a model to the baseline rules: ``members``, ``schools``, ``links``, ``meetings``, ``p`` (with
    ``n_schools`` the batch's), ``rng`` and ``time_cut_stream`` (each run's own numbers), ``steps``,
    ``record_event`` (to the run a school belongs to) and the observer's ``current`` measures.
    """

    def __init__(self, models: Iterable):
        self.models = list(models)
        first = self.models[0]
        shared = _joinable(first)
        if not all(batchable(m) and _joinable(m) == shared for m in self.models):
            raise ValueError("Batch: every model must run the baseline rules without interventions, with one "
                             "structure (simulation.batch.structure), tick and kernel setting "
                             "(simulation.batch.batch_groups)")
        n = first.p.n_schools
        self.n_schools, self.size = n, members_per_school(first.p)
        self.p = _BatchParams([m.p for m in self.models], n)
        # where runs differ in whether a gate is above 0, some draw at a year start and some not: shocks alone then
        self._gates_apart = any(len({getattr(m.p, gate) > 0 for m in self.models}) > 1 for gate in DRAW_GATES)
        self.rules = first.rules
        self.parallel_schools = first.parallel_schools
        self.members, self._member_views = _join([m.members for m in self.models], offsets={"school": n})
        self.schools, self._school_views = _join([m.schools for m in self.models])
        self._members_joined = _fields(self.members)
        self._schools_joined = _fields(self.schools)
        self.active_mask = np.concatenate([m.active_mask for m in self.models])
        self.links = np.concatenate([m.links + r * n for r, m in enumerate(self.models)]).reshape(-1, 2)
        self.link_counts = np.array([m.links.shape[0] for m in self.models])
        # A run without links skips the networking rule; joined with runs that have links it would have zeros
        # added to its arrays instead, which can flip the sign of a zero: such a batch networks run by run.
        self._links_apart = bool(self.link_counts.min() == 0 < self.link_counts.max())
        self.meetings = self._joined_meetings()
        self.observer, self._observer_joined, self._observer_views = _joined_observer([m.observer for m in self.models])
        self._table = self.observer.table  # the joined measures of the last tick
        self._summary = np.empty(len(NETWORK_MEASURES))  # the compiled pass's summary of them all (not used)
        self.rng = _Draws([m.rng for m in self.models], self)
        self.time_cut_stream = _Draws([m.time_cut_stream for m in self.models], self, layout=_per_school)
        self._settled = self.meetings  # the joined conversations each model holds its own part of

    # --- what the rules read ---------------------------------------------------------------------------------
    @property
    def steps(self) -> int:
        return self.models[0].steps

    def record_event(self, kind: str, schools, **counts) -> None:
        """Log ``kind`` for ``schools`` (batch numbers) in the runs they belong to, in their order."""
        schools = np.asarray(schools, dtype=np.int64)
        for run in np.unique(schools // self.n_schools).tolist():
            own = schools[schools // self.n_schools == run] - run * self.n_schools
            self.models[run].record_event(kind, own, **counts)

    # --- stepping ------------------------------------------------------------------------------------------
    def step(self) -> None:
        """One tick of every model: the rules batched, except those that reach beyond the joined state this tick
        (:meth:`rules_alone`), which each model runs on its own views in their place in the schedule."""
        alone = self.rules_alone(self.steps + 1)
        for model in self.models:  # Mesa's clock: steps and time, as model.step() moves them, without the rules
            user_step, model._user_step = model._user_step, _nothing
            try:
                model.step()
            finally:
                model._user_step = user_step
        for name, rule in self.rules.items():
            try:
                if name in alone:
                    self._each_alone(rule)
                else:
                    self.rng.rule = name
                    rule(self)
            except Exception as error:
                error.add_note(f"(raised in rule {name!r} at tick {self.steps}, stepping a batch of "
                               f"{len(self.models)} runs)")
                raise
            finally:
                self.rng.rule = None
        _take_back(self.members, self._members_joined)
        _take_back(self.schools, self._schools_joined)
        self._measure()

    def _measure(self) -> None:
        """Every run's measures in one compiled pass over the joined state, then each run takes its rows (its
        network summary computed from them alone, as alone) and, at a year end, judges its year."""
        n, counting = self.n_schools, self.steps > 0
        self.observer.measure(self, self._table, self._summary, False, counting)
        year_end = counting and self.steps % TICKS_PER_YEAR == 0
        if year_end:
            self._judge_years()
        teachers = self.p.teachers_per_school
        for run, model in enumerate(self.models):
            observer = model.observer
            table, summary = observer.series.next_rows()
            table[...] = self._table[:, run * n:(run + 1) * n]
            _summarize(table, summary, teachers)
            observer.observed(model, table, summary, False, counting, year_judged=True)
            model._measured()
            if year_end:  # the judged rows, as each run's observer filled them
                self._table[:, run * n:(run + 1) * n] = table

    def _judge_years(self) -> None:
        """Every run's school year judged at once on the joined observer arrays (``Observer.KEPT`` and
        ``JUDGED``): each step of the judgement is school by school, so each run's is as alone; each run's decays
        and recoveries are logged to it in school order, as its own observer would."""
        counts = np.repeat([model.observer.health_count + 1 for model in self.models], self.n_schools)
        year_mean = self.observer.health_sum / counts  # the count this tick's observation brings the year to
        self.observer.health_sum[:] = 0.0
        changes = self.observer.judge_year(year_mean, self.p, self.steps)
        _take_back(self.observer, self._observer_joined)  # the judgement replaced its runs' counts
        record_changes(self, changes)

    def rules_alone(self, tick: int) -> frozenset[str]:
        """The rules each model runs alone at ``tick``: turnover at a year end (movers are matched within their own
        network, successors drawn from each school's own stream, Mesa agents made), the shocks at a scheduled
        shock's tick and, where the runs differ in whether a rate of :data:`DRAW_GATES` is above 0, at a year start;
        networking in a batch where some runs have links and some none."""
        alone = {"turnover"} if tick % TICKS_PER_YEAR == 0 else set()
        if self._links_apart:
            alone.add("networking")
        if any(getattr(self.p, shock.tick_param) == tick for shock in SHOCKS):
            alone.add("shocks")
        if self._gates_apart and tick % TICKS_PER_YEAR == 1:
            alone.add("shocks")
        return frozenset(alone)

    def _each_alone(self, rule) -> None:
        _take_back(self.members, self._members_joined)
        _take_back(self.schools, self._schools_joined)
        self.settle()
        given = [model.meetings for model in self.models]
        for run, model in enumerate(self.models):
            rule(model)
            _take_back(model.members, self._member_views[run])
            _take_back(model.schools, self._school_views[run])
        if any(model.meetings is not talk for model, talk in zip(self.models, given, strict=True)):
            self.meetings = self._settled = self._joined_meetings()

    def settle(self) -> None:
        """Give each model its own month's conversations (the batch keeps them joined while it steps)."""
        if self.meetings is self._settled:
            return
        n, size, talk = self.n_schools, self.size, self.meetings
        bounds = np.searchsorted(talk.school, np.arange(len(self.models) + 1) * n)
        for run, model in enumerate(self.models):
            lo, hi = bounds[run], bounds[run + 1]
            model.meetings = Meetings(
                a=talk.a[lo:hi] - run * n * size, b=talk.b[lo:hi] - run * n * size,
                school=talk.school[lo:hi] - run * n, depth=talk.depth[lo:hi].copy(),
                attending=talk.attending[run * n:(run + 1) * n].copy(),
                within=None if talk.within is None else talk.within[lo:hi].copy())
        self._settled = talk

    def _joined_meetings(self) -> Meetings:
        n, size, parts = self.n_schools, self.size, [m.meetings for m in self.models]
        within = None if any(t.within is None for t in parts) else np.concatenate([t.within for t in parts])
        return Meetings(a=np.concatenate([t.a + r * n * size for r, t in enumerate(parts)]),
                        b=np.concatenate([t.b + r * n * size for r, t in enumerate(parts)]),
                        school=np.concatenate([t.school + r * n for r, t in enumerate(parts)]),
                        depth=np.concatenate([t.depth for t in parts]),
                        attending=np.concatenate([t.attending for t in parts]), within=within)

    # --- each run's share of a rule's random numbers -----------------------------------------------------
    def per_school(self) -> np.ndarray:
        return np.full((len(self.models), 1), self.n_schools)

    def conversations_per_run(self) -> np.ndarray:
        """How many of the month's conversations are each run's: they are in school order (as :meth:`settle` reads
        them), so each run's are the range between its first school and the next run's."""
        return np.diff(np.searchsorted(self.meetings.school, np.arange(len(self.models) + 1) * self.n_schools))


def _nothing() -> None:
    """Mesa's user step while a batch steps a model's clock: the batch runs the rules."""


class _BatchParams:
    """The runs' parameters as one, with ``n_schools`` the batch's (every rule sizes its arrays by it). A parameter
    that differs between the runs (one of :data:`VARYING`) is an array of each school's run's value (read through
    :func:`simulation.kernels.at`); any other is the runs' common value."""

    def __init__(self, runs: list, n_schools: int):
        self._runs, self._per_run = runs, n_schools
        for param in PARAMETERS:
            values = [getattr(p, param.name) for p in runs]
            same = all(value == values[0] for value in values)
            setattr(self, param.name, values[0] if same else np.repeat(np.asarray(values, dtype=float), n_schools))
        self.n_schools = n_schools * len(runs)

    def joined(self, build):
        """``build`` of each run's parameters (a rule's rates, :func:`simulation.parameters.once_per_params`), as
        one: the first run's where all are equal, else every rate an array of each school's run's value (each
        slot's for the rates of :data:`simulation.kernels.PER_SLOT`; a switch, such as ``induct``, is shared)."""
        parts = [build(p) for p in self._runs]
        if all(part == parts[0] for part in parts):
            return parts[0]
        per_slot = PER_SLOT.get(type(parts[0]), ())
        slots = members_per_school(self._runs[0])
        fields = [values[0] if isinstance(values[0], bool) else
                  np.repeat(np.asarray(values, dtype=float), self._per_run * (slots if name in per_slot else 1))
                  for name, values in zip(parts[0]._fields, zip(*parts, strict=True), strict=True)]
        return type(parts[0])(*fields)


def _join(owners: list, offsets: Mapping[str, int] | None = None) -> tuple:
    """One state object of ``owners``' type with every field joined (:func:`_joined_arrays`), and the views."""
    joined, views = _joined_arrays(owners, [field.name for field in dataclasses.fields(owners[0])], offsets)
    return type(owners[0])(**joined), views


def _joined_arrays(owners: list, paths, offsets: Mapping[str, int] | None = None) -> tuple:
    """The arrays at ``paths`` (attribute paths, ``"decay.state"``) of ``owners`` joined along their first axis,
    by path, with each owner's array made a view of its block (returned per owner). An array in ``offsets`` holds
    school numbers: the joined one adds ``run * offset``, and each owner keeps its own."""
    offsets = offsets or {}
    joined, views = {}, [{} for _ in owners]
    for path in paths:
        parts = [_get(owner, path) for owner in owners]
        if path in offsets:
            joined[path] = np.concatenate([part + run * offsets[path] for run, part in enumerate(parts)])
            continue
        whole = np.concatenate(parts)
        joined[path] = whole
        start = 0
        for run, (owner, part) in enumerate(zip(owners, parts, strict=True)):
            view = whole[start:start + len(part)]
            start += len(part)
            _set(owner, path, view)
            views[run][path] = view
    return joined, views


def _fields(state) -> dict[str, np.ndarray]:
    return {field.name: getattr(state, field.name) for field in dataclasses.fields(state)}


def _take_back(owner, views: dict[str, np.ndarray]) -> None:
    """Copy an array that a rule replaced (rather than wrote in place) at a path of ``views`` back into the array
    there before: after a batched rule, into the joined array every model's view shares; after a model stepped
    alone, into its block of the joined array."""
    for path, view in views.items():
        current = _get(owner, path)
        if current is not view:
            view[...] = current
            _set(owner, path, view)


def _joined_observer(observers: list) -> tuple[Observer, dict[str, np.ndarray], list[dict[str, np.ndarray]]]:
    """An observer of all the runs' schools whose arrays (``Observer.KEPT`` and ``JUDGED``) are joined, each run's
    observer's arrays made views of its block; its table is the runs' last tables side by side. Also the joined
    arrays by path, and each run's views."""
    arrays, views = _joined_arrays(observers, Observer.KEPT + Observer.JUDGED)
    joined = Observer(sum(o.smoothed_learning.size for o in observers))
    for path, whole in arrays.items():
        _set(joined, path, whole)
    joined.table = np.concatenate([o.table for o in observers], axis=1)
    return joined, arrays, views


def _get(owner, path: str):
    if "." not in path:  # most paths (every state field): the year end takes back some 60 a run
        return getattr(owner, path)
    for name in path.split("."):
        owner = getattr(owner, name)
    return owner


def _set(owner, path: str, value) -> None:
    *parents, name = path.split(".")
    setattr(_get(owner, ".".join(parents)) if parents else owner, name, value)


def _dialogue(batch: Batch) -> np.ndarray:
    """Two per sought conversation, then one per active member (``rules.dialogue``)."""
    p, n = batch.p, batch.n_schools
    active = active_per_school(p)
    return np.tile([2 * n * active * p.conversations_per_tick, n * active], (len(batch.models), 1))


def _trust(batch: Batch) -> np.ndarray:
    """Two per conversation of the month (``rules.trust``)."""
    return 2 * batch.conversations_per_run()[:, None]


def _networking(batch: Batch) -> np.ndarray:
    """One per link (``rules.networking``)."""
    return batch.link_counts[:, None]


def _per_school(batch: Batch) -> np.ndarray:
    """One per school (``rules.policy_churn``, ``rules.time_cuts``)."""
    return batch.per_school()


DRAW_LAYOUTS: dict[str, Callable[[Batch], np.ndarray]] = {
    "shocks": _per_school, "dialogue": _dialogue, "trust": _trust, "networking": _networking,
}
"""How many uniforms each run draws when a batched rule draws, by rule: (runs, parts) counts. A run draws the sum
of its row in one call, as alone; the batch's array holds part 0 of every run, then part 1 of every run, ... (the
order the rule's kernel reads its schools in). A rule not named here draws nothing in a batched tick."""


class _Draws:
    """``model.rng`` of a batch: uniforms from each run's own generator, laid out by :data:`DRAW_LAYOUTS`."""

    def __init__(self, generators: list, batch: Batch, layout: Callable[[Batch], np.ndarray] | None = None):
        self.generators, self.batch, self.layout, self.rule = generators, batch, layout, None

    def random(self, size: int) -> np.ndarray:
        layout = self.layout or DRAW_LAYOUTS.get(self.rule)
        counts = layout(self.batch) if layout is not None else np.zeros((len(self.generators), 1), np.int64)
        if int(counts.sum()) != size:
            raise RuntimeError(f"batch: rule {self.rule!r} drew {size} uniforms where its runs' layout in "
                               f"simulation.batch.DRAW_LAYOUTS gives {int(counts.sum())}; update the layout")
        # ``random(out=...)`` fills an array with the numbers ``random(count)`` would return, and a double carries
        # nothing from one call to the next, so a run may draw its count in parts.
        drawn = np.empty(size)
        if counts.shape[1] == 1:
            # One part (trust, networking, shocks): each run's numbers are one block, in run order. Drawn straight
            # into place without the general case's offsets per part, which cost as much as drawing the numbers.
            begin = 0
            for generator, end in zip(self.generators, np.cumsum(counts[:, 0]).tolist(), strict=True):
                generator.random(out=drawn[begin:end])
                begin = end
            return drawn
        if (counts == counts[0]).all():
            # Every run draws the same parts (dialogue): one call a run into a row, then each part copied into
            # place for all runs at once (for runs of one school, half the cost of a call per part).
            rows = np.empty((len(self.generators), int(counts[0].sum())))
            for generator, row in zip(self.generators, rows, strict=True):
                generator.random(out=row)
            begin = column = 0
            for count in counts[0].tolist():
                drawn[begin:begin + rows.shape[0] * count].reshape(rows.shape[0], count)[...] = \
                    rows[:, column:column + count]
                begin, column = begin + rows.shape[0] * count, column + count
            return drawn
        parts = counts.sum(axis=0)  # otherwise each run draws each part straight into its place
        starts = np.cumsum(parts) - parts + np.cumsum(counts, axis=0) - counts  # (runs, parts): where each begins
        for generator, run_starts, run_counts in zip(self.generators, starts.tolist(), counts.tolist(), strict=True):
            for begin, count in zip(run_starts, run_counts, strict=True):
                generator.random(out=drawn[begin:begin + count])
        return drawn
