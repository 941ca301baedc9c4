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
from numba import njit

from simulation.parameters import TICKS_PER_YEAR
from simulation.state import Meetings, active_per_school, draw_share, members_per_school

# --- 7.1 shocks ---------------------------------------------------------------

def shocks(model) -> None:
    """Scheduled shocks: at their chosen ticks, hit the first ``shock_share`` of schools.

    Scenario events from MODEL.md: a champion principal leaves (Hargreaves), a
    budget cut removes meeting time, a wave of turnover, a new policy focus.
    ODD 7.1. Reads: shock_share, principal_leaves_tick, budget_cut_tick,
    turnover_wave_tick, policy_focus_tick.
    """
    p = model.p
    scheduled = (
        (p.principal_leaves_tick, principal_leaves),
        (p.budget_cut_tick, budget_cut),
        (p.turnover_wave_tick, turnover_wave),
        (p.policy_focus_tick, policy_focus),
    )
    hit = np.arange(round(p.shock_share * p.n_schools))
    for tick, shock in scheduled:
        if tick == model.steps:
            shock(model, hit)


def principal_leaves(model, schools: np.ndarray) -> None:
    """Shock: the principals of ``schools`` leave now and successors arrive (Hargreaves: succession)."""
    succeed_principals(model, schools)


def budget_cut(model, schools: np.ndarray) -> None:
    """Shock: a budget cut removes ``budget_cut_size`` of the meeting time of ``schools``."""
    model.schools.meeting_time[schools] *= 1.0 - model.p.budget_cut_size
    model.record_event("budget_cut", schools)


def turnover_wave(model, schools: np.ndarray) -> None:
    """Shock: each member of ``schools`` leaves with chance ``turnover_wave_share``."""
    in_hit = np.isin(model.members.school, schools)
    leaving = in_hit & (model.rng.random(in_hit.size) < model.p.turnover_wave_share)
    replace_members(model, np.flatnonzero(leaving), cause="turnover_wave")


def policy_focus(model, schools: np.ndarray) -> None:
    """Shock: a new policy replaces the principals' focus and adds workload.

    What teacher leaders already hold (``shared_focus``) stays: distributed
    focus resists a change imposed on the principal (Halverson & Spillane).
    Reads: policy_focus_level, policy_workload.
    """
    s = model.schools
    s.principal_focus[schools] = model.p.policy_focus_level
    s.workload[schools] = np.minimum(1.0, s.workload[schools] + model.p.policy_workload)
    model.record_event("policy_focus", schools)


# --- 7.2 leadership -------------------------------------------------------------

def leadership(model) -> None:
    """Distributed leadership: share support and focus between principal and teacher leaders.

    A school's effective support and inquiry focus are a blend: the principal
    holds the share ``1 - d`` and teacher leaders hold ``d`` (the principal's
    distribution). Teacher leaders gradually take up the principal's focus as
    their own (``shared_focus``) when it is stronger than theirs; a weaker focus
    (a successor's, or one imposed by policy) does not overwrite theirs; theirs
    fades unless codified in memory. When a principal leaves, what she held
    leaves with her; what was distributed stays (Halverson & Spillane;
    Hargreaves' sustainability). Roles are given at each
    year start to the teachers with most knowledge and engagement.
    ODD 7.2. Reads: teacher_leader_share, vision_internalization_rate,
    shared_focus_decay.
    """
    m, s, p = model.members, model.schools, model.p
    if model.steps % TICKS_PER_YEAR == 1:
        assign_leader_roles(model)
    _share_leadership(m.is_leader, m.engagement, m.school, s.distribution, s.principal_support, s.principal_focus,
                      s.memory, s.shared_focus, s.support, s.focus, s.leader_engagement,
                      p.teacher_leader_share * p.teachers_per_school, p.vision_internalization_rate,
                      p.shared_focus_decay)


