"""Time as the room says it: a school year and a calendar month ("Year 2, March"), never a count of ticks.

The one wording of time for every page and export (the app, the workshop's phones and projector, CSVs, saved
sessions), so it lives with the model, below every layer that speaks to a room.

One tick of the model is one teaching month and :data:`~simulation.parameters.TICKS_PER_YEAR` of them make a
school year; the app reads them as the months of a school year that starts in September (ten teaching months,
September to June, as in most of Europe and North America). Tick 0 is the state before the first month.
"""

from __future__ import annotations

from simulation.parameters import TICKS_PER_YEAR

FIRST_MONTH = "September"
"""The month a school year starts in."""

_CALENDAR = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
             "November", "December")
_START = _CALENDAR.index(FIRST_MONTH)

SCHOOL_MONTHS: tuple[str, ...] = tuple(_CALENDAR[(_START + k) % 12] for k in range(TICKS_PER_YEAR))
"""The months of a school year in order: the month of each tick within its year."""

START = "Start of the run"
"""What the page says before the first month."""


def school_time(tick: int) -> str:
    """'Year 2, March' for the month ``tick`` (counted from 1); :data:`START` for tick 0."""
    if tick <= 0:
        return START
    year, month = divmod(tick - 1, TICKS_PER_YEAR)
    return f"Year {year + 1}, {SCHOOL_MONTHS[month]}"


def in_sentence(tick: int) -> str:
    """:func:`school_time` inside a sentence: 'year 2, March', 'the start of the run'."""
    return "the start of the run" if tick <= 0 else "y" + school_time(tick)[1:]

