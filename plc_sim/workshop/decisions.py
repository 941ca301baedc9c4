"""A school's yearly decisions in the workshop: declared once, validated like every input, applied to the model.

Each school year the principal (or leadership team) of a school decides the things below. Each decision is set
on the model's own per-school state between two school years (after the last month of one year, before the
first month of the next), so the model's documented rules carry its effect; nothing else changes:

========================  ==================================================  ===================================
decision                   model state it sets (between years)                 rule that reads it (ODD subsection)
========================  ==================================================  ===================================
``meeting_time``           ``schools.meeting_time`` (parameter                 dialogue rule, observation (6)
                           ``meeting_time``)
``distribution``           ``schools.distribution`` (parameter                 leadership rule
                           ``leadership_distribution``)
``leaders``                ``members.is_leader`` of the named teachers, from   leadership rule: :class:`NamedRoles`
                           each year's second month
``induction``              the model's ``induction`` intervention for the      interventions (7.0)
                           school and year, its arguments scaled by the share
                           spent (:func:`induction_programme`)
``partner``                one extra link in ``model.links``                   networking rule
========================  ==================================================  ===================================

Protected time and induction are paid from the school's yearly budget (1 at the start; a budget cut lowers it
by ``budget_cut_size`` for the years after): ``meeting_time + induction <= budget``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from plc_sim.workshop.names import teacher_name
from simulation import rules as baseline_rules
from simulation.intervention_kinds import INTERVENTIONS
from simulation.interventions import Intervention, start_interventions
from simulation.parameters import TICKS_PER_YEAR, Param, ParameterError
from simulation.state import members_per_school

FULL_BUDGET = 1.0
"""A school's yearly budget for protected time and induction before any cut."""

LEVELS = ((1 / 3, "low"), (2 / 3, "middling"), (math.inf, "high"))
"""Words for a level from 0 to 1, by thirds: what the form says instead of a number."""


def level(value: float) -> str:
    """'low', 'middling' or 'high' for a value from 0 to 1 (see :data:`LEVELS`)."""
    return next(word for bound, word in LEVELS if value < bound)


def _field(name: str, default: float, meaning: str, context: str) -> Param:
    return Param(name=name, kind=float, default=default, meaning=meaning, group="workshop", low=0.0, high=1.0,
                 source=context)


DECISION_FIELDS: dict[str, Param] = {p.name: p for p in (
    _field("meeting_time", 0.6, "Collaboration time to protect this year, as a share of the most the school "
           "could give", "Teams that have time to meet talk more and more deeply; time is paid from the budget "
           "(Hord 1997; Hipp & Huffman 2010)."),
    _field("distribution", 0.5, "How widely to distribute leadership to teacher leaders (0% = the principal "
           "holds it all, 100% = fully shared)", "Leadership spread over teacher leaders stays when a principal "
           "leaves (Halverson & Spillane)."),
    _field("induction", 0.0, "Share of the budget spent on inducting newcomers (mentors, time to join a team)",
           "Newcomers who are welcomed into a team trust it sooner and leave less often (Ingersoll & Strong "
           "2011)."),
)}
"""The bounded numbers of a decision; ``source`` holds the sentence of context the form shows."""

PARTNER_CONTEXT = ("A partner school trades knowledge, focus and routines with yours through teacher leaders "
                   "(Katz, Earl & Ben Jaafar 2009).")
LEADERS_CONTEXT = ("Teacher leaders carry the focus and support of the community; without names, roles go to "
                   "the teachers with most knowledge and engagement (Halverson & Spillane).")


class DecisionError(ValueError):
    """A decision that is not allowed; the message names the field and what is allowed."""


@dataclass(frozen=True)
class Decision:
    """One school's choices for one school year (see the module docstring for what each sets)."""

    meeting_time: float = 0.6
    distribution: float = 0.5
    induction: float = 0.0
    partner: int = -1  # 0-based school, or -1 for none
    leaders: tuple[int, ...] = ()  # person ids of the named teacher leaders; () = ranked by the model

    def fitted(self, budget: float) -> Decision:
        """This decision within ``budget``: time and induction scaled down together if they cost more."""
        cost = self.meeting_time + self.induction
        if cost <= budget:
            return self
        scale = budget / cost
        return Decision(self.meeting_time * scale, self.distribution, self.induction * scale, self.partner,
                        self.leaders)

    def as_row(self) -> dict:
        return {"meeting_time": self.meeting_time, "distribution": self.distribution, "induction": self.induction,
                "partner": self.partner, "leaders": list(self.leaders)}


def max_leaders(model) -> int:
    """Most teacher leaders a school may name: the roles of a fully distributed school (at least one)."""
    return max(1, round(model.p.teacher_leader_share * model.p.teachers_per_school))


def parse_decision(values: Mapping, model, school: int, budget: float) -> Decision:
    """Validate a submitted form (field -> value) for ``school``; raise DecisionError naming the first bad field.

    Numbers must lie in their declared range, time plus induction within the school's ``budget``; the partner
    is another school of the network or none; leaders are distinct teachers now in post in this school.
    """
    if not isinstance(values, Mapping):
        raise DecisionError("decision: expected a form of named fields")
    known = {*DECISION_FIELDS, "partner", "leaders"}
    unknown = sorted(str(name)[:40] for name in values if name not in known)
    if unknown:
        raise DecisionError(f"{unknown[0]!r}: not a decision; the decisions are {', '.join(sorted(known))}")
    numbers = {}
    for name, declared in DECISION_FIELDS.items():
        try:
            numbers[name] = declared.coerce(values.get(name, declared.default))
        except ParameterError as error:
            raise DecisionError(str(error)) from None
    if numbers["meeting_time"] + numbers["induction"] > budget + 1e-9:
        raise DecisionError(f"budget: protected time {numbers['meeting_time']:.0%} plus induction "
                            f"{numbers['induction']:.0%} is more than this year's budget of {budget:.0%}")
    return Decision(numbers["meeting_time"], numbers["distribution"], numbers["induction"],
                    _partner(values.get("partner", -1), model.p.n_schools, school),
                    _leaders(values.get("leaders", ()), model, school))


