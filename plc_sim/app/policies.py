"""Policies the room switches on mid-run: the model's declared interventions, started "from now on".

The kinds, their meaning, sources and arguments are those of :data:`simulation.interventions.INTERVENTIONS`;
this module only starts and stops them in a running model. A model schedules an intervention by school year;
the room starts one in the middle of a year, so :class:`FromNow` is the same intervention with its first (and,
once stopped, last) month given directly: it runs from the month after the click, for all schools or one. Its
start and end are the model's own events (``intervention_start``, ``intervention_end``), so the log tells them
like shocks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from plc_sim.app.settings import value_words
from simulation.calendar import in_sentence
from simulation.events import school_phrase
from simulation.interventions import INTERVENTIONS, Intervention, start_interventions


@dataclass(frozen=True)
class FromNow(Intervention):
    """An intervention that runs from month ``first`` to month ``last`` (for good while ``last`` is infinite)."""

    first: int = 1
    last: float = math.inf

    @property
    def first_tick(self) -> int:
        return self.first

    @property
    def last_tick(self) -> float:
        return self.last


def start_policy(model, name: str, schools: tuple[int, ...] | None) -> bool:
    """Start intervention ``name`` for ``schools`` (0-based; all when None) from the next month, with its declared
    arguments; False if the same policy already runs there."""
    if name not in INTERVENTIONS or _running(model, name, schools) is not None:
        return False
    plan = FromNow(name, schools=schools, first=model.steps + 1)
    model.interventions = (*model.interventions, *start_interventions([plan], model.p))
    return True


def stop_policy(model, name: str, schools: tuple[int, ...] | None) -> bool:
    """Stop policy ``name`` for ``schools`` after this month (it undoes what its declaration undoes at its end);
    False if it was not running there."""
    running = _running(model, name, schools)
    if running is None:
        return False
    plan = running.intervention
    if plan.first > model.steps:  # stopped before its first month: it never began
        model.interventions = tuple(r for r in model.interventions if r is not running)
    else:
        running.intervention = replace(plan, last=model.steps)
    return True


def _running(model, name: str, schools: tuple[int, ...] | None):
    """The room's policy ``name`` running for exactly ``schools``, if any."""
    for running in model.interventions:
        plan = running.intervention
        if isinstance(plan, FromNow) and plan.name == name and plan.schools == schools and plan.last == math.inf:
            return running
    return None


@dataclass(frozen=True)
class PolicyView:
    """A running policy as the page shows it."""

    name: str
    label: str
    schools: tuple[int, ...] | None
    where: str
    since: str


def running_policies(model) -> tuple[PolicyView, ...]:
    """The policies the room started and has not stopped, in the order they were started."""
    n = model.p.n_schools
    return tuple(PolicyView(plan.name, INTERVENTIONS[plan.name].label, plan.schools,
                            school_phrase(range(n) if plan.schools is None else plan.schools, n),
                            in_sentence(plan.first))
                 for plan in (running.intervention for running in model.interventions)
                 if isinstance(plan, FromNow) and plan.last == math.inf)


def policy_help(name: str) -> str:
    """A policy's declared meaning, its arguments as the room reads them, and its source."""
    kind = INTERVENTIONS[name]
    arguments = " ".join(f"{arg.meaning}: {value_words(arg, arg.default)}." for arg in kind.arguments)
    return f"{kind.meaning}. {arguments} Source: {kind.source}."