@njit(cache=True)
def _share_leadership(is_leader, engagement, school_of, distribution, principal_support, principal_focus, memory,
                      shared_focus, support, focus, leader_engagement, full_roles, internalization, focus_decay):
    """Update shared focus and blend principal and teacher-leader support and focus, in place (see ``leadership``)."""
    count, total = np.zeros(distribution.size), np.zeros(distribution.size)
    for g in range(is_leader.size):
        if is_leader[g]:
            count[school_of[g]] += 1.0
            total[school_of[g]] += engagement[g]
    for s in range(distribution.size):
        d = distribution[s]
        leader_engagement[s] = total[s] / count[s] if count[s] > 0 else 0.0
        presence = min(count[s] / max(full_roles * d, 1.0), 1.0)
        held = shared_focus[s]
        held += (internalization * d * presence * max(principal_focus[s] - held, 0.0)
                 - focus_decay * (1.0 - memory[s]) * held)
        shared_focus[s] = min(max(held, 0.0), 1.0)
        support[s] = (1.0 - d) * principal_support[s] + d * leader_engagement[s]
        focus[s] = (1.0 - d) * principal_focus[s] + d * shared_focus[s]


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
    ``meeting_time * engagement``. Each active member seeks
    ``conversations_per_tick`` partners, mostly in her own department
    (secondary) or among teachers (primary), and with chance
    ``cross_department_contact`` anywhere in the school (Talbert & McLaughlin;
    Spillane, Kim & Frank). A sought conversation happens with chance
    ``meeting_time * mean engagement * ((1 - w) + w * trust)``. Its depth, from
    congenial "just talk" (0) to consequential conversation about practice (1),
    is ``trust * (f * focus + (1 - f) * mean openness)`` (Little & Horn).
    ODD 7.3. Reads: conversations_per_tick, cross_department_contact,
    trust_contact_weight (w), focus_depth_weight (f).
    """
    m, s, p = model.members, model.schools, model.p
    size, active, n_schools = members_per_school(p), active_per_school(p), p.n_schools
    seeking = n_schools * active * p.conversations_per_tick
    draws = model.rng.random(2 * seeking + n_schools * active)
    a, b, school, depth, attending = _converse(
        draws, p.conversations_per_tick, p.cross_department_contact, m.group_start, m.group_size, active, size,
        m.trust, s.meeting_time, m.engagement, m.openness, s.focus, p.trust_contact_weight, p.focus_depth_weight)
    model.meetings = Meetings(a=a, b=b, school=school, depth=depth, attending=attending)
    s.participation, s.talk_depth = _school_talk(a, b, school, depth, m.school, n_schools, active)


@njit(cache=True)
def _converse(draws, conversations, cross_contact, group_start, group_size, active, size, trust, meeting_time,
              engagement, openness, focus, contact_weight, focus_weight):
    """Draw team-meeting attendance and each seeker's partners, decide who talks and how deeply (see ``dialogue``)."""
    n_schools = meeting_time.size
    n = n_schools * active * conversations
    a, b = np.empty(n, np.int64), np.empty(n, np.int64)
    school, depth = np.empty(n, np.int64), np.empty(n)
    attending = np.zeros((n_schools, size), np.bool_)
    found, c = 0, 0
    for s in range(n_schools):
        for local in range(active):
            seeker = s * size + local
            attending[s, local] = draws[2 * n + s * active + local] < meeting_time[s] * engagement[seeker]
            for _ in range(conversations):
                draw, accept = draws[2 * c], draws[2 * c + 1]
                c += 1
                # one uniform picks both where to look and whom: below cross_contact, anywhere in the school
                if draw < cross_contact:
                    start, span, position = 0, active, draw / cross_contact
                else:
                    start, span = group_start[seeker], group_size[seeker]
                    position = (draw - cross_contact) / (1.0 - cross_contact)
                partner_local = start + min(int(position * span), span - 1)
                if partner_local == local:
                    continue
                partner = s * size + partner_local
                tie = trust[s, local, partner_local]
                chance = (meeting_time[s] * 0.5 * (engagement[seeker] + engagement[partner])
                          * ((1.0 - contact_weight) + contact_weight * tie))
                if accept < chance:
                    a[found], b[found], school[found] = seeker, partner, s
                    pair_openness = 0.5 * (openness[seeker] + openness[partner])
                    depth[found] = tie * (focus_weight * focus[s] + (1.0 - focus_weight) * pair_openness)
                    found += 1
    return a[:found], b[:found], school[:found], depth[:found], attending


