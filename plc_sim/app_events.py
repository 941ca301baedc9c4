"""The event log in plain words, for a room of teachers and principals.

The model logs :class:`~simulation.model.Event` records, one per school and
kind; the room wants one sentence per moment: "Year 2, month 3: the principal
of School 3 left; a successor arrived", "End of year 2: 97 of 800 teachers
left their schools (most from School 3: 9 of 40)". Schools are numbered from
1 on screen (the data files count from 0).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import groupby

from simulation.parameters import TICKS_PER_YEAR, Params

_LEFT = re.compile(r"^(\d+) of (\d+) teachers left at (.+)$")


@dataclass(frozen=True)
class LogLine:
    """One sentence of the log: when it happened (tick), what kind of event, and the words."""

    tick: int
    kind: str
    text: str


def when(tick: int) -> str:
    """'Year 2, month 3' for a tick; the last month of a year reads 'End of year 2'."""
    if tick <= 0:
        return "Before the first month"
    year, month = divmod(tick - 1, TICKS_PER_YEAR)
    if month == TICKS_PER_YEAR - 1:
        return f"End of year {year + 1}"
    return f"Year {year + 1}, month {month + 1}"


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


def describe_events(events: Iterable, params: Params) -> list[LogLine]:
    """One plain sentence per (tick, kind) group of ``events``, oldest first."""
    lines = []
    for (tick, kind), group in groupby(events, key=lambda e: (e.tick, e.kind)):
        group = list(group)
        lines.append(LogLine(tick, kind, f"{when(tick)}: {_sentence(kind, group, params)}"))
    return lines


def _sentence(kind: str, group: list, p: Params) -> str:
    schools = [s for event in group for s in event.schools]
    where = school_phrase(schools, p.n_schools)
    many = len(set(schools)) > 1
    if kind == "teachers_left":
        return _teachers_left(group, p)
    if kind == "principal_left":
        return (f"the principals of {where} left; successors arrived" if many
                else f"the principal of {where} left; a successor arrived")
    if kind == "decay":
        rule = f"PLC health below {p.decay_threshold:g} for {p.decay_span} months"
        return f"the communities of {where} decayed ({rule})" if many else f"the community of {where} decayed ({rule})"
    if kind == "recovery":
        rule = f"PLC health back above {p.decay_threshold:g} for {p.decay_span} months"
        return (f"the communities of {where} recovered ({rule})" if many
                else f"the community of {where} recovered ({rule})")
    if kind == "budget_cut":
        return f"a budget cut removed {100 * p.budget_cut_size:.0f}% of the meeting time in {where}"
    if kind == "policy_focus":
        return f"a new policy replaced the principals' focus and added workload in {where}"
    return "; ".join(dict.fromkeys(event.text for event in group)) + f" ({where})"


def _teachers_left(group: list, p: Params) -> str:
    """'4 of 40 teachers left School 2', or a total with the hardest-hit school."""
    parsed = [(event.schools[0], _LEFT.match(event.text)) for event in group]
    if not all(match for _, match in parsed):  # the model's wording changed: fall back to its own text
        return "; ".join(f"{school_phrase(e.schools, p.n_schools)}: {e.text}" for e in group)
    counts = {school: int(match[1]) for school, match in parsed}
    size, reason = int(parsed[0][1][2]), parsed[0][1][3]
    wave = not reason.startswith("the end of")  # a shock, e.g. "a turnover wave"
    if len(counts) == 1:
        (school, count), = counts.items()
        return f"{reason}: {count} of {size} teachers left School {school + 1}" if wave else (
            f"{count} of {size} teachers left School {school + 1}")
    worst = max(counts, key=lambda s: (counts[s], -s))
    most = f"(most from School {worst + 1}: {counts[worst]} of {size})"
    if wave:  # schools where no one left have no event, so give no denominator
        return f"{reason}: {sum(counts.values())} teachers left {school_phrase(counts, p.n_schools)} {most}"
    return f"{sum(counts.values())} of {size * p.n_schools} teachers left their schools {most}"
