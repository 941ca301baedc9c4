"""The model's rules: one function per process, in the order the model runs them (:data:`SCHEDULE`).

Every rule takes the model and changes its state arrays in place (``model.members``, ``model.schools``,
``model.meetings``). A rule reads its constants from ``model.p`` (declared in :mod:`simulation.parameters`)
and its randomness from ``model.rng``; its hot loop is a compiled kernel of :mod:`simulation.kernels`.
Each docstring says the rule in words, the idea it models (with its source), the ODD section, the
parameters read, and the state read and written.

To try your own version of a rule, pass it when building the model:
``PLCModel(rules={"trust": my_trust})`` (see ``docs/rules.md``).
"""

from __future__ import annotations

import numpy as np

from simulation import kernels
from simulation.kernels import (
    BridgeRates,
    BridgeState,
    DialogueRates,
    DialogueState,
    EngagementRates,
    EngagementState,
    LeadershipRates,
    LeadershipState,
    LearningRates,
    LearningState,
    MemoryRates,
    MemoryState,
    Talk,
    TrustRates,
    TrustState,
)
from simulation.parameters import TICKS_PER_YEAR
from simulation.shocks import SHOCKS
from simulation.social_capital import scaled
from simulation.state import Meetings, active_per_school, members_per_school
from simulation.turnover import replace_members, succeed_principals, turnover

__all__ = ["LIVE_SHOCKS", "SCHEDULE", "assign_leader_roles", "dialogue", "engagement", "learning", "leadership",
           "memory", "networking", "policy_churn", "replace_members", "shocks", "succeed_principals", "trust",
           "turnover"]


# --- 7.1 shocks ---------------------------------------------------------------

def shocks(model) -> None:
    """Scheduled shocks, then the recurring churn of outside initiatives.

    Scenario events: at their chosen ticks, hit the first ``shock_share`` of schools: a champion principal
    leaves (Hargreaves), a budget cut removes meeting time, a wave of turnover, a new policy focus (the table
    :data:`simulation.shocks.SHOCKS`). Then :func:`policy_churn`.
    ODD 7.1. Reads: shock_share, principal_leaves_tick, budget_cut_tick, turnover_wave_tick, policy_focus_tick.
    State written: whatever the shock writes (see ``simulation.shocks``).
    """
    p = model.p
    hit = np.arange(round(p.shock_share * p.n_schools))
    for shock in SHOCKS:
        if getattr(p, shock.tick_param) == model.steps:
            shock.apply(model, hit)
    policy_churn(model)


def policy_churn(model) -> None:
    """Outside initiatives come and go: at each year start a school gets a new one with chance ``policy_churn_rate``.

    A new initiative adds ``policy_workload`` and displaces ``initiative_displacement`` of the school's
    codified routines (memory) and of its teacher leaders' shared focus: urban districts adopt and drop
    reforms in quick succession (Hess 1999, policy churn), schools drop reforms when district priorities
    change (Datnow 2005), and unrelated programs compete for the same time and attention (Newmann, Smith,
    Allensworth & Bryk 2001). Each month, ``workload_recovery_rate`` of the workload above its base fades
    as demands are dropped.
    ODD 7.1. Reads: policy_churn_rate, initiative_displacement, policy_workload, workload_recovery_rate,
    workload (the base).
    State written: schools.workload, memory, shared_focus.
    """
    s, p = model.schools, model.p
    s.workload -= p.workload_recovery_rate * np.maximum(s.workload - p.workload, 0.0)
    if p.policy_churn_rate > 0 and model.steps % TICKS_PER_YEAR == 1:
        hit = np.flatnonzero(model.rng.random(p.n_schools) < p.policy_churn_rate)
        s.workload[hit] = np.minimum(1.0, s.workload[hit] + p.policy_workload)
        s.memory[hit] *= 1.0 - p.initiative_displacement
        s.shared_focus[hit] *= 1.0 - p.initiative_displacement
        model.record_event("new_initiative", hit)


# --- 7.2 leadership -------------------------------------------------------------

