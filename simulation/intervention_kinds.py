"""The kinds of policy intervention, each declared once, and the mechanisms that carry them out.

Each :class:`InterventionKind` names an intervention, says what it is and which literature it rests on, and
declares its bounded arguments as :class:`~simulation.parameters.Param` (defaults and allowed ranges). Its
mechanism is one short function per kind, acting on the model's per-school state; how interventions are
scheduled and written is :mod:`simulation.interventions`. ODD 7.0.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from simulation.parameters import TICKS_PER_YEAR, Param, ParameterError, suggest
from simulation.state import active_per_school

if TYPE_CHECKING:
    from simulation.interventions import Running


def _arg(name, kind, default, meaning, low=None, high=None) -> Param:
    return Param(name=name, kind=kind, default=default, meaning=meaning, group="intervention", low=low, high=high)


@dataclass(frozen=True)
class InterventionKind:
    """The declaration of one kind of intervention and the functions that carry it out.

    ``begin(model, run)`` acts in its first month, ``act(model, run)`` in every month it runs (the first
    included), ``finish(model, run)`` in the first month after it ends; ``run`` is the running
    intervention (:class:`Running`: its schools ``run.hit``, arguments ``run.args`` and a ``memo`` dict).
    ``idle(params, args, ticks)``, when given, says in words why the intervention cannot change anything in a
    run of ``ticks`` ticks with these parameters (None when it may), so a sweep can say so before it runs.
    """

    name: str
    label: str
    meaning: str
    source: str
    arguments: tuple[Param, ...]
    act: Callable
    begin: Callable | None = None
    finish: Callable | None = None
    idle: Callable | None = None

    def argument(self, name: str) -> Param:
        """The declared argument ``name``, or a ParameterError naming the allowed ones."""
        for param in self.arguments:
            if param.name == name:
                return param
        names = [p.name for p in self.arguments]
        raise ParameterError(f"intervention {self.name}: unknown argument {name!r}{suggest(name, names)}; its "
                             f"arguments are {', '.join(names)}")


# --- helpers shared by the mechanisms --------------------------------------------------------------------------

def _pull(values: np.ndarray, where: np.ndarray, target: float, rate: float) -> None:
    """Move ``values[where]`` the share ``rate`` of the way toward ``target``, in place."""
    values[where] += rate * (target - values[where])
    np.clip(values, 0.0, 1.0, out=values)


def _new_principals(model, run: Running) -> np.ndarray:
    """Positions in ``run.hit`` whose principal changed since the last month (remembered in ``run.memo``)."""
    left = model.schools.principals_left[run.hit].copy()
    changed = left != run.memo.get("left", left)
    run.memo["left"] = left
    return changed


def _floor_begin(array_name: str) -> Callable:
    def begin(model, run: Running) -> None:
        run.memo["base"] = getattr(model.schools, array_name)[run.hit].copy()
        run.memo["left"] = model.schools.principals_left[run.hit].copy()
    return begin


def _floor_finish(array_name: str) -> Callable:
    def finish(model, run: Running) -> None:
        getattr(model.schools, array_name)[run.hit] = run.memo["base"]
    return finish


# --- the mechanisms ---------------------------------------------------------------------------------------------

def protect_time(model, run: Running) -> None:
    """Protected collaboration time: each month the schools' meeting time is at least ``level``.

    Time written into the timetable, which a budget cut cannot reach while the programme runs; when it
    ends, each school returns to the meeting time it had before (Hord 1997; Hipp & Huffman 2007:
    structural conditions). State written: schools.meeting_time.
    """
    s = model.schools
    s.meeting_time[run.hit] = np.maximum(s.meeting_time[run.hit], run.args["level"])


def _protected_time_idle(p, args, ticks: int) -> str | None:
    """Only cuts and dismantling successors lower meeting time, so a floor at or below its lowest is idle: the
    scheduled budget-cut shock (``shocks.budget_cut``, of ``budget_cut_size``) takes it once; recurring cuts
    (``time_cut_rate``, of ``time_cut_size``) and dismantling successors (``dismantling_share``, taking
    ``dismantling_loss``) can follow one another, so with either no floor above 0 is idle."""
    cut = 1 <= p.budget_cut_tick <= ticks and round(p.shock_share * p.n_schools) > 0
    lowest = p.meeting_time * (1.0 - p.budget_cut_size) if cut else p.meeting_time
    recurring = p.time_cut_rate > 0 and p.time_cut_size > 0
    dismantling = p.dismantling_share > 0 and p.dismantling_loss > 0
    if (recurring or dismantling) and ticks > 0:
        lowest = 0.0
    if args["level"] <= lowest:
        return f"it only sets a floor, and meeting time never falls below {lowest:.3g}"
    return None


def fund_leader_roles(model, run: Running) -> None:
    """Teacher-leader roles with time: leadership distribution at least ``distribution``; role holders engaged.

    Funded posts keep leadership distributed whoever the principal is (a new principal's own distribution
    is remembered and returns when the posts end), so more teachers hold roles at each year start; the
    time released for the role moves each role holder's engagement ``time`` of the way toward full
    (York-Barr & Duke 2004; Halverson & Spillane). State written: schools.distribution, members.engagement.
    """
    s, m = model.schools, model.members
    changed = _new_principals(model, run)
    run.memo["base"][changed] = s.distribution[run.hit][changed]
    s.distribution[run.hit] = np.maximum(s.distribution[run.hit], run.args["distribution"])
    holders = m.is_leader & np.isin(m.school, run.hit)
    _pull(m.engagement, holders, 1.0, run.args["time"])


def _begin_leader_roles(model, run: Running) -> None:
    """Fill the funded roles now rather than at the next year start, in the reached schools only."""
    from simulation.rules import assign_leader_roles

    _floor_begin("distribution")(model, run)
    model.schools.distribution[run.hit] = np.maximum(model.schools.distribution[run.hit], run.args["distribution"])
    before = model.members.is_leader.copy()
    assign_leader_roles(model)
    elsewhere = ~np.isin(model.members.school, run.hit)
    model.members.is_leader[elsewhere] = before[elsewhere]


def induct_newcomers(model, run: Running) -> None:
    """Induction and mentoring: first-year members are introduced to their team and coached by a mentor.

    Each month every first-year member's trust with her team colleagues (both ways) is at least ``trust``,
    and she closes ``rate`` of any gap up to the mean knowledge of the school's experienced teachers
    (three or more years) (Ingersoll & Strong 2011: induction raises retention and beginning teachers'
    practice). State written: members.trust, members.knowledge.
    """
    m, p = model.members, model.p
    size = m.trust.shape[1]
    reached = np.isin(m.school, run.hit) & model.active_mask
    newcomers = np.flatnonzero(reached & (m.tenure < 1))
    if newcomers.size == 0:
        return
    level = run.args["trust"]
    for g in newcomers.tolist():
        school, i = divmod(g, size)
        team = m.same_team[school, i]
        m.trust[school, i, team] = np.maximum(m.trust[school, i, team], level)
        m.trust[school, team, i] = np.maximum(m.trust[school, team, i], level)
    experienced = reached & m.is_teacher & (m.tenure >= 3)
    totals = np.bincount(m.school[experienced], weights=m.knowledge[experienced], minlength=p.n_schools)
    counts = np.bincount(m.school[experienced], minlength=p.n_schools)
    mentor = np.divide(totals, counts, out=np.zeros(p.n_schools), where=counts > 0)[m.school[newcomers]]
    gap = np.maximum(mentor - m.knowledge[newcomers], 0.0) * (counts[m.school[newcomers]] > 0)
    m.knowledge[newcomers] += run.args["rate"] * gap


def facilitate_network(model, run: Running) -> None:
    """A network facilitator: partner links between the reached schools, and a shared focus across them.

    At the start each reached school gets ``partners`` new partner schools (among the other reached
    schools, or among all schools when only one is reached), drawn from the model's generator; each month
    the facilitator moves their shared focus ``rate`` of the way toward ``focus``; the links end with the
    programme (Katz, Earl & Ben Jaafar 2009: network leadership; Jackson). State written: links,
    schools.shared_focus.
    """
    _pull(model.schools.shared_focus, run.hit, run.args["focus"], run.args["rate"])


def _begin_network(model, run: Running) -> None:
    """Draw the new partner links and add them to ``model.links``."""
    n = model.p.n_schools
    pool = run.hit if run.hit.size > 1 else np.arange(n)
    existing = {tuple(link) for link in model.links.tolist()}
    added = []
    for school in run.hit.tolist():
        others = pool[pool != school]
        count = min(int(run.args["partners"]), others.size)
        for partner in model.rng.choice(others, size=count, replace=False).tolist() if count else ():
            link = (min(school, partner), max(school, partner))
            if link not in existing:
                existing.add(link)
                added.append(link)
    run.memo["added"] = added
    if added:
        model.links = np.array(sorted(existing), dtype=np.int64).reshape(-1, 2)


def _finish_network(model, run: Running) -> None:
    """Remove the links the programme added."""
    added = set(run.memo.get("added", ()))
    kept = [link for link in model.links.tolist() if tuple(link) not in added]
    model.links = np.array(kept, dtype=np.int64).reshape(-1, 2)


def plan_succession(model, run: Running) -> None:
    """Succession planning: a new principal continues ``handover`` of her predecessor's support, focus and
    distribution.

    0.5 is about a term's overlap in which the leaving principal hands over; 1 is an internal successor
    groomed in the school. The blend is applied in the successor's first month, and she starts with the
    standing of a principal ``handover`` of the way through the succession ramp (staff already know her)
    (Hargreaves & Fink 2006: sustainable leadership plans succession; Fink & Brayman 2006). Reads:
    succession_ramp_years. State written: schools.principal_support, schools.principal_focus,
    schools.distribution, schools.principal_months.
    """
    s, h = model.schools, run.args["handover"]
    changed = _new_principals(model, run)
    traits = ("principal_support", "principal_focus", "distribution")
    if "traits" in run.memo and changed.any():
        schools = run.hit[changed]
        for name, before in zip(traits, run.memo["traits"], strict=True):
            values = getattr(s, name)
            values[schools] = h * before[changed] + (1.0 - h) * values[schools]
        known = h * model.p.succession_ramp_years * TICKS_PER_YEAR
        s.principal_months[schools] = np.maximum(s.principal_months[schools], known)
    run.memo["traits"] = tuple(getattr(s, name)[run.hit].copy() for name in traits)


def use_data(model, run: Running) -> None:
    """A data-use protocol: teams examine pupil evidence together on a fixed cycle.

    Each month the schools' shared focus moves ``rate`` of the way toward the evidence focus ``focus``, and
    the protocol's records move organizational memory ``codify`` of the way toward the staff's mean
    knowledge (Katz, Earl & Ben Jaafar 2009: a clear evidence-based focus; Lachat & Smith 2005: data use
    in school teams). State written: schools.shared_focus, schools.memory.
    """
    m, s, p = model.members, model.schools, model.p
    _pull(s.shared_focus, run.hit, run.args["focus"], run.args["rate"])
    active = model.active_mask
    mean = np.bincount(m.school[active], weights=m.knowledge[active], minlength=p.n_schools) / active_per_school(p)
    gap = np.maximum(mean[run.hit] - s.memory[run.hit], 0.0)
    s.memory[run.hit] = np.minimum(s.memory[run.hit] + run.args["codify"] * gap, 1.0)


INTERVENTIONS: dict[str, InterventionKind] = {kind.name: kind for kind in (
    InterventionKind(
        "protected_time", "protected collaboration time",
        "Collaboration time written into the timetable: meeting time never falls below a level",
        "Hord 1997; Hipp & Huffman 2007 (structural conditions)",
        (_arg("level", float, 0.8, "Least meeting time while it runs", 0.0, 1.0),),
        protect_time, begin=_floor_begin("meeting_time"), finish=_floor_finish("meeting_time"),
        idle=_protected_time_idle),
    InterventionKind(
        "teacher_leader_roles", "funded teacher-leader roles",
        "Funded teacher-leader posts with time for the role",
        "York-Barr & Duke 2004; Halverson & Spillane (distributed leadership)",
        (_arg("distribution", float, 0.8, "Least leadership distribution while the posts exist", 0.0, 1.0),
         _arg("time", float, 0.05, "Monthly pull of role holders' engagement toward full", 0.0, 1.0)),
        fund_leader_roles, begin=_begin_leader_roles, finish=_floor_finish("distribution")),
    InterventionKind(
        "induction", "induction and mentoring of newcomers",
        "First-year members are introduced to their team and coached by an experienced mentor",
        "Ingersoll & Strong 2011 (induction and mentoring of beginning teachers)",
        (_arg("trust", float, 0.35, "Least trust between a first-year member and her team colleagues", 0.0, 1.0),
         _arg("rate", float, 0.05, "Monthly share of the gap to experienced teachers' knowledge closed", 0.0, 1.0)),
        induct_newcomers),
    InterventionKind(
        "network_partner", "a network facilitator with partner schools",
        "A facilitator links schools as partners and keeps a shared inquiry focus across them",
        "Katz, Earl & Ben Jaafar 2009 (network leadership); Jackson (networked learning communities)",
        (_arg("partners", int, 2, "New partner schools per reached school", 1, 50),
         _arg("focus", float, 0.7, "The focus the facilitator keeps", 0.0, 1.0),
         _arg("rate", float, 0.03, "Monthly pull of the schools' shared focus toward it", 0.0, 1.0)),
        facilitate_network, begin=_begin_network, finish=_finish_network),
    InterventionKind(
        "succession_planning", "succession planning",
        "A new principal overlaps with (or is groomed by) her predecessor and continues her practice",
        "Hargreaves & Fink 2006 (sustainable leadership); Fink & Brayman 2006 (principal succession)",
        (_arg("handover", float, 0.5, "Share of the predecessor's support, focus and distribution the "
              "successor continues (0.5 a term's overlap, 1 an internal successor)", 0.0, 1.0),),
        plan_succession),
    InterventionKind(
        "data_use_protocol", "a data-use protocol",
        "Teams examine pupil evidence on a fixed cycle and record what they conclude",
        "Katz, Earl & Ben Jaafar 2009 (evidence-based focus); Lachat & Smith 2005 (data use in school teams)",
        (_arg("focus", float, 0.7, "The evidence focus the protocol sets", 0.0, 1.0),
         _arg("rate", float, 0.04, "Monthly pull of the shared focus toward it", 0.0, 1.0),
         _arg("codify", float, 0.02, "Monthly share of the gap between memory and staff knowledge recorded",
              0.0, 1.0)),
        use_data),
)}
"""Every kind of intervention, by name."""
