"""Policy interventions: what a district can do, scheduled in time and aimed at chosen schools.

Each kind of intervention is declared once in :data:`INTERVENTIONS` (:mod:`simulation.intervention_kinds`, as
parameters are in :mod:`simulation.parameters`): a name, its meaning in words, the literature it rests on, and bounded
arguments (:class:`~simulation.parameters.Param`) with defaults and allowed ranges. An
:class:`Intervention` is one use of a kind: its arguments, the school years it runs (``start_year`` to
``end_year``, counted from 1 as the event log counts them) and the schools it reaches (0-based; all
schools when ``None``). Pass them to the model: ``PLCModel(rng=1, interventions=[Intervention(
"induction", start_year=3)])`` (the pattern of covasim's interventions). On the command line and in specs
an intervention is written ``NAME[:arg=value,...][@START[-END]][#SCHOOLS]`` with schools counted from 1,
e.g. ``protected_time:level=0.8@3-6#1-4`` (:func:`parse_intervention`).

The model calls each intervention at the start of every month, before its processes (ODD 7.0). An
intervention acts only on the model's per-school state arrays (``schools.meeting_time``,
``schools.distribution``, ``schools.shared_focus``, ``schools.memory``, principal traits, ``links``) and on
newcomers' ties and knowledge; its only randomness is the model's generator; its start and end are logged
as events (``intervention_start``, ``intervention_end``). Nothing happens before its first month.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from simulation.intervention_kinds import INTERVENTIONS, InterventionKind
from simulation.parameters import PARAMS_BY_NAME, TICKS_PER_YEAR, ParameterError, Params, suggest

__all__ = ["INTERVENTIONS", "SYNTAX_HELP", "Intervention", "InterventionKind", "Running", "parse_intervention",
           "start_interventions"]

MAX_YEAR = 10_000
"""The latest school year an intervention may name."""


@dataclass(frozen=True)
class Intervention:
    """One scheduled use of an intervention kind (see the module docstring); validated on creation."""

    name: str
    args: Mapping[str, Any] = field(default_factory=dict)
    start_year: int = 1
    end_year: int | None = None
    schools: tuple[int, ...] | None = None

    def __post_init__(self) -> None:
        if self.name not in INTERVENTIONS:
            raise ParameterError(f"intervention: {self.name!r} is unknown{suggest(self.name, INTERVENTIONS)}; "
                                 f"choose one of {', '.join(INTERVENTIONS)}")
        kind = INTERVENTIONS[self.name]
        try:
            given = {name: kind.argument(name).coerce(value) for name, value in dict(self.args).items()}
        except ParameterError as error:
            message = str(error)
            raise ParameterError(message if message.startswith("intervention") else
                                 f"intervention {self.name}: {message}") from None
        object.__setattr__(self, "args", {p.name: given.get(p.name, p.default) for p in kind.arguments})
        if not (isinstance(self.start_year, int) and 1 <= self.start_year <= MAX_YEAR):
            raise ParameterError(f"intervention {self.name}: start year {self.start_year!r} is not allowed; "
                                 f"expected a whole year from 1 to {MAX_YEAR}")
        if self.end_year is not None and not (isinstance(self.end_year, int)
                                              and self.start_year <= self.end_year <= MAX_YEAR):
            raise ParameterError(f"intervention {self.name}: end year {self.end_year!r} is not allowed; "
                                 f"expected a whole year from {self.start_year} to {MAX_YEAR}")
        if self.schools is not None:
            schools = tuple(sorted({int(s) for s in self.schools}))
            if not schools or schools[0] < 0:
                raise ParameterError(f"intervention {self.name}: schools must be a non-empty list of school numbers")
            object.__setattr__(self, "schools", schools)

    @property
    def kind(self) -> InterventionKind:
        return INTERVENTIONS[self.name]

    @property
    def first_tick(self) -> int:
        """The first month it runs."""
        return (self.start_year - 1) * TICKS_PER_YEAR + 1

    @property
    def last_tick(self) -> float:
        """The last month it runs (infinite when it never ends)."""
        return float("inf") if self.end_year is None else self.end_year * TICKS_PER_YEAR

    def text(self) -> str:
        """The intervention in the command-line syntax, with every argument (schools counted from 1)."""
        args = ",".join(f"{name}={value}" for name, value in self.args.items())
        years = f"@{self.start_year}" + ("" if self.end_year is None else f"-{self.end_year}")
        schools = "" if self.schools is None else "#" + ",".join(str(s + 1) for s in self.schools)
        return f"{self.name}:{args}{years}{schools}" if args else f"{self.name}{years}{schools}"


class Running:
    """An intervention inside one model: when it acts, on which schools, and what it remembers between months."""

    def __init__(self, intervention: Intervention, params: Params):
        self.intervention = intervention
        self.args = intervention.args
        schools = intervention.schools
        if schools is not None and schools[-1] >= params.n_schools:
            raise ParameterError(f"intervention {intervention.name}: school {schools[-1] + 1} does not exist; "
                                 f"schools are numbered 1 to {params.n_schools}")
        self.hit = np.arange(params.n_schools) if schools is None else np.array(schools, dtype=np.int64)
        self.memo: dict[str, Any] = {}

    def step(self, model) -> None:
        """Act in this month (``model.steps``) if the intervention runs now; log its start and end."""
        tick, plan, kind = model.steps, self.intervention, self.intervention.kind
        if tick == plan.first_tick:
            model.record_event("intervention_start", self.hit, cause=plan.name)
            if kind.begin is not None:
                kind.begin(model, self)
        if plan.first_tick <= tick <= plan.last_tick:
            kind.act(model, self)
        elif tick == plan.last_tick + 1:
            if kind.finish is not None:
                kind.finish(model, self)
            model.record_event("intervention_end", self.hit, cause=plan.name)


def start_interventions(interventions: Iterable[Intervention] | None, params: Params) -> tuple[Running, ...]:
    """Fresh running copies of ``interventions`` for one model (each model keeps its own memory of them)."""
    interventions = tuple(interventions or ())
    for item in interventions:
        if not isinstance(item, Intervention):
            raise ParameterError(f"interventions: {item!r} is not an Intervention; see simulation.interventions")
    return tuple(Running(item, params) for item in interventions)


# --- text syntax ------------------------------------------------------------------------------------------------

_SYNTAX = re.compile(r"^(?P<name>[a-z_]+)(?::(?P<args>[^@#]*))?(?:@(?P<start>\d+)(?:-(?P<end>\d+))?)?"
                     r"(?:#(?P<schools>[\d,\-\s]+))?$")
SYNTAX_HELP = "NAME[:arg=value,...][@START[-END]][#SCHOOLS], e.g. protected_time:level=0.8@3-6#1-4"


def parse_intervention(text: str, *, ticks: int | None = None, n_schools: int | None = None) -> Intervention:
    """Parse ``NAME[:arg=value,...][@START[-END]][#SCHOOLS]`` (years and schools counted from 1).

    With ``ticks`` (the run's length) its years must fall within the run; with ``n_schools`` its schools must be
    in the network. The command line, specs' ``[levers]`` and the workers all parse here, so all get the checks.
    """
    where = f"--intervention {text!r}"
    odd = next((c for c in text if not c.isascii()), None)
    if odd is not None:  # Python's int() reads other scripts' digits ('١' is 1): refuse them rather than guess
        raise ParameterError(f"{where}: {odd!r} is not allowed; write it with ASCII letters and the digits 0-9, "
                             f"e.g. {SYNTAX_HELP.partition('e.g. ')[2]}")
    match = _SYNTAX.match(text.strip())
    if match is None:
        raise ParameterError(f"{where}: expected {SYNTAX_HELP}")
    args = {}
    for pair in filter(None, (part.strip() for part in (match["args"] or "").split(","))):
        name, sep, value = pair.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise ParameterError(f"{where}: argument {pair!r} is not name=value")
        if name.strip() in args:
            raise ParameterError(f"{where}: argument {name.strip()!r} is given twice; give each argument once")
        args[name.strip()] = value.strip()
    start = int(match["start"]) if match["start"] else 1
    end = int(match["end"]) if match["end"] else None
    schools = None if match["schools"] is None else tuple(s - 1 for s in _numbers(match["schools"], text))
    intervention = Intervention(match["name"], args, start, end, schools)
    if ticks is not None:
        last = -(-ticks // TICKS_PER_YEAR)  # the run's last school year, counting one it only begins
        for what, year in (("start", start), ("end", end)):
            if year is not None and year > last:
                raise ParameterError(f"{where}: {what} year {year} is outside the run ({ticks} ticks: school years "
                                     f"1 to {last}); expected a year from 1 to {last}")
    if n_schools is not None and schools is not None and max(schools) >= n_schools:
        raise ParameterError(f"{where}: school {max(schools) + 1} is outside the network; schools are numbered "
                             f"1 to {n_schools}")
    return intervention


def _numbers(text: str, whole: str) -> list[int]:
    """'1,3-5' -> [1, 3, 4, 5]."""
    numbers = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        low, _, high = part.partition("-")
        if (not low.isdigit() or (high and not high.isdigit()) or int(low) < 1 or int(high or low) < int(low)
                or int(high or low) > PARAMS_BY_NAME["n_schools"].high):
            raise ParameterError(f"--intervention {whole!r}: schools {text!r} are not school numbers from 1 "
                                 "(e.g. #1,3-5)")
        numbers.extend(range(int(low), int(high or low) + 1))
    if not numbers:
        raise ParameterError(f"--intervention {whole!r}: no schools after '#'")
    return numbers
