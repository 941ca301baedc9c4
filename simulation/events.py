"""What happened in a run, as structured records, and the one place that puts them into words.

Rules and measures log :class:`Event` records (kind, schools, counts): data that tables and charts can use
without parsing text. :func:`describe_events` turns them into one plain sentence per moment for a room of
teachers and principals: "Year 2, November: the principal of School 3 left; a successor arrived", "Year 2,
June: 97 of 800 teachers left their schools (most from School 3: 9 of 40)". The month is worded by
:func:`simulation.calendar.school_time`, as on every page and export. Schools are numbered from 1 in words (the
data count from 0).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import groupby

from simulation.calendar import school_time
from simulation.parameters import Params

EVENT_KINDS = ("teachers_left", "principal_left", "decay", "recovery", "budget_cut", "policy_focus",
               "new_initiative", "intervention_start", "intervention_end")
"""Every kind of event the model logs."""

CAUSES = {"year_end": "the end of the year", "turnover_wave": "a turnover wave"}
"""Why teachers left, as a cause code and in words."""

RECURRING_CUT = "time_cuts"
"""The cause of a ``budget_cut`` event that one of the recurring cuts of ``time_cut_rate`` logged (the rule's name);
the budget-cut shock logs none. The two have sizes of their own (``time_cut_size``, ``budget_cut_size``)."""


@dataclass(frozen=True)
class Event:
    """Something that happened at ``tick`` to ``schools`` (0-based).

    For ``teachers_left`` (one event per school), ``count`` teachers of ``of`` left because of ``cause``
    (a key of :data:`CAUSES`); for ``intervention_start`` and ``intervention_end``, ``cause`` names the
    intervention; for ``budget_cut``, ``cause`` is :data:`RECURRING_CUT` for a recurring cut and empty for the
    shock; other kinds leave them at their defaults.
    """

    tick: int
    kind: str
    schools: tuple[int, ...]
    count: int = 0
    of: int = 0
    cause: str = ""

    def as_row(self, params: Params) -> dict:
        """A flat row for an events table, with the event in words."""
        return {"tick": self.tick, "kind": self.kind, "schools": list(self.schools), "count": self.count,
                "of": self.of, "cause": self.cause, "text": _sentence(self.kind, [self], params)}


@dataclass(frozen=True)
class LogLine:
    """One sentence of the log: when it happened (tick), what kind of event, and the words."""

    tick: int
    kind: str
    text: str


def when(tick: int) -> str:
    """'Year 2, November' for a tick: :func:`simulation.calendar.school_time`, the one wording of time."""
    return school_time(tick)


def school_phrase(schools: Iterable[int], n_schools: int) -> str:
    """'School 3', 'Schools 2 and 5', '7 schools' or 'all 20 schools' for 0-based school indices."""
    numbers = sorted({s + 1 for s in schools})
    if len(numbers) == 1:
        return f"School {numbers[0]}"
    if len(numbers) == n_schools:
        return f"all {n_schools} schools"
    if len(numbers) <= 4:
        return "Schools " + ", ".join(map(str, numbers[:-1])) + f" and {numbers[-1]}"
    return f"{len(numbers)} schools"


_BY_CAUSE = ("intervention_start", "intervention_end", "budget_cut")
"""Kinds worded once per cause: two interventions starting in one month are two sentences, each with its schools."""


def describe_events(events: Iterable[Event], params: Params) -> list[LogLine]:
    """One plain sentence per (tick, kind) group of ``events`` (and per intervention), oldest first."""
    lines = []
    key = lambda e: (e.tick, e.kind, e.cause if e.kind in _BY_CAUSE else "")  # noqa: E731
    for (tick, kind, _), group in groupby(events, key=key):
        group = list(group)
        lines.append(LogLine(tick, kind, f"{when(tick)}: {_sentence(kind, group, params)}"))
    return lines


def _sentence(kind: str, group: list[Event], p: Params) -> str:
    schools = [s for event in group for s in event.schools]
    where = school_phrase(schools, p.n_schools)
    many = len(set(schools)) > 1
    if kind == "teachers_left":
        return _teachers_left(group, p)
    if kind == "principal_left":
        return (f"the principals of {where} left; successors arrived" if many
                else f"the principal of {where} left; a successor arrived")
    if kind == "decay":
        rule = f"its yearly PLC health below the initiating stage ({p.initiating_level:.0%}) for {_years(p.decay_span)}"
        return (f"the communities of {where} decayed (each: {rule})" if many
                else f"the community of {where} decayed ({rule})")
    if kind == "recovery":
        rule = f"its yearly PLC health back at the implementing stage ({p.implementing_level:.0%}) for " \
               f"{_years(p.decay_span)}"
        return (f"the communities of {where} re-formed (each: {rule})" if many
                else f"the community of {where} re-formed ({rule})")
    if kind == "budget_cut":  # one cause per sentence (describe_events): a shock and a recurring cut differ in size
        size = p.time_cut_size if group[0].cause == RECURRING_CUT else p.budget_cut_size
        return f"a budget cut removed {100 * size:.0f}% of the meeting time in {where}"
    if kind in ("intervention_start", "intervention_end"):  # cause: the intervention's name
        from simulation.interventions import INTERVENTIONS
        label = INTERVENTIONS[group[0].cause].label  # one intervention per sentence (describe_events)
        return f"{label} {'began' if kind == 'intervention_start' else 'ended'} in {where}"
    if kind == "policy_focus":
        return f"a new policy replaced the principals' focus and added workload in {where}"
    if kind == "new_initiative":
        return (f"{'new outside initiatives' if many else 'a new outside initiative'} added workload and "
                f"displaced {100 * p.initiative_displacement:.0f}% of the routines and shared focus in {where}")
    return f"{kind.replace('_', ' ')} ({where})"


def _years(count: int) -> str:
    return "a year" if count == 1 else f"{count} years"


def _teachers_left(group: list[Event], p: Params) -> str:
    """'4 of 40 teachers left School 2', or a total with the hardest-hit school."""
    counts = {event.schools[0]: event.count for event in group}
    size, cause = group[0].of, group[0].cause
    wave = cause != "year_end"  # a shock, e.g. a turnover wave
    reason = CAUSES.get(cause, cause.replace("_", " "))
    if len(counts) == 1:
        (school, count), = counts.items()
        return f"{reason}: {count} of {size} teachers left School {school + 1}" if wave else (
            f"{count} of {size} teachers left School {school + 1}")
    worst = max(counts, key=lambda s: (counts[s], -s))
    most = f"(most from School {worst + 1}: {counts[worst]} of {size})"
    if wave:  # schools where no one left have no event, so give no denominator
        return f"{reason}: {sum(counts.values())} teachers left {school_phrase(counts, p.n_schools)} {most}"
    return f"{sum(counts.values())} of {size * p.n_schools} teachers left their schools {most}"