def leadership(model) -> None:
    """Distributed leadership and succession: share support and focus between principal and teacher leaders.

    A school's effective support is ``(1 - d) * principal_support * standing + d * leader engagement`` and
    its focus ``(1 - d) * principal_focus + d * shared_focus`` (``d``: the principal's distribution).
    Teacher leaders take up a stronger principal focus as their own (``shared_focus``); it fades unless
    codified in memory (Halverson & Spillane; Hargreaves' sustainability). A new principal's standing
    grows from ``successor_initial_standing`` to 1 over ``succession_ramp_years`` and, while it grows, she
    takes up her teacher leaders' focus where it is stronger than hers (Hart 1993: succession as mutual
    socialization; Miller 2013: a dip around a change and recovery within a few years). Outside demands
    divert the principal: she gives ``1 - initiative_diversion * (workload - base workload)`` of her focus to
    inquiry (Newmann, Smith, Allensworth & Bryk 2001: unrelated programmes compete for attention); the
    teacher leaders' shared part is not diverted. Roles are given at each year start to the teachers with
    most knowledge and engagement.
    ODD 7.2. Reads: teacher_leader_share, vision_internalization_rate, shared_focus_decay,
    succession_ramp_years, successor_initial_standing, successor_adoption_rate, initiative_diversion, workload.
    State read: members.is_leader, members.engagement, schools.distribution, principal_support, memory,
    workload.
    State written: schools.principal_months, principal_standing, principal_focus, shared_focus, support,
    focus, leader_engagement (and members.is_leader at a year start).
    """
    m, s, p = model.members, model.schools, model.p
    if model.steps % TICKS_PER_YEAR == 1:
        assign_leader_roles(model)
    s.principal_months += 1
    rates = LeadershipRates(p.teacher_leader_share * p.teachers_per_school, p.vision_internalization_rate,
                            p.shared_focus_decay, p.succession_ramp_years * TICKS_PER_YEAR,
                            p.successor_initial_standing, p.successor_adoption_rate)
    attention = np.clip(1.0 - p.initiative_diversion * np.maximum(s.workload - p.workload, 0.0), 0.0, 1.0)
    kernels.share_leadership(LeadershipState(
        m.is_leader, m.engagement, m.school, s.distribution, s.principal_support, s.principal_focus, attention,
        s.principal_months, s.principal_standing, s.memory, s.shared_focus, s.support, s.focus, s.leader_engagement),
        rates)


def assign_leader_roles(model) -> None:
    """Give ``round(teacher_leader_share * d * teachers)`` informal leader roles in each school.

    Roles go to the teachers with the highest knowledge plus engagement
    (Halverson & Spillane: leadership functions spread over teacher leaders).
    State read: members.knowledge, members.engagement, schools.distribution. State written: members.is_leader.
    """
    m, s, p = model.members, model.schools, model.p
    size, teachers = members_per_school(p), p.teachers_per_school
    score = (m.knowledge + m.engagement).reshape(p.n_schools, size)[:, :teachers]
    rank = np.argsort(np.argsort(-score, axis=1, kind="stable"), axis=1, kind="stable")
    roles = np.rint(p.teacher_leader_share * s.distribution * teachers)[:, None]
    is_leader = np.zeros((p.n_schools, size), dtype=bool)
    is_leader[:, :teachers] = rank < roles
    m.is_leader = is_leader.ravel()


# --- 7.3 dialogue ---------------------------------------------------------------

def dialogue(model) -> None:
    """Teams meet, and colleagues seek conversations; who talks depends on groups, trust and engagement.

    Each month each active member attends her team's meeting (her department in a secondary school, the
    whole staff in a primary) with chance ``meeting_time * engagement``, and seeks
    ``conversations_per_tick`` partners, in her own group (department or grade team) or, with chance
    ``cross_department_contact`` (secondary) or ``cross_grade_contact`` (primary), anywhere in the school
    (Talbert & McLaughlin; Spillane, Kim & Frank 2012). A sought conversation happens with chance
    ``meeting_time * mean engagement * ((1 - w) + w * trust)``. Its depth, from congenial "just talk" (0)
    to consequential conversation about practice (1), is ``quality / (1 + exp(-(t - threshold) / width))``
    with quality ``f * focus + (1 - f) * mean openness`` (Little & Horn) and ``t`` the pair's trust; below
    the vulnerability threshold talk stays congenial (Bryk & Schneider 2002). Under the ``protocols`` memory
    rule, codified protocols stand in for trust: ``t = trust + protocol_strength * memory * (1 - trust)``.
    Whole-school measures weigh talk inside the own group by ``1 - subgroup_discount`` (balkanization).
    ODD 7.3. Reads: conversations_per_tick, trust_contact_weight (w), focus_depth_weight (f),
    vulnerability_threshold, vulnerability_width, memory_rule, protocol_strength, subgroup_discount.
    State read: members.trust, engagement, openness; schools.meeting_time, focus, memory, cross_contact.
    State written: model.meetings; schools.participation, talk_depth, whole_school_depth, reach.
    """
    m, s, p = model.members, model.schools, model.p
    size, active, n_schools = members_per_school(p), active_per_school(p), p.n_schools
    seeking = n_schools * active * p.conversations_per_tick
    draws = model.rng.random(2 * seeking + n_schools * active)
    protocol = p.protocol_strength * s.memory if p.memory_rule == "protocols" else np.zeros(n_schools)
    rates = DialogueRates(p.trust_contact_weight, p.focus_depth_weight, p.vulnerability_threshold,
                          p.vulnerability_width)
    converse = kernels.over_schools(kernels.converse, model.parallel_schools)
    state = DialogueState(s.cross_contact, m.group_start, m.group_size, m.trust, s.meeting_time, m.engagement,
                          m.openness, s.focus, protocol)
    a, b, school, depth, within, attending = converse(draws, state, rates, p.conversations_per_tick, active, size)
    model.meetings = Meetings(a=a, b=b, school=school, depth=depth, attending=attending, within=within)
    s.participation, s.talk_depth, s.whole_school_depth, s.reach = kernels.school_talk(
        Talk(a, b, school, depth, within), m.school, n_schools, active, p.subgroup_discount)