@njit(cache=True)
def _school_talk(a, b, school, depth, school_of, n_schools, active):
    """Per school: the share of active members who talked, and the mean depth of its conversations."""
    talked = np.zeros(school_of.size, np.bool_)
    count, total = np.zeros(n_schools), np.zeros(n_schools)
    for c in range(a.size):
        talked[a[c]] = True
        talked[b[c]] = True
        count[school[c]] += 1.0
        total[school[c]] += depth[c]
    participation = np.zeros(n_schools)
    for g in range(talked.size):
        if talked[g]:
            participation[school_of[g]] += 1.0
    mean_depth = np.zeros(n_schools)
    for s in range(n_schools):
        participation[s] /= active
        if count[s] > 0:
            mean_depth[s] = total[s] / count[s]
    return participation, mean_depth


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
    ODD 7.4. Reads: transfer_rate, inquiry_creation_rate,
    congenial_averaging_rate, deprivatization_rate, complacency_rate,
    individual_learning_rate, knowledge_obsolescence.
    """
    m, s, p, talk = model.members, model.schools, model.p, model.meetings
    _learn(talk.a, talk.b, talk.depth, s.focus[talk.school], m.knowledge, m.openness, p.transfer_rate,
           p.inquiry_creation_rate, p.congenial_averaging_rate, p.deprivatization_rate, p.complacency_rate,
           p.individual_learning_rate, p.knowledge_obsolescence)


@njit(cache=True)
def _learn(a, b, depth, focus, knowledge, openness, transfer, creation, averaging, deprivatization, complacency,
           individual, obsolescence):
    """Apply one month of learning in place (see ``learning``); changes are summed over conversations."""
    gain, opening = np.zeros(knowledge.size), np.zeros(knowledge.size)
    for c in range(a.size):
        i, j, x = a[c], b[c], depth[c]
        gap = knowledge[j] - knowledge[i]
        inquiry = creation * x * focus[c]
        shallow = averaging * (1.0 - x) * gap
        gain[i] += transfer * x * max(gap, 0.0) * openness[i] + shallow + inquiry * (1.0 - knowledge[i])
        gain[j] += transfer * x * max(-gap, 0.0) * openness[j] - shallow + inquiry * (1.0 - knowledge[j])
        opening[i] += deprivatization * x * (1.0 - openness[i]) - complacency * (1.0 - x) * openness[i]
        opening[j] += deprivatization * x * (1.0 - openness[j]) - complacency * (1.0 - x) * openness[j]
    for g in range(knowledge.size):
        k = knowledge[g] + gain[g]
        k += individual * openness[g] * (1.0 - k) - obsolescence * k
        knowledge[g] = min(max(k, 0.0), 1.0)
        openness[g] = min(max(openness[g] + opening[g], 0.0), 1.0)


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
    _update_trust(m.trust, talk.attending, m.same_team, talk.school, m.local[talk.a], m.local[talk.b], talk.depth,
                  p.trust_decay_rate, p.meeting_trust_rate, p.trust_growth_rate)


@njit(cache=True)
def _update_trust(trust, attending, same_team, school, local_a, local_b, depth, decay, meeting_rate, growth):
    """Apply one month of trust decay, team-meeting trust and conversation trust in place (see ``trust``)."""
    n_schools, size = attending.shape
    for s in range(n_schools):
        for i in range(size):
            for j in range(size):
                tie = trust[s, i, j] * (1.0 - decay)
                if attending[s, i] and attending[s, j] and same_team[s, i, j]:
                    tie += meeting_rate * (1.0 - tie)
                trust[s, i, j] = tie
    grown = np.empty(school.size)  # from this month's trust, so a pair grows once however often it met
    for c in range(school.size):
        tie = trust[school[c], local_a[c], local_b[c]]
        grown[c] = tie + growth * 0.5 * (1.0 + depth[c]) * (1.0 - tie)
    for c in range(school.size):
        trust[school[c], local_a[c], local_b[c]] = grown[c]
        trust[school[c], local_b[c], local_a[c]] = grown[c]


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
    ODD 7.6. Reads: engagement_base, value_weight, support_weight,
    overload_weight, engagement_rate.
    """
    m, s, p, talk = model.members, model.schools, model.p, model.meetings
    _engage(talk.a, talk.b, talk.depth, m.school, model.active_mask, s.support, s.workload, m.engagement,
            p.engagement_base, p.value_weight, p.support_weight, p.overload_weight, p.engagement_rate)


