"""The PLC sustainability model: schools of teachers in a network, on Mesa.

Teachers and support staff talk, learn, trust, engage and leave; principals
distribute leadership, support collaboration, set an inquiry focus and leave
on their own clock; schools keep organizational memory and trade knowledge
with linked schools. Each tick (one school month) runs the rules of
:mod:`simulation.rules` in the order of :data:`simulation.rules.SCHEDULE`, then
measures every school's PLC health (:mod:`simulation.measures`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import mesa
import numpy as np

from simulation import rules as baseline_rules
from simulation.agents import Principal, School, member_agents
from simulation.aggregates import trust_in_team
from simulation.events import Event
from simulation.interventions import Intervention, start_interventions
from simulation.invariants import RuleError, call_checked, resolve_rules, state_shapes
from simulation.measures import NETWORK_MEASURES, Observer
from simulation.parameters import PARAMS_BY_NAME, TICKS_PER_YEAR, ParameterError, Params, suggest
from simulation.presets import preset_params
from simulation.shocks import SHOCKS_BY_NAME
from simulation.state import Meetings, active_per_school, build_links, build_members, build_schools, members_per_school


class PLCModel(mesa.Model):
    """A network of schools whose professional learning communities form, persist or decay.

    Build it from a preset and overrides, or from a :class:`Params`::

        PLCModel(preset="champion-leaves", rng=7, meeting_time=0.4)
        PLCModel(params=my_params, rng=7, rules={"trust": my_trust})
        PLCModel(rng=7, interventions=[Intervention("induction", start_year=3)])

    Attributes:
        p: the validated parameters.
        members, schools: the array-held state (:mod:`simulation.state`).
        links: (E, 2) array of linked schools.
        meetings: this tick's conversations.
        teachers, principals, school_agents: the Mesa agents viewing that state.
        observer: this tick's measures and each school's decay and recovery.
        events: what happened, in plain words.
        parallel_schools: whether the dialogue and trust kernels share the schools among threads (numba
            ``prange``; the results are the same bit for bit). From the keyword, else the environment variable
            ``PLC_SIM_PARALLEL_SCHOOLS`` (1 or 0); off by default: it pays for large networks only.
        interventions: the policy interventions of this run (:mod:`simulation.interventions`), each acting
            at the start of the months it runs, before the processes.
        datacollector: Mesa's DataCollector with the network measures every tick
            (``"network"``, an array in NETWORK_MEASURES order, and each measure by name, see
            :func:`reporter_name`) and a per-school table (``"schools"``, measures x schools); read
            them as tidy frames with ``simulation.network_frame`` and ``simulation.school_frame``.
    """

    def __init__(self, params: Params | None = None, *, preset: str | None = None,
                 rules: Mapping[str, Callable] | None = None, rng: Any = None, seed: Any = None,
                 interventions: Iterable[Intervention] | None = None, parallel_schools: bool | None = None,
                 **overrides: Any):
        if params is None:
            params = preset_params(preset or "baseline", overrides)
        elif not isinstance(params, Params):
            raise ParameterError(f"params: expected a Params (simulation.make_params({{...}})), got "
                                 f"{type(params).__name__}; pass a dict of overrides as keywords instead: "
                                 f"PLCModel(**{{...}}) or PLCModel(params=make_params({{...}}))")
        elif overrides:
            params = params.replace(**overrides)
        rng = _seed_value(rng if rng is not None else seed)
        super().__init__(rng=rng)
        self.p = params
        self.seed_value = rng
        self.rules = resolve_rules(rules)
        self.replaced_rules = frozenset(rules or ())
        self.parallel_schools = parallel_setting() if parallel_schools is None else bool(parallel_schools)
        self.interventions = start_interventions(interventions, params)
        self.events: list[Event] = []
        self.schools = build_schools(params, self.rng)
        self.members = build_members(params, self.rng, self.schools.is_secondary)
        self.links = build_links(params, self.rng)
        # Each school draws its successive principals from its own stream, so runs that differ in anything else
        # (an arm of an experiment) still meet the same k-th principal in each school: common random numbers.
        self.successor_streams = self.rng.spawn(params.n_schools)
        # Budget cuts come from outside the school, whatever happens in it: their own stream, so the arms of an
        # experiment meet the same cuts in the same years.
        self.time_cut_stream = self.rng.spawn(1)[0]
        # Whether a successor dismantles her predecessor's work is drawn apart from who she is, so the k-th successor
        # of a school is the same person whether or not dismantling is switched on.
        self.dismantling_stream = self.rng.spawn(1)[0]
        self.meetings = Meetings.none(params)
        self._init_masks()
        self._next_person = self.members.knowledge.size
        self.members_by_slot = member_agents(self, np.arange(self.members.knowledge.size))
        self.principals = [Principal(self, school) for school in range(params.n_schools)]
        self.school_agents = [School(self, school) for school in range(params.n_schools)]
        self.schools.shared_focus[:] = self.schools.principal_focus
        baseline_rules.assign_leader_roles(self)
        baseline_rules.leadership(self)
        self.rules["dialogue"](self)  # a first month's talk, so that tick 0 observes the starting community
        self.observer = Observer(params.n_schools)
        self.datacollector = SeriesCollector(self.observer.series, self._reporters())
        self._measure()

    def _init_masks(self) -> None:
        p, m = self.p, self.members
        self.active_mask = (m.local < active_per_school(p))
        self.active_slots = np.flatnonzero(self.active_mask)
        self.expected_shapes = state_shapes(self)

    def _reporters(self) -> dict[str, Callable]:
        # One named reporter per network measure too, so that mesa.batch_run returns labelled columns; a measure
        # that shares a parameter's name is reported as mean_NAME, or batch_run would write it over the parameter.
        named = {reporter_name(name): (lambda model, i=i: float(model.network_table[i]))
                 for i, name in enumerate(NETWORK_MEASURES)}
        return {"network": lambda model: model.network_table, "schools": lambda model: model.observer.table, **named}

    # --- the schedule ------------------------------------------------------
    def step(self) -> None:
        """Run one tick: the interventions running this month, every process of the schedule in order, then
        measure."""
        for intervention in self.interventions:
            intervention.step(self)
        for name, rule in self.rules.items():
            replaced = name in self.replaced_rules
            try:
                if replaced:
                    call_checked(self, name, rule)
                else:
                    rule(self)
            except RuleError:
                raise
            except Exception as error:
                error.add_note(f"(raised in rule {name!r} at tick {self.steps}"
                               + (", a replacement passed with rules=)" if replaced else ")"))
                raise
        self._measure()

    def _measure(self) -> None:
        self.observer.observe(self)
        self._measured()

    def _measured(self) -> None:
        """Take the observer's rows of this tick as the model's (the network row, the collector's tick)."""
        self.network_table = self.observer.network_table
        self.datacollector.collect(self)

    # --- live shocks (the app's buttons) -----------------------------------
    def trigger_shock(self, name: str, schools: Any = None) -> None:
        """Apply shock ``name`` (see ``simulation.shocks.SHOCKS``) now, to ``schools`` (0-based) or all schools."""
        if name not in SHOCKS_BY_NAME:
            raise ValueError(f"shock: {name!r} is not a shock{suggest(name, SHOCKS_BY_NAME)}; "
                             f"choose one of {', '.join(SHOCKS_BY_NAME)}")
        SHOCKS_BY_NAME[name].apply(self, self._school_numbers(schools))

    def _school_numbers(self, schools: Any) -> np.ndarray:
        """``schools`` as an array of school numbers, refusing anything outside 0..n_schools-1 in one line."""
        last = self.p.n_schools - 1
        if schools is None:
            return np.arange(self.p.n_schools)
        numbers = np.atleast_1d(np.asarray(schools))
        if numbers.dtype == bool or not np.issubdtype(numbers.dtype, np.integer):
            raise ValueError(f"schools: {schools!r} is not allowed; expected school numbers from 0 to {last}")
        if numbers.size and (numbers.min() < 0 or numbers.max() > last):
            raise ValueError(f"schools: {numbers.tolist()!r} is not allowed; schools are numbered from 0 to {last} "
                             "(counting from 0; negative numbers do not count from the end)")
        return numbers.astype(np.int64)

    # --- views used by rules, agents and the app ---------------------------
    @property
    def network_now(self) -> dict[str, float]:
        """This tick's network measures by name (``simulation.measures.NETWORK_MEASURES``)."""
        return dict(zip(NETWORK_MEASURES, self.network_table.tolist(), strict=True))

    @property
    def year(self) -> int:
        """Whole school years completed."""
        return self.steps // TICKS_PER_YEAR

    def trust_in_team(self) -> np.ndarray:
        """Each member's mean trust in the colleagues of her team (0 for those outside any team)."""
        return trust_in_team(self.members.trust, self.members.same_team)

    def school_members(self, school: int) -> list:
        """The member agents of ``school``, teachers first."""
        size = members_per_school(self.p)
        return self.members_by_slot[school * size:(school + 1) * size]

    @property
    def teachers(self) -> list:
        return [a for a in self.members_by_slot if self.members.is_teacher[a.slot]]

    # --- bookkeeping called by rules ---------------------------------------
    def new_person_ids(self, count: int) -> np.ndarray:
        """Fresh ids for ``count`` newcomers."""
        first = self._next_person
        self._next_person += count
        return np.arange(first, first + count)

    def members_replaced(self, slots: np.ndarray, cause: str) -> None:
        """Log how many teachers left each school from ``slots``; the newcomers are already in the arrays."""
        teachers = slots[self.members.is_teacher[slots]]
        counts = np.bincount(self.members.school[teachers], minlength=self.p.n_schools)
        schools = np.flatnonzero(counts)
        tick, of = self.steps, self.p.teachers_per_school
        # the events record_event would log, made at once: one by one they were a sixth of a year end's turnover
        self.events += [Event(tick, "teachers_left", (school,), count, of, cause)
                        for school, count in zip(schools.tolist(), counts[schools].tolist(), strict=True)]

    def principals_replaced(self, schools: np.ndarray) -> None:
        """Swap in a new Principal agent for each school in ``schools`` and log it."""
        for school in schools:
            self.principals[school].remove()
            self.principals[school] = Principal(self, school)
        self.record_event("principal_left", schools)

    def record_event(self, kind: str, schools, **counts: Any) -> None:
        """Log an :class:`~simulation.events.Event` of ``kind`` for ``schools`` (school numbers) at this tick."""
        if len(schools):
            self.events.append(Event(self.steps, kind, tuple(map(int, schools)), **counts))


class SeriesCollector(mesa.DataCollector):
    """Mesa's DataCollector over the observer's series: ``model_vars`` (and so ``get_model_vars_dataframe`` and
    ``mesa.batch_run``) read the same values a reporter per measure would have collected, but the values are
    written once, by the observer's compiled pass, into arrays (:class:`simulation.measures.Series`) instead of
    being copied out of the model by some 30 reporters every tick (a tenth of a tick at the default size)."""

    def __init__(self, series, model_reporters: dict[str, Callable]):
        super().__init__()
        self.model_reporters = dict(model_reporters)  # what each column is; collect does not call them
        self._series = series

    @property
    def model_vars(self) -> dict[str, list]:
        """Every collected tick by reporter: ``network`` and ``schools`` as read-only arrays per tick, each named
        network measure as floats."""
        network = self._series.network_rows()
        return {"network": list(network), "schools": list(self._series.school_tables()),
                **{reporter_name(name): network[:, i].tolist() for i, name in enumerate(NETWORK_MEASURES)}}

    @model_vars.setter
    def model_vars(self, value) -> None:
        if value:  # Mesa's __init__ sets an empty dict; anything else would be lost
            raise AttributeError("SeriesCollector.model_vars is read from the observer's series")

    def collect(self, model) -> None:
        """Note the time of the tick the observer has just written into the series."""
        self._collection_steps.append(model.time)


_kernels_loaded = False


def load_kernels() -> None:
    """Load every compiled kernel into this process (from numba's cache, or compiling it) by running a small model
    for a year, once per process.

    A process that starts workers calls it first, so that workers forked from it start with the kernels loaded:
    otherwise each worker of each pool loads them on its first run, about a second (validation starts one pool per
    pattern).
    """
    global _kernels_loaded
    if not _kernels_loaded:
        model = PLCModel(rng=0, n_schools=2, teachers_per_school=6)
        for _ in range(TICKS_PER_YEAR + 1):
            model.step()
        _kernels_loaded = True


PARALLEL_VARIABLE = "PLC_SIM_PARALLEL_SCHOOLS"


def parallel_setting() -> bool:
    """Whether ``PLC_SIM_PARALLEL_SCHOOLS`` asks for the parallel kernels (1, true, yes, on; unset is off)."""
    text = os.environ.get(PARALLEL_VARIABLE, "").strip().lower()
    if text in ("", "0", "false", "no", "off"):
        return False
    if text in ("1", "true", "yes", "on"):
        return True
    raise ParameterError(f"{PARALLEL_VARIABLE}: {text!r} is not allowed; expected 1 or 0 (true or false)")


def reporter_name(measure: str) -> str:
    """The DataCollector's (and ``mesa.batch_run``'s) name for a network measure."""
    return f"mean_{measure}" if measure in PARAMS_BY_NAME else measure


def _seed_value(seed: Any) -> Any:
    """Accept an int, None, or a numeric string (Solara's seed box sends text; mesa issue 3516)."""
    if isinstance(seed, str):
        text = seed.strip()
        if not text.lstrip("-").isdigit():
            raise ValueError(f"rng: {seed!r} is not a whole-number seed")
        return int(text)
    return seed
