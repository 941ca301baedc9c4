"""Compare mode: one scenario and one change to it, run on the same random numbers.

A :class:`WhatIf` is a single change: a parameter lever, one of the model's policy interventions running from
the first month, or a rule variant (a rule's declared alternative, e.g. ``memory_rule``). Run B is run A with
that one change, built from the same seed (common random numbers: each school meets the same principals and
the same draws), so a difference between the runs is the change's doing, not luck and not a second change
hidden in another preset.

:data:`CONTRASTS` turns the presets that used to be compared with each other into such pairs;
:data:`SCRIPT_COMPARISONS` are the comparisons the README's five-minute script tells, with the direction it
states: the README's words and a test over several seeds both read them from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from plc_sim.app.settings import value_words
from plc_sim.workshop.why import MEASURE_WORDS, moved_most
from simulation.interventions import INTERVENTIONS, Intervention
from simulation.parameters import PARAMS_BY_NAME, TICKS_PER_YEAR, Params

KINDS = ("lever", "policy", "rule")


@dataclass(frozen=True)
class WhatIf:
    """One change: ``kind`` "lever" or "rule" sets parameter ``target`` to ``value``; "policy" runs intervention
    ``target`` (its declared arguments) in every school from the first month. ``title`` names run B's change
    in words, completing "with ...", e.g. "leadership shared widely"."""

    name: str
    title: str
    kind: str
    target: str
    value: Any = None

    def __post_init__(self) -> None:
        known = INTERVENTIONS if self.kind == "policy" else PARAMS_BY_NAME
        if self.kind not in KINDS or self.target not in known:
            raise ValueError(f"what-if {self.name}: {self.kind} {self.target!r} is not declared")

    def overrides(self) -> dict[str, Any]:
        """The parameter it sets (none for a policy)."""
        return {} if self.kind == "policy" else {self.target: PARAMS_BY_NAME[self.target].coerce(self.value)}

    def interventions(self) -> list[Intervention]:
        """The intervention it runs from the first month (none for a lever or rule)."""
        return [Intervention(self.target)] if self.kind == "policy" else []

    def menu(self) -> str:
        """Its entry in the page's "What if" choice: the title, with the value for a lever."""
        return f"{self.title} ({self.new_value()})" if self.kind == "lever" else self.title

    def new_value(self) -> str:
        return value_words(PARAMS_BY_NAME[self.target], self.value) if self.kind != "policy" else ""

    def difference(self, base: Params) -> str:
        """What B changes in run A (of parameters ``base``), in words: 'leadership distribution 90% instead of
        50%'."""
        if self.kind == "policy":
            return f"{INTERVENTIONS[self.target].label} in every school from the first month"
        param = PARAMS_BY_NAME[self.target]
        words = param.name.replace("_", " ")
        old = getattr(base, self.target)
        if param.coerce(old) == param.coerce(self.value):
            return f"{words} {self.new_value()}, the same as in A (this scenario already has it)"
        return f"{words} {self.new_value()} instead of {value_words(param, old)}"


WHAT_IFS: dict[str, WhatIf] = {w.name: w for w in (
    WhatIf("shared-leadership", "leadership shared widely", "lever", "leadership_distribution", 0.9),
    WhatIf("more-meeting-time", "more meeting time", "lever", "meeting_time", 0.9),
    WhatIf("inquiry-focus", "an inquiry focus", "lever", "inquiry_focus", 0.5),
    WhatIf("half-the-turnover", "half the teacher turnover", "lever", "teacher_turnover_rate", 0.08),
    WhatIf("no-partner-schools", "no partner schools", "lever", "network_type", "none"),
    WhatIf("succession-planning", "succession planning", "policy", "succession_planning"),
    WhatIf("induction", "induction and mentoring", "policy", "induction"),
    WhatIf("network-partner", "a network facilitator with partner schools", "policy", "network_partner"),
    WhatIf("protected-time", "protected collaboration time", "policy", "protected_time"),
    WhatIf("archive-memory", "written routines kept only as an archive", "rule", "memory_rule", "archive"),
)}
"""The changes the page offers in "What if", by name (each one change to the chosen scenario)."""

CONTRASTS: dict[str, str] = {
    "champion-leaves": "shared-leadership",
    "isolated-schools": "network-partner",
    "congenial-collaboration": "inquiry-focus",
}
"""Scenario -> the one change that tells its contrast (the champion who leaves vs leadership shared widely, as
the presets champion-leaves vs distributed-leadership did with several changes at once)."""


NO_CHANGE = "no comparison"
"""The "What if" choice that shows one run."""


def what_if_by_menu(text: str) -> WhatIf | None:
    """The what-if whose menu entry is ``text`` (None for "nothing" or an unknown entry)."""
    return next((w for w in WHAT_IFS.values() if w.menu() == text), None)


BREAKDOWN = MEASURE_WORDS
"""The measures a gap between the runs is broken down into: Hord's five dimensions (PLC health is their mean)
and three states of the staff behind them."""


def made_of(gap_then: dict[str, float], gap_now: dict[str, float], most: int = 2) -> list[tuple[str, float]]:
    """The ``most`` measures whose gap between B and A (shares, B minus A) moved most since then, in words and
    percentage points, largest first (:func:`~plc_sim.workshop.why.moved_most` over the gaps)."""
    return moved_most(gap_then, gap_now, most)


def points(value: float) -> str:
    """+4.2 points, -0.8 points."""
    return f"{value:+.1f} points"


@dataclass(frozen=True)
class ScriptComparison:
    """A comparison the README's five-minute script tells: scenario, change, optional shock pressed at month
    ``shock_at``, and the direction of mean PLC health (B minus A) it states at month ``read_at``."""

    scenario: str
    what_if: str
    read_at: int
    higher: bool
    shock: str | None = None
    shock_at: int = 0

    def claim(self) -> str:
        """The sentence the README states (the test checks the README holds it, word for word)."""
        change = WHAT_IFS[self.what_if]
        year = self.read_at // TICKS_PER_YEAR
        return (f"with {change.title}, mean PLC health is {'higher' if self.higher else 'lower'} "
                f"at the end of year {year}")

    def holds(self, health_a: float, health_b: float) -> bool:
        return bool(np.sign(health_b - health_a) == (1 if self.higher else -1))


SCRIPT_COMPARISONS: tuple[ScriptComparison, ...] = (
    ScriptComparison("champion-leaves", "shared-leadership", read_at=8 * TICKS_PER_YEAR, higher=True),
    ScriptComparison("congenial-collaboration", "inquiry-focus", read_at=2 * TICKS_PER_YEAR, higher=True),
)
"""The README's comparisons and the direction each states (measured over seeds by the tests; a recalibrated
model that turns one round fails them until this line and the README are changed together)."""