@njit(cache=True)
def _engage(a, b, depth, school_of, active, support, workload, engagement, base, value_weight, support_weight,
            overload_weight, rate):
    """Move each active member's engagement toward its target, in place (see ``engagement``)."""
    count, total = np.zeros(engagement.size), np.zeros(engagement.size)
    for c in range(a.size):
        count[a[c]] += 1.0
        count[b[c]] += 1.0
        total[a[c]] += depth[c]
        total[b[c]] += depth[c]
    for g in range(engagement.size):
        if not active[g]:
            continue
        value = total[g] / count[g] if count[g] > 0 else 0.0
        s = school_of[g]
        target = base + value_weight * value + support_weight * support[s] - overload_weight * workload[s]
        engagement[g] += rate * (min(max(target, 0.0), 1.0) - engagement[g])


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
    _codify(m.knowledge, m.tenure, m.school, s.memory, s.talk_depth, s.participation, members_per_school(p),
            active_per_school(p), p.codification_rate, p.memory_decay_rate, p.memory_catchup_rate)


@njit(cache=True)
def _codify(knowledge, tenure, school_of, memory, talk_depth, participation, size, active, codification, decay,
            catchup):
    """Codify, forget, and let first-year members catch up, in place (see ``memory``)."""
    for s in range(memory.size):
        mean_knowledge = 0.0
        for local in range(active):
            mean_knowledge += knowledge[s * size + local]
        mean_knowledge /= active
        level = memory[s]
        level += (codification * talk_depth[s] * participation[s] * max(mean_knowledge - level, 0.0)
                  - decay * (1.0 - participation[s]) * level)
        memory[s] = min(max(level, 0.0), 1.0)
    for g in range(knowledge.size):
        if tenure[g] < 1:
            knowledge[g] += catchup * max(memory[school_of[g]] - knowledge[g], 0.0)


# --- 7.8 networking -------------------------------------------------------------

def networking(model) -> None:
    """Linked schools exchange knowledge, focus and memory through their boundary spanners.

    Each month two linked schools meet with chance ``bridging_rate *
    sqrt(capacity_a * capacity_b)``; a school's bridging capacity is its
    leadership support (principal and teacher leaders carry the ties) times
    ``1 - bonding_insularity * trust``, with the school's mean trust as
    measured at the end of the last month (tightly bonded staff have fewer
    outside ties; Mulford). In an exchange the weaker school closes
    ``bridging_transfer`` of its gap to the stronger in knowledge (weighted by
    openness), engagement, shared focus and memory: a network can re-seed a
    school whose community has decayed (Jackson; Katz, Earl & Ben Jaafar). A
    facilitator (``network_facilitator``) pulls every linked school's shared
    focus ``facilitator_rate`` of the way toward ``facilitator_focus``.
    ODD 7.8. Reads: bridging_rate, bonding_insularity, bridging_transfer,
    network_facilitator, facilitator_rate, facilitator_focus.
    """
    links, s, m, p = model.links, model.schools, model.members, model.p
    if links.shape[0] == 0:
        s.bridging_contacts = np.zeros(p.n_schools)
        return
    draws = model.rng.random(links.shape[0])
    s.bridging_contacts = _bridge(
        links, draws, model.observer.current["trust"], p.bridging_rate, p.bonding_insularity, p.bridging_transfer,
        members_per_school(p), active_per_school(p), m.openness, m.knowledge, m.engagement, s.support,
        s.shared_focus, s.memory)
    if p.network_facilitator:
        linked = np.bincount(links.ravel(), minlength=p.n_schools) > 0
        s.shared_focus += p.facilitator_rate * (p.facilitator_focus - s.shared_focus) * linked
        np.clip(s.shared_focus, 0.0, 1.0, out=s.shared_focus)


