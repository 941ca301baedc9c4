"""What a change in PLC health was made of: the measures behind it that moved most, in words.

PLC health is the mean of Hord's five dimensions; trust, knowledge and engagement are states of the staff
behind them. The phones say why their school's health moved in the last school year
(:func:`why_sentence`), and the app's compare mode says what a gap between two runs was made of, both from
:func:`moved_most` over :data:`MEASURE_WORDS`.
"""

from __future__ import annotations

from collections.abc import Mapping

from simulation.measures import DIMENSION_LABELS, DIMENSIONS

MEASURE_WORDS: dict[str, str] = {
    **{name: DIMENSION_LABELS[name].lower() for name in DIMENSIONS},
    "trust": "trust between colleagues",
    "knowledge": "knowledge and practice",
    "engagement": "engagement",
}
"""The measures a change of PLC health is broken down into, in words."""

MOVED_AT_LEAST = 0.5
"""Percentage points a measure must have moved to be named."""


def moved_most(then: Mapping[str, float], now: Mapping[str, float], most: int = 2) -> list[tuple[str, float]]:
    """The ``most`` measures of :data:`MEASURE_WORDS` that moved most from ``then`` to ``now`` (shares), in words
    and percentage points, largest first; measures that moved less than :data:`MOVED_AT_LEAST` are left out."""
    moved = {name: 100 * (now[name] - then[name]) for name in MEASURE_WORDS}
    ranked = sorted(moved.items(), key=lambda item: -abs(item[1]))
    return [(MEASURE_WORDS[name], points) for name, points in ranked[:most] if abs(points) >= MOVED_AT_LEAST]


def why_sentence(then: Mapping[str, float], now: Mapping[str, float]) -> str:
    """Why one school's health moved over the last year (its measures as shares a year ago and now, with
    ``health``), in one sentence with the three measures that moved most: 'Your school's health fell 5 points
    over the last year: trust between colleagues fell 6 points, shared personal practice fell 4 and engagement
    rose 2.'"""
    moves = moved_most(then, now, most=3)
    if not moves:
        return "Over the last year nothing behind your school's health moved by half a point or more."
    said = [f"{name} {'rose' if value > 0 else 'fell'} {_amount(value)}" for name, value in moves]
    said[0] += " points"
    listed = said[0] if len(said) == 1 else ", ".join(said[:-1]) + f" and {said[-1]}"
    health = 100 * (now["health"] - then["health"])
    return (f"Your school's health {'rose' if health >= 0 else 'fell'} {_amount(health)} points over the last "
            f"year: {listed}.")


def _amount(points: float) -> str:
    """Whole points, or one decimal below one point (so a named measure never reads as 0)."""
    return f"{abs(points):.0f}" if abs(points) >= 1 else f"{abs(points):.1f}"