def _partner(value, n_schools: int, school: int) -> int:
    allowed = f"none (-1) or another school's number from 0 to {n_schools - 1}"
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) \
            or value != int(value):
        raise DecisionError(f"partner: {str(value)[:40]!r} is not allowed; expected {allowed}")
    partner = int(value)
    if partner != -1 and not (0 <= partner < n_schools and partner != school):
        raise DecisionError(f"partner: {partner} is not allowed; expected {allowed}")
    return partner


def _leaders(value, model, school: int) -> tuple[int, ...]:
    limit = max_leaders(model)
    if not isinstance(value, list | tuple) or len(value) > limit:
        raise DecisionError(f"leaders: expected a list of at most {limit} teachers of your school")
    in_post = set(teachers_of(model, school)[1].tolist())
    chosen = []
    for person in value:
        if isinstance(person, bool) or not isinstance(person, int) or person not in in_post or person in chosen:
            raise DecisionError(f"leaders: {str(person)[:40]!r} is not a teacher now in your school "
                                "(each may be named once)")
        chosen.append(person)
    return tuple(sorted(chosen))


def teachers_of(model, school: int) -> tuple[np.ndarray, np.ndarray]:
    """The slots of ``school``'s teachers and the person ids now in them."""
    size = members_per_school(model.p)
    slots = np.arange(school * size, school * size + model.p.teachers_per_school)
    return slots, model.members.person[slots]


def candidates(model, school: int) -> list[dict]:
    """Every teacher of ``school``, the strongest by knowledge plus engagement first: the form lists them all.

    Each is a dict with ``person`` (id), ``name`` (made up, :func:`~plc_sim.workshop.names.teacher_name`),
    ``knowledge`` and ``engagement`` in words (:func:`level`), ``tenure`` (whole years in the school) and
    ``is_leader`` (holds a role now).
    """
    m = model.members
    slots, persons = teachers_of(model, school)
    order = np.argsort(-(m.knowledge[slots] + m.engagement[slots]), kind="stable")
    return [{"person": int(persons[i]), "name": teacher_name(int(persons[i])),
             "knowledge": level(m.knowledge[slots[i]]), "engagement": level(m.engagement[slots[i]]),
             "tenure": int(m.tenure[slots[i]]), "is_leader": bool(m.is_leader[slots[i]])} for i in order]


class NamedRoles:
    """The leadership rule (ODD: the leadership rule) with teacher leaders named by each school's principal.

    It runs the baseline ``leadership`` rule unchanged. At each year start, in a school whose principal named
    teacher leaders, those of the named who are still in post hold the informal leader roles instead of the
    teachers the baseline ranks first; from the year's second month the blend of support and focus counts
    them (the first month's blend counts the ranked roles). A named teacher who leaves loses the role as in the
    baseline. Reads what ``leadership`` reads; writes ``members.is_leader``. Passed to the model as
    ``rules={"leadership": NamedRoles()}``, so the model checks its invariants after every call.
    """

    def __init__(self) -> None:
        self.named: dict[int, tuple[int, ...]] = {}

    def __call__(self, model) -> None:
        baseline_rules.leadership(model)
        if model.steps % TICKS_PER_YEAR == 1:
            for school, persons in self.named.items():
                slots, in_post = teachers_of(model, school)
                model.members.is_leader[slots] = np.isin(in_post, persons)


def apply_decision(model, roles: NamedRoles, school: int, decision: Decision) -> None:
    """Set ``decision`` on ``school``'s state between two school years (see the module's table)."""
    s = model.schools
    s.meeting_time[school] = decision.meeting_time
    s.distribution[school] = decision.distribution
    if decision.leaders:
        roles.named[school] = decision.leaders
    else:
        roles.named.pop(school, None)
    programme = induction_programme(school, model.steps // TICKS_PER_YEAR + 1, decision.induction)
    if programme is not None:
        model.interventions += start_interventions([programme], model.p)


def induction_programme(school: int, year: int, share: float) -> Intervention | None:
    """The model's ``induction`` intervention for ``school`` in school ``year``, at ``share`` of its declared strength.

    Spending the whole budget share (1) runs induction and mentoring with the declared default arguments (least
    trust between a first-year member and her team, monthly coaching toward experienced teachers' knowledge);
    spending less scales both arguments down (Ingersoll & Strong 2011). None when nothing is spent.
    """
    if share <= 0.0:
        return None
    arguments = {arg.name: share * arg.default for arg in INTERVENTIONS["induction"].arguments}
    return Intervention("induction", arguments, start_year=year, end_year=year, schools=(school,))


def partner_links(base_links: np.ndarray, partners: Mapping[int, int]) -> np.ndarray:
    """The network's own links plus one link from each school to its chosen partner (-1: none), sorted."""
    links = {tuple(link) for link in base_links.tolist()}
    links |= {(min(s, t), max(s, t)) for s, t in partners.items() if t >= 0}
    return np.array(sorted(links), dtype=np.int64).reshape(-1, 2)