# --- 7.4 learning ---------------------------------------------------------------

def learning(model) -> None:
    """Deep talk moves and creates knowledge; shallow talk only averages; talk below the norm closes practice.

    In each conversation of depth ``x``, each partner closes ``transfer_rate * x * openness`` of any gap up
    to the more knowing one (Frank, Penuel & Krause), both gain ``inquiry_creation_rate * x * focus`` of the
    room left (collaborative inquiry, Katz, Earl & Ben Jaafar), and the shallow part ``1 - x`` averages the
    pair (``congenial_averaging_rate``), which converges on the status quo. Talk above the staff's
    ``collegial_norm`` opens practice (``deprivatization_rate * (x - norm)``, Hord; Little 1990); talk below
    it closes practice (``complacency_rate * (norm - x)``). Alone, each member learns
    ``individual_learning_rate * openness`` of the room left, and practice loses ``knowledge_obsolescence``.
    ODD 7.4. Reads: transfer_rate, inquiry_creation_rate, congenial_averaging_rate, deprivatization_rate,
    complacency_rate, collegial_norm, individual_learning_rate, knowledge_obsolescence.
    State read: model.meetings, schools.focus. State written: members.knowledge, members.openness.
    """
    m, s, p, talk = model.members, model.schools, model.p, model.meetings
    rates = LearningRates(p.transfer_rate, p.inquiry_creation_rate, p.congenial_averaging_rate,
                          p.deprivatization_rate, p.complacency_rate, p.collegial_norm, p.individual_learning_rate,
                          p.knowledge_obsolescence)
    kernels.learn(Talk.of(talk), s.focus[talk.school], LearningState(m.knowledge, m.openness), rates)


# --- 7.5 trust ------------------------------------------------------------------

def trust(model) -> None:
    """Trust is gained slowly from what colleagues show and lost fast in a breach; it has a long memory.

    Every month each tie forgets ``trust_decay_rate`` of itself, and colleagues who attended the same team
    meeting gain ``meeting_trust_rate`` of the room left (familiarity). In each conversation, each partner's
    trust in the other gains ``trust_growth_rate * shown`` of the room left, where ``shown`` is what the
    other showed: the mean of her knowledge (competence), engagement (integrity and commitment) and the
    conversation's depth (respect and regard) (Bryk & Schneider 2002). With chance ``breach_chance * (1 -
    shown)`` the conversation breaches trust instead, and the tie loses ``breach_loss`` of itself: trust is
    gained slowly and lost fast (Slovic 1993). The school's ``social_capital`` scales how fast meeting builds
    trust and how fast it is forgotten (lasting conditions; :mod:`simulation.social_capital`).
    ODD 7.5. Reads: trust_decay_rate, meeting_trust_rate, social_capital, trust_growth_rate, breach_chance,
    breach_loss.
    State read: model.meetings, members.knowledge, members.engagement, members.same_team.
    State written: members.trust.
    """
    m, p, talk = model.members, model.p, model.meetings
    draws = model.rng.random(2 * talk.a.size)
    rates = TrustRates(scaled(p, "trust_decay_rate"), scaled(p, "meeting_trust_rate"), p.trust_growth_rate,
                       p.breach_chance, p.breach_loss)
    update_trust = kernels.over_schools(kernels.update_trust, model.parallel_schools)
    update_trust(Talk.of(talk), m.local[talk.a], m.local[talk.b], draws,
                 TrustState(m.trust, talk.attending, m.same_team, m.knowledge, m.engagement), rates)


# --- 7.6 engagement -------------------------------------------------------------

def engagement(model) -> None:
    """Engagement moves toward what the community is worth to the member.

    The target is ``engagement_base + value_weight * value + support_weight * support - overload_weight *
    workload``, where value is the mean depth of the member's conversations this month (0 if none):
    members commit to a community whose talk is worth having and whose leaders support it, and withdraw
    under overload (Hord's supportive conditions). Engagement moves ``engagement_rate`` of the way each
    month. The loss of trusted colleagues is applied at turnover.
    ODD 7.6. Reads: engagement_base, value_weight, support_weight, overload_weight, engagement_rate.
    State read: model.meetings, schools.support, schools.workload. State written: members.engagement.
    """
    m, s, p = model.members, model.schools, model.p
    kernels.engage(Talk.of(model.meetings),
                   EngagementState(m.school, model.active_mask, s.support, s.workload, m.engagement),
                   EngagementRates(p.engagement_base, p.value_weight, p.support_weight, p.overload_weight,
                                   p.engagement_rate))


