"""The model's rules: one function per process, in the order the model runs them.

Every rule takes the model and changes its state arrays in place
(``model.members``, ``model.schools``, ``model.meetings``). A rule reads its
constants from ``model.p`` (declared in :mod:`simulation.parameters`) and its
randomness from ``model.rng``. Each docstring says the rule in words, the
idea from the seed texts it models, the ODD section, and the parameters read.

To try your own version of a rule, pass it when building the model:
``PLCModel(rules={"trust": my_trust})`` (see ``docs/rules.md``).
"""

from __future__ import annotations

import numpy as np

from simulation.parameters import TICKS_PER_YEAR
from simulation.state import Meetings, active_per_school, draw_share, members_per_school


def _per_member(model, slots: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Sum ``values`` into one entry per member slot."""
    return np.bincount(slots, weights=values, minlength=model.members.knowledge.size).astype(float, copy=False)


def _per_school(model, schools: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Sum ``values`` into one entry per school."""
    return np.bincount(schools, weights=values, minlength=model.p.n_schools).astype(float, copy=False)


def _by_school(model, array: np.ndarray) -> np.ndarray:
    """View a per-member array as (schools, active members)."""
    return array.reshape(model.p.n_schools, -1)[:, : active_per_school(model.p)]


# --- 7.1 shocks ---------------------------------------------------------------

def shocks(model) -> None:
    """Scheduled shocks: at their chosen ticks, hit the first ``shock_share`` of schools.

    Scenario events from MODEL.md: a champion principal leaves (Hargreaves), a
    budget cut removes meeting time, a wave of turnover, a new policy focus.
    ODD 7.1. Reads: shock_share, principal_leaves_tick, budget_cut_tick,
    turnover_wave_tick, policy_focus_tick.
    """
    p = model.p
    scheduled = {
        p.principal_leaves_tick: principal_leaves,
        p.budget_cut_tick: budget_cut,
        p.turnover_wave_tick: turnover_wave,
        p.policy_focus_tick: policy_focus,
    }
    hit = np.arange(round(p.shock_share * p.n_schools))
    for tick, shock in scheduled.items():
        if tick == model.steps:
            shock(model, hit)


def principal_leaves(model, schools: np.ndarray) -> None:
    """Shock: the principals of ``schools`` leave now and successors arrive (Hargreaves: succession)."""
    succeed_principals(model, schools)


def budget_cut(model, schools: np.ndarray) -> None:
    """Shock: a budget cut removes ``budget_cut_size`` of the meeting time of ``schools``."""
    model.schools.meeting_time[schools] *= 1.0 - model.p.budget_cut_size
    model.record_event("budget_cut", schools, "A budget cut removed meeting time")


def turnover_wave(model, schools: np.ndarray) -> None:
    """Shock: each member of ``schools`` leaves with chance ``turnover_wave_share``."""
    in_hit = np.isin(model.members.school, schools)
    leaving = in_hit & (model.rng.random(in_hit.size) < model.p.turnover_wave_share)
    replace_members(model, np.flatnonzero(leaving), reason="a turnover wave")


def policy_focus(model, schools: np.ndarray) -> None:
    """Shock: a new policy replaces the principals' focus and adds workload.

    What teacher leaders already hold (``shared_focus``) stays: distributed
    focus resists a change imposed on the principal (Halverson & Spillane).
    Reads: policy_focus_level, policy_workload.
    """
    s = model.schools
    s.principal_focus[schools] = model.p.policy_focus_level
    s.workload[schools] = np.minimum(1.0, s.workload[schools] + model.p.policy_workload)
    model.record_event("policy_focus", schools, "A new policy focus arrived")


# --- 7.2 leadership -------------------------------------------------------------

def leadership(model) -> None:
    """Distributed leadership: share support and focus between principal and teacher leaders.

    A school's effective support and inquiry focus are a blend: the principal
    holds the share ``1 - d`` and teacher leaders hold ``d`` (the principal's
    distribution). Teacher leaders gradually take the principal's focus as their
    own (``shared_focus``), which fades unless codified in memory. When a
    principal leaves, what she held leaves with her; what was distributed stays
    (Halverson & Spillane; Hargreaves' sustainability). Roles are given at each
    year start to the teachers with most knowledge and engagement.
    ODD 7.2. Reads: teacher_leader_share, vision_internalization_rate,
    shared_focus_decay.
    """
    m, s, p = model.members, model.schools, model.p
    if model.steps % TICKS_PER_YEAR == 1:
        assign_leader_roles(model)
    leaders = m.is_leader
    n_leaders = _per_school(model, m.school[leaders], np.ones(leaders.sum()))
    s.leader_engagement = np.divide(_per_school(model, m.school[leaders], m.engagement[leaders]),
                                    n_leaders, out=np.zeros_like(n_leaders), where=n_leaders > 0)
    wanted = np.maximum(p.teacher_leader_share * p.teachers_per_school * s.distribution, 1.0)
    presence = np.minimum(n_leaders / wanted, 1.0)
    d = s.distribution
    s.shared_focus += (p.vision_internalization_rate * d * presence * (s.principal_focus - s.shared_focus)
                       - p.shared_focus_decay * (1.0 - s.memory) * s.shared_focus)
    np.clip(s.shared_focus, 0.0, 1.0, out=s.shared_focus)
    s.support = (1.0 - d) * s.principal_support + d * s.leader_engagement
    s.focus = (1.0 - d) * s.principal_focus + d * s.shared_focus


def assign_leader_roles(model) -> None:
    """Give ``round(teacher_leader_share * d * teachers)`` informal leader roles in each school.

    Roles go to the teachers with the highest knowledge plus engagement
    (Halverson & Spillane: leadership functions spread over teacher leaders).
    """
    m, s, p = model.members, model.schools, model.p
    size, teachers = members_per_school(p), p.teachers_per_school
    score = (m.knowledge + m.engagement).reshape(p.n_schools, size)[:, :teachers]
    rank = np.argsort(np.argsort(-score, axis=1, kind="stable"), axis=1, kind="stable")
    roles = np.rint(p.teacher_leader_share * s.distribution * teachers)[:, None]
    is_leader = np.zeros((p.n_schools, size), dtype=bool)
    is_leader[:, :teachers] = rank < roles
    m.is_leader = is_leader.ravel()


def succeed_principals(model, schools: np.ndarray) -> None:
    """Replace the principals of ``schools`` with successors drawn around the successor means.

    The leaving principal takes the support and focus she held; teacher roles and
    the shared focus stay (Hargreaves). The successor distributes leadership as
    the system's principals do (``leadership_distribution``).
    Reads: successor_support, successor_focus, leadership_distribution, principal_trait_sd.
    """
    if len(schools) == 0:
        return
    s, p, rng = model.schools, model.p, model.rng
    n, sd = len(schools), p.principal_trait_sd
    s.principal_support[schools] = draw_share(rng, p.successor_support, sd, n)
    s.principal_focus[schools] = draw_share(rng, p.successor_focus, sd, n)
    s.distribution[schools] = draw_share(rng, p.leadership_distribution, sd, n)
    s.principal_tenure[schools] = 0.0
    s.principals_left[schools] += 1
    model.principals_replaced(schools)


# --- 7.3 dialogue ---------------------------------------------------------------

def dialogue(model) -> None:
    """Teams meet, and colleagues seek conversations; who talks depends on ties, trust and engagement.

    Each month each active member attends her team's meeting (her department in
    a secondary school, the whole staff in a primary) with chance
    ``meeting_time * engagement``. Each active member seeks ``conversations_per_tick`` partners, mostly in her
    own department (secondary) or among teachers (primary), and with chance
    ``cross_department_contact`` anywhere in the school (Talbert & McLaughlin;
    Spillane, Kim & Frank). A sought conversation happens with chance
    ``meeting_time * mean engagement * ((1 - w) + w * trust)``. Its depth, from
    congenial "just talk" (0) to consequential conversation about practice (1),
    is ``trust * (f * focus + (1 - f) * mean openness)`` (Little & Horn).
    ODD 7.3. Reads: conversations_per_tick, cross_department_contact,
    trust_contact_weight (w), focus_depth_weight (f).
    """
    m, s, p, rng = model.members, model.schools, model.p, model.rng
    size, active = members_per_school(p), active_per_school(p)
    seekers = np.repeat(model.active_slots, p.conversations_per_tick)
    u = rng.random((3, seekers.size))
    school = m.school[seekers]
    anywhere = u[0] < p.cross_department_contact
    start = np.where(anywhere, 0, m.group_start[seekers])
    span = np.where(anywhere, active, m.group_size[seekers])
    partner_local = start + (u[1] * span).astype(np.int64)
    partner = school * size + partner_local
    trust = m.trust[school, m.local[seekers], partner_local]
    chance = (s.meeting_time[school] * 0.5 * (m.engagement[seekers] + m.engagement[partner])
              * ((1.0 - p.trust_contact_weight) + p.trust_contact_weight * trust))
    met = (partner != seekers) & (u[2] < chance)
    a, b, school, trust = seekers[met], partner[met], school[met], trust[met]
    openness = 0.5 * (m.openness[a] + m.openness[b])
    depth = trust * (p.focus_depth_weight * s.focus[school] + (1.0 - p.focus_depth_weight) * openness)
    attending = model.active_mask & (rng.random(model.active_mask.size) < s.meeting_time[m.school] * m.engagement)
    model.meetings = Meetings(a=a, b=b, school=school, depth=depth, attending=attending.reshape(p.n_schools, size))
    talked = _per_member(model, np.concatenate([a, b]), np.ones(2 * a.size)) > 0
    s.participation = _per_school(model, m.school, talked.astype(float)) / active
    count = _per_school(model, school, np.ones(a.size))
    s.talk_depth = np.divide(_per_school(model, school, depth), count, out=np.zeros_like(count),
                             where=count > 0)


# --- 7.4 learning ---------------------------------------------------------------

def learning(model) -> None:
    """Deep talk moves and creates knowledge; shallow talk only averages and breeds complacency.

    In each conversation of depth ``x``, each partner closes
    ``transfer_rate * x * openness`` of any gap up to the more knowing one
    (Frank, Penuel & Krause), both gain ``inquiry_creation_rate * x * focus``
    of the room left (collaborative inquiry, Katz, Earl & Ben Jaafar), and the
    shallow part ``1 - x`` averages the pair (``congenial_averaging_rate``),
    which converges on the status quo. Deep talk opens practice
    (``deprivatization_rate``, Hord); shallow talk closes it
    (``complacency_rate``): "together" can preserve the status quo or make
    things worse. Alone, each member learns ``individual_learning_rate *
    openness`` of the room left, and practice loses ``knowledge_obsolescence``.
    ODD 7.4.
    """
    m, s, p, talk = model.members, model.schools, model.p, model.meetings
    k, o, x = m.knowledge, m.openness, talk.depth
    gap = k[talk.b] - k[talk.a]
    inquiry = p.inquiry_creation_rate * x * s.focus[talk.school]
    averaging = p.congenial_averaging_rate * (1.0 - x) * gap
    gain_a = p.transfer_rate * x * np.maximum(gap, 0.0) * o[talk.a] + averaging + inquiry * (1.0 - k[talk.a])
    gain_b = p.transfer_rate * x * np.maximum(-gap, 0.0) * o[talk.b] - averaging + inquiry * (1.0 - k[talk.b])
    opening_a = p.deprivatization_rate * x * (1.0 - o[talk.a]) - p.complacency_rate * (1.0 - x) * o[talk.a]
    opening_b = p.deprivatization_rate * x * (1.0 - o[talk.b]) - p.complacency_rate * (1.0 - x) * o[talk.b]
    pair = np.concatenate([talk.a, talk.b])
    k += _per_member(model, pair, np.concatenate([gain_a, gain_b]))
    k += p.individual_learning_rate * o * (1.0 - k) - p.knowledge_obsolescence * k
    o += _per_member(model, pair, np.concatenate([opening_a, opening_b]))
    np.clip(k, 0.0, 1.0, out=k)
    np.clip(o, 0.0, 1.0, out=o)


# --- 7.5 trust ------------------------------------------------------------------

def trust(model) -> None:
    """Trust grows with useful exchange and decays without contact.

    Every month each tie loses ``trust_decay_rate`` of its trust. Two
    colleagues who attended the same team meeting gain ``meeting_trust_rate``
    of the room left; a pair who talked gains ``trust_growth_rate * (1 + depth) / 2`` of the room left, once
    per month however often they met: deeper, more useful exchange builds more
    trust (Kruse & Louis; Bryk & Schneider). Baseline trust and tie density are
    the school's bonding social capital (Mulford).
    ODD 7.5. Reads: trust_decay_rate, meeting_trust_rate, trust_growth_rate.
    """
    m, p, talk = model.members, model.p, model.meetings
    m.trust *= 1.0 - p.trust_decay_rate
    together = talk.attending[:, :, None] & talk.attending[:, None, :] & m.same_team
    m.trust += p.meeting_trust_rate * together * (1.0 - m.trust)
    la, lb = m.local[talk.a], m.local[talk.b]
    current = m.trust[talk.school, la, lb]
    grown = current + p.trust_growth_rate * 0.5 * (1.0 + talk.depth) * (1.0 - current)
    m.trust[talk.school, la, lb] = grown
    m.trust[talk.school, lb, la] = grown


# --- 7.6 engagement -------------------------------------------------------------

def engagement(model) -> None:
    """Engagement moves toward what the community is worth to the member.

    The target is ``engagement_base + value_weight * value + support_weight *
    support - overload_weight * workload``, where value is the mean depth of
    the member's conversations this month (0 if none): members commit to a
    community whose talk is worth having and whose leaders support it, and
    withdraw under overload (MODEL.md process 4; Hord's supportive
    conditions). Engagement moves ``engagement_rate`` of the way each month.
    The loss of trusted colleagues is applied at turnover.
    ODD 7.6.
    """
    m, s, p, talk = model.members, model.schools, model.p, model.meetings
    pair = np.concatenate([talk.a, talk.b])
    count = _per_member(model, pair, np.ones(pair.size))
    depth = _per_member(model, pair, np.concatenate([talk.depth, talk.depth]))
    value = np.divide(depth, count, out=np.zeros_like(depth), where=count > 0)
    target = (p.engagement_base + p.value_weight * value + p.support_weight * s.support[m.school]
              - p.overload_weight * s.workload[m.school])
    active = model.active_mask
    m.engagement[active] += p.engagement_rate * (np.clip(target, 0.0, 1.0) - m.engagement)[active]


# --- 7.7 memory -----------------------------------------------------------------

def memory(model) -> None:
    """Organizational memory codifies collective learning, decays unused, and helps newcomers.

    Memory moves up toward the staff's mean knowledge at ``codification_rate *
    depth * participation`` and loses ``memory_decay_rate * (1 -
    participation)`` of itself: routines and artefacts outlast people but fade
    when unused (Kruse & Louis). Members in their first year close
    ``memory_catchup_rate`` of any gap up to the memory each month.
    ODD 7.7. Reads: codification_rate, memory_decay_rate, memory_catchup_rate.
    """
    m, s, p = model.members, model.schools, model.p
    mean_knowledge = _by_school(model, m.knowledge).mean(axis=1)
    s.memory += (p.codification_rate * s.talk_depth * s.participation * np.maximum(mean_knowledge - s.memory, 0)
                 - p.memory_decay_rate * (1.0 - s.participation) * s.memory)
    np.clip(s.memory, 0.0, 1.0, out=s.memory)
    newcomer = m.tenure < 1
    gap = np.maximum(s.memory[m.school] - m.knowledge, 0.0)
    m.knowledge[newcomer] += p.memory_catchup_rate * gap[newcomer]


# --- 7.8 networking -------------------------------------------------------------

def networking(model) -> None:
    """Linked schools exchange knowledge, focus and memory through their boundary spanners.

    Each month two linked schools meet with chance ``bridging_rate *
    sqrt(capacity_a * capacity_b)``; a school's bridging capacity is its
    leadership support (principal and teacher leaders carry the ties) times
    ``1 - bonding_insularity * trust`` (tightly bonded staff have fewer outside
    ties; Mulford). In an exchange the weaker school closes
    ``bridging_transfer`` of its gap to the stronger in knowledge (weighted by
    openness), engagement, shared focus and memory: a network can re-seed a
    school whose community has decayed (Jackson; Katz, Earl & Ben Jaafar). A
    facilitator pulls every linked school's shared focus toward hers.
    ODD 7.8.
    """
    links, s, m, p = model.links, model.schools, model.members, model.p
    if links.shape[0] == 0:
        s.bridging_contacts = np.zeros(p.n_schools)
        return
    trust_level = model.trust_means()
    capacity = s.support * (1.0 - p.bonding_insularity * trust_level)
    chance = p.bridging_rate * np.sqrt(capacity[links[:, 0]] * capacity[links[:, 1]])
    met = links[model.rng.random(links.shape[0]) < chance]
    s.bridging_contacts = _per_school(model, met.ravel(), np.ones(met.size))
    knowledge = _by_school(model, m.knowledge).mean(axis=1)
    engaged = _by_school(model, m.engagement).mean(axis=1)
    school_gap = {}
    for name, level in (("knowledge", knowledge), ("engagement", engaged),
                        ("focus", s.shared_focus.copy()), ("memory", s.memory.copy())):
        up = np.maximum(level[met[:, 1]] - level[met[:, 0]], 0.0)
        down = np.maximum(level[met[:, 0]] - level[met[:, 1]], 0.0)
        school_gap[name] = p.bridging_transfer * (_per_school(model, met[:, 0], up)
                                                   + _per_school(model, met[:, 1], down))
    m.knowledge += school_gap["knowledge"][m.school] * m.openness
    m.engagement += school_gap["engagement"][m.school] * model.active_mask
    s.shared_focus += school_gap["focus"]
    s.memory += school_gap["memory"]
    if p.network_facilitator:
        linked = np.bincount(links.ravel(), minlength=p.n_schools) > 0
        s.shared_focus += p.facilitator_rate * (p.facilitator_focus - s.shared_focus) * linked
    for array in (m.knowledge, m.engagement, s.shared_focus, s.memory):
        np.clip(array, 0.0, 1.0, out=array)


# --- 7.9 turnover ---------------------------------------------------------------

def turnover(model) -> None:
    """At each year end, members leave with a chance raised by low trust and engagement.

    A member's annual chance of leaving is ``teacher_turnover_rate * career *
    exp(turnover_sensitivity * (typical_satisfaction - satisfaction))``, where
    satisfaction is the mean of her engagement and her trust in her team and
    ``career`` is ``early_career_factor`` in her first three years (NCES
    Teacher Follow-up Survey 2012-13). Leavers are replaced by newcomers; what
    they knew and had not codified leaves with them. Each principal leaves
    with chance ``principal_turnover_rate`` (NCES Principal Follow-up Survey
    2016-17). Everyone who stays gains a year of tenure.
    ODD 7.9.
    """
    if model.steps % TICKS_PER_YEAR != 0:
        return
    m, s, p, rng = model.members, model.schools, model.p, model.rng
    satisfaction = 0.5 * (m.engagement + model.trust_in_team())
    career = np.where(m.tenure < 3, p.early_career_factor, 1.0)
    chance = p.teacher_turnover_rate * career * np.exp(p.turnover_sensitivity
                                                       * (p.typical_satisfaction - satisfaction))
    leaving = rng.random(chance.size) < np.minimum(chance, 1.0)
    m.tenure += 1
    s.principal_tenure += 1
    s.teachers_left = _per_school(model, m.school[leaving & m.is_teacher],
                                  np.ones((leaving & m.is_teacher).sum()))
    replace_members(model, np.flatnonzero(leaving), reason="the end of the year")
    succeed_principals(model, np.flatnonzero(rng.random(p.n_schools) < p.principal_turnover_rate))


def replace_members(model, slots: np.ndarray, reason: str) -> None:
    """Members in ``slots`` leave; newcomers take their places with low trust and drawn knowledge.

    Colleagues lose ``colleague_loss_effect`` engagement per unit of trust they
    had in each leaver. Departing teacher leaders take their share of the
    shared focus with them, except what memory has codified (Kruse & Louis).
    Reads: colleague_loss_effect, newcomer_knowledge, newcomer_engagement,
    newcomer_trust, trait_spread, initial_openness.
    """
    if slots.size == 0:
        return
    m, s, p, rng = model.members, model.schools, model.p, model.rng
    size = members_per_school(p)
    school, local = m.school[slots], m.local[slots]
    lost_trust = m.trust[school, :, local]  # (leavers, members): each colleague's trust in the leaver
    colleagues = (school[:, None] * size + np.arange(size)).ravel()
    m.engagement -= p.colleague_loss_effect * _per_member(model, colleagues, lost_trust.ravel())
    leaders = _per_school(model, m.school[m.is_leader], np.ones(m.is_leader.sum()))
    lost_leaders = _per_school(model, school[m.is_leader[slots]], np.ones(m.is_leader[slots].sum()))
    share_lost = np.divide(lost_leaders, leaders, out=np.zeros_like(leaders), where=leaders > 0)
    s.shared_focus *= 1.0 - share_lost * (1.0 - s.memory)
    n = slots.size
    m.knowledge[slots] = draw_share(rng, p.newcomer_knowledge, p.trait_spread, n)
    m.openness[slots] = draw_share(rng, p.initial_openness, p.trait_spread, n)
    m.engagement[slots] = p.newcomer_engagement
    m.tenure[slots] = 0.0
    m.is_leader[slots] = False
    m.trust[school, local, :] = p.newcomer_trust
    m.trust[school, :, local] = p.newcomer_trust
    m.trust[school, local, local] = 0.0
    np.clip(m.engagement, 0.0, 1.0, out=m.engagement)
    model.members_replaced(slots, reason)


SCHEDULE = (shocks, leadership, dialogue, learning, trust, engagement, memory, networking, turnover)
"""The processes of one tick, in order (ODD section 3, 'process overview and scheduling')."""

LIVE_SHOCKS = {
    "principal_leaves": principal_leaves,
    "budget_cut": budget_cut,
    "turnover_wave": turnover_wave,
    "policy_focus": policy_focus,
}
"""Shocks that can be triggered at any moment (the app's buttons), by name."""