@njit(cache=True)
def _bridge(links, draws, trust, rate, insularity, transfer, size, active, openness, knowledge, engagement, support,
            shared_focus, memory):
    """One month of exchanges between linked schools, in place; returns each school's number of exchanges."""
    n_schools = support.size
    levels = np.zeros((4, n_schools))  # knowledge, engagement, shared focus, memory before any exchange
    for s in range(n_schools):
        for local in range(active):
            levels[0, s] += knowledge[s * size + local] / active
            levels[1, s] += engagement[s * size + local] / active
        levels[2, s], levels[3, s] = shared_focus[s], memory[s]
    gains, contacts = np.zeros((4, n_schools)), np.zeros(n_schools)
    for e in range(links.shape[0]):
        x, y = links[e, 0], links[e, 1]
        capacity_x = support[x] * (1.0 - insularity * trust[x])
        capacity_y = support[y] * (1.0 - insularity * trust[y])
        if draws[e] >= rate * np.sqrt(capacity_x * capacity_y):
            continue
        contacts[x] += 1.0
        contacts[y] += 1.0
        for q in range(4):
            gains[q, x] += transfer * max(levels[q, y] - levels[q, x], 0.0)
            gains[q, y] += transfer * max(levels[q, x] - levels[q, y], 0.0)
    for g in range(knowledge.size):
        s = g // size
        knowledge[g] = min(knowledge[g] + gains[0, s] * openness[g], 1.0)
        if g % size < active:
            engagement[g] = min(engagement[g] + gains[1, s], 1.0)
    for s in range(n_schools):
        shared_focus[s] = min(shared_focus[s] + gains[2, s], 1.0)
        memory[s] = min(memory[s] + gains[3, s], 1.0)
    return contacts


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
    ODD 7.9. Reads: teacher_turnover_rate, early_career_factor,
    turnover_sensitivity, typical_satisfaction, principal_turnover_rate.
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
    s.teachers_left = np.bincount(m.school[leaving & m.is_teacher], minlength=p.n_schools).astype(float)
    replace_members(model, np.flatnonzero(leaving), cause="year_end")
    succeed_principals(model, np.flatnonzero(rng.random(p.n_schools) < p.principal_turnover_rate))


def replace_members(model, slots: np.ndarray, cause: str) -> None:
    """Members in ``slots`` leave for ``cause`` (a key of ``events.CAUSES``); newcomers take their places.

    Colleagues lose ``colleague_loss_effect`` engagement per unit of trust they
    had in each leaver. Departing teacher leaders take their share of the
    shared focus with them, except what memory has codified (Kruse & Louis).
    Reads: colleague_loss_effect, newcomer_knowledge, newcomer_engagement,
    newcomer_trust, trait_spread, initial_openness.
    """
    if slots.size == 0:
        return
    m, s, p, rng = model.members, model.schools, model.p, model.rng
    _leave(slots, members_per_school(p), m.trust, m.engagement, m.is_leader, s.shared_focus, s.memory,
           p.colleague_loss_effect, p.newcomer_trust)
    n = slots.size
    m.knowledge[slots] = draw_share(rng, p.newcomer_knowledge, p.trait_spread, n)
    m.openness[slots] = draw_share(rng, p.initial_openness, p.trait_spread, n)
    m.engagement[slots] = p.newcomer_engagement
    m.tenure[slots] = 0.0
    m.person[slots] = model.new_person_ids(n)
    model.members_replaced(slots, cause)


@njit(cache=True)
def _leave(slots, size, trust, engagement, is_leader, shared_focus, memory, loss_effect, newcomer_trust):
    """What leavers take with them, in place: colleagues' engagement, shared focus, and their trust ties."""
    leaders, lost = np.zeros(shared_focus.size), np.zeros(shared_focus.size)
    for g in range(is_leader.size):
        leaders[g // size] += is_leader[g]
    for g in slots:
        s, i = g // size, g % size
        lost[s] += is_leader[g]
        for j in range(size):
            engagement[s * size + j] = max(engagement[s * size + j] - loss_effect * trust[s, j, i], 0.0)
    for s in range(shared_focus.size):
        if leaders[s] > 0:
            shared_focus[s] *= 1.0 - lost[s] / leaders[s] * (1.0 - memory[s])
    for g in slots:
        s, i = g // size, g % size
        is_leader[g] = False
        trust[s, i, :] = newcomer_trust
        trust[s, :, i] = newcomer_trust
        trust[s, i, i] = 0.0


SCHEDULE = (shocks, leadership, dialogue, learning, trust, engagement, memory, networking, turnover)
"""The processes of one tick, in order (ODD section 3, 'process overview and scheduling')."""

LIVE_SHOCKS = {
    "principal_leaves": principal_leaves,
    "budget_cut": budget_cut,
    "turnover_wave": turnover_wave,
    "policy_focus": policy_focus,
}
"""Shocks that can be triggered at any moment (the app's buttons), by name."""