# --- 7.7 memory -----------------------------------------------------------------

def memory(model) -> None:
    """Organizational memory codifies what the better-informed know, decays unused, and teaches newcomers.

    Memory rises by ``codification_rate * depth * participation`` times the staff's mean lead over it
    (``max(knowledge - memory, 0)``: the code learns from its superior members, March 1991) and loses
    ``memory_decay_rate * (1 - participation)`` of itself: routines and artefacts outlast people but fade
    when unused (Kruse & Louis). Every member moves ``socialization_rate`` toward it (March's
    socialization); members in their first ``catchup_years`` close ``memory_catchup_rate`` of any gap up to
    it. Under the ``protocols`` rule (``memory_rule``), induction routines also bring newcomers'
    openness toward the staff's (Little & Horn), and the dialogue rule lets protocols stand in for trust.
    ODD 7.7. Reads: codification_rate, memory_decay_rate, memory_catchup_rate, catchup_years,
    socialization_rate, memory_rule.
    State read: members.tenure, schools.talk_depth, schools.participation.
    State written: schools.memory, members.knowledge, members.openness (newcomers, protocols rule).
    """
    m, s, p = model.members, model.schools, model.p
    rates = MemoryRates(p.codification_rate, p.memory_decay_rate, p.memory_catchup_rate, float(p.catchup_years),
                        p.socialization_rate, p.memory_rule == "protocols")
    kernels.codify(MemoryState(m.knowledge, m.openness, m.tenure, s.memory, s.talk_depth, s.participation),
                   members_per_school(p), active_per_school(p), rates)


# --- 7.8 networking -------------------------------------------------------------

def networking(model) -> None:
    """Linked schools exchange knowledge, focus and memory through their boundary spanners.

    Each month two linked schools meet with chance ``bridging_rate * sqrt(capacity_a * capacity_b)``; a
    school's bridging capacity is its leadership support (principal and teacher leaders carry the ties)
    times ``1 - bonding_insularity * trust``, with the school's mean trust as measured at the end of the last
    month (tightly bonded staff have fewer outside ties; Mulford). In an exchange the weaker school closes
    ``bridging_transfer`` of its gap to the stronger in knowledge (weighted by openness), engagement, shared
    focus and memory: a network can re-seed a school whose community has decayed (Jackson; Katz, Earl &
    Ben Jaafar). A facilitator (``network_facilitator``) pulls every linked school's shared focus
    ``facilitator_rate`` of the way toward ``facilitator_focus``.
    ``social_capital`` scales how often spanners meet (bridging social capital; :mod:`simulation.social_capital`).
    ODD 7.8. Reads: bridging_rate, social_capital, bonding_insularity, bridging_transfer, network_facilitator,
    facilitator_rate, facilitator_focus.
    State read: model.links, schools.support, members.openness, the observer's trust.
    State written: members.knowledge, members.engagement, schools.shared_focus, memory, bridging_contacts.
    """
    links, s, m, p = model.links, model.schools, model.members, model.p
    if links.shape[0] == 0:
        s.bridging_contacts = np.zeros(p.n_schools)
        return
    draws = model.rng.random(links.shape[0])
    s.bridging_contacts = kernels.bridge(
        links, draws, members_per_school(p), active_per_school(p),
        BridgeState(model.observer.current["trust"], m.openness, m.knowledge, m.engagement, s.support,
                    s.shared_focus, s.memory),
        BridgeRates(scaled(p, "bridging_rate"), p.bonding_insularity, p.bridging_transfer))
    if p.network_facilitator:
        linked = np.bincount(links.ravel(), minlength=p.n_schools) > 0
        s.shared_focus += p.facilitator_rate * (p.facilitator_focus - s.shared_focus) * linked
        np.clip(s.shared_focus, 0.0, 1.0, out=s.shared_focus)


# --- 7.9 turnover: simulation.turnover ------------------------------------------

SCHEDULE = (shocks, leadership, dialogue, learning, trust, engagement, memory, networking, turnover)
"""The processes of one tick, in order (ODD section 3, 'process overview and scheduling')."""

LIVE_SHOCKS = {shock.name: shock.apply for shock in SHOCKS}
"""Shocks that can be triggered at any moment (the app's buttons), by name: a view of ``simulation.shocks.SHOCKS``."""
