"""The model's rules: one function per process, in the order the model runs them (:data:`SCHEDULE`).

Every rule takes the model and changes its state arrays in place (``model.members``, ``model.schools``,
``model.meetings``). A rule reads its constants from ``model.p`` (declared in :mod:`simulation.parameters`)
and its randomness from ``model.rng``; its hot loop is a compiled kernel of :mod:`simulation.kernels`.
Each docstring says the rule in words and the idea it models (with its source); its declaration
(:func:`simulation.rule_declaration.declare_rule`, above each rule) names the parameters it reads, the state it
reads and writes, its ODD subsection and the words of ``docs/rules.md``, and adds the numbered clause to the
docstring: the section number is the rule's place in :data:`SCHEDULE`.

To try your own version of a rule, pass it when building the model:
``PLCModel(rules={"trust": my_trust})`` (see ``docs/rules.md``). A rule with a kernel takes it as its
``kernel`` argument, so a rule that runs a changed kernel (:func:`simulation.kernels.variant`) is
``lambda model: rules.learning(model, kernel=my_learn)``.
"""

from __future__ import annotations

import numpy as np

from simulation import kernels
from simulation.events import RECURRING_CUT
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
    any_positive,
    at,
)
from simulation.parameters import TICKS_PER_YEAR, once_per_params
from simulation.rule_declaration import declare_rule, document
from simulation.shocks import SHOCKS, cut_meeting_time
from simulation.social_capital import scaled
from simulation.state import Meetings, active_per_school, members_per_school
from simulation.turnover import replace_members, succeed_principals, turnover

__all__ = ["LIVE_SHOCKS", "SCHEDULE", "assign_leader_roles", "dialogue", "engagement", "learning", "leadership",
           "memory", "networking", "policy_churn", "replace_members", "shocks", "succeed_principals", "time_cuts",
           "trust", "turnover"]


# --- shocks --------------------------------------------------------------------

@declare_rule(
    title="scheduled scenario events",
    reads=("shock_share", "principal_leaves_tick", "budget_cut_tick", "turnover_wave_tick", "policy_focus_tick"),
    state_written="whatever the shock writes (see ``simulation.shocks``)",
    models="Scenario events at chosen ticks for the first `shock_share` of schools (the table "
           "`simulation.shocks.SHOCKS`): a champion principal leaves (Hargreaves: succession), a budget cut removes "
           "meeting time, a wave of turnover, a new policy focus; then the churn of outside initiatives "
           "(`policy_churn`) and cuts to collaboration time (`time_cuts`).",
    exercise="Make the budget cut gradual: remove the same meeting time in ten monthly steps over a year. Does a "
             "slow cut hurt less than a sudden one?")
def shocks(model) -> None:
    """Scheduled shocks, then the recurring churn of outside initiatives and cuts to collaboration time.

    Scenario events: at their chosen ticks, hit the first ``shock_share`` of schools: a champion principal
    leaves (Hargreaves), a budget cut removes meeting time, a wave of turnover, a new policy focus (the table
    :data:`simulation.shocks.SHOCKS`). Then :func:`policy_churn` and :func:`time_cuts`.
    """
    p = model.p
    for shock in SHOCKS:
        if getattr(p, shock.tick_param) == model.steps:
            shock.apply(model, np.arange(round(p.shock_share * p.n_schools)))
    policy_churn(model)
    time_cuts(model)


@declare_rule(
    part_of="shocks", called_by="`shocks`, every month",
    reads=("policy_churn_rate", "initiative_displacement", "policy_workload", "workload_recovery_rate", "workload"),
    state_written="schools.workload, memory, shared_focus",
    models="At each year start a school gets a new outside initiative with chance `policy_churn_rate`: it adds "
           "workload and displaces part of the routines (memory) and the teacher leaders' shared focus; added "
           "workload fades month by month (Hess 1999: policy churn; Datnow 2005; Newmann et al. 2001: program "
           "incoherence).")
def policy_churn(model) -> None:
    """Outside initiatives come and go: at each year start a school gets a new one with chance ``policy_churn_rate``.

    A new initiative adds ``policy_workload`` and displaces ``initiative_displacement`` of the school's
    codified routines (memory) and of its teacher leaders' shared focus: urban districts adopt and drop
    reforms in quick succession (Hess 1999, policy churn), schools drop reforms when district priorities
    change (Datnow 2005), and unrelated programs compete for the same time and attention (Newmann, Smith,
    Allensworth & Bryk 2001). Each month, ``workload_recovery_rate`` of the workload above its base fades
    as demands are dropped (``workload`` is the base).
    """
    s, p = model.schools, model.p
    s.workload -= p.workload_recovery_rate * np.maximum(s.workload - p.workload, 0.0)
    if model.steps % TICKS_PER_YEAR == 1 and any_positive(p.policy_churn_rate):
        hit = np.flatnonzero(model.rng.random(p.n_schools) < p.policy_churn_rate)
        s.workload[hit] = np.minimum(1.0, s.workload[hit] + at(p.policy_workload, hit))
        kept = 1.0 - at(p.initiative_displacement, hit)
        s.memory[hit] *= kept
        s.shared_focus[hit] *= kept
        model.record_event("new_initiative", hit)


@declare_rule(
    part_of="shocks", called_by="`shocks`, every month",
    reads=("time_cut_rate", "time_cut_size", "time_restoration_rate", "meeting_time"),
    state_written="schools.meeting_time",
    models="At each year start a school loses `time_cut_size` of its meeting time with chance `time_cut_rate`; each "
           "month `time_restoration_rate` of the time below its declared level returns (Taylor 2006: a lack of "
           "professional-development support, a strongest risk factor; Datnow 2005).")
def time_cuts(model) -> None:
    """Time for collaboration is cut and restored: at each year start a school loses ``time_cut_size`` of its meeting
    time with chance ``time_cut_rate``; each month ``time_restoration_rate`` of the time below its declared level
    returns.

    Funded professional-development time ends when budgets or grants do, and a lack of support for professional
    learning is, with faculty retention, the strongest of the risk factors for dropping a reform (Taylor 2006;
    Datnow 2005: resources). A cut is logged as a budget cut (:func:`simulation.shocks.cut_meeting_time`), but its
    size is its own: the one-off budget-cut shock keeps ``budget_cut_size``, so a regime of recurring cuts does not
    change what a scheduled or live shock does. Restoration also brings back time a scheduled or live cut took,
    unless ``time_restoration_rate`` is 0. The draws come from ``model.time_cut_stream``, not ``model.rng``: cuts do
    not depend on what happens in the school, so the arms of an experiment meet the same cuts (common random
    numbers).
    """
    s, p = model.schools, model.p
    if any_positive(p.time_restoration_rate):  # at 0 (the default) it would add zeros: four numpy calls a month saved
        s.meeting_time += p.time_restoration_rate * np.maximum(p.meeting_time - s.meeting_time, 0.0)
    if model.steps % TICKS_PER_YEAR == 1 and any_positive(p.time_cut_rate):
        hit = np.flatnonzero(model.time_cut_stream.random(p.n_schools) < p.time_cut_rate)
        cut_meeting_time(model, hit, at(p.time_cut_size, hit), cause=RECURRING_CUT)


# --- leadership ----------------------------------------------------------------

@declare_rule(
    title="distributed leadership and principal succession",
    reads=("teacher_leader_share", "vision_internalization_rate", "shared_focus_decay", "succession_ramp_years",
           "successor_initial_standing", "successor_adoption_rate", "initiative_diversion", "workload"),
    state_read="members.is_leader, members.engagement, schools.distribution, principal_support, memory, workload",
    state_written="schools.principal_months, principal_standing, principal_focus, shared_focus, support, focus, "
                  "leader_engagement (and members.is_leader at a year start)",
    models="Distributed leadership: effective support and focus blend the principal's share `1 - d` with the "
           "teacher leaders' share `d`; teacher leaders take up a stronger principal focus as their own; a new "
           "principal's standing builds over her first years while she takes up her teacher leaders' focus "
           "(Halverson & Spillane; Hart 1993; Miller 2013).",
    exercise="Give leader roles to the most *engaged* teachers instead of the most knowledgeable and engaged "
             "(reassign `model.members.is_leader` at each year start). Does who leads matter for persistence?")
def leadership(model, kernel=kernels.share_leadership) -> None:
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
    """
    m, s, p = model.members, model.schools, model.p
    if model.steps % TICKS_PER_YEAR == 1:
        assign_leader_roles(model)
    s.principal_months += 1
    rates = _leadership_rates(p)
    kernels.call(kernel, LeadershipState(
        m.is_leader, m.engagement, m.school, s.distribution, s.principal_support, s.principal_focus, s.workload,
        s.principal_months, s.principal_standing, s.memory, s.shared_focus, s.support, s.focus, s.leader_engagement),
        rates)


@once_per_params
def _leadership_rates(p) -> LeadershipRates:
    """The leadership kernel's rates of parameter set ``p``."""
    return LeadershipRates(p.teacher_leader_share * p.teachers_per_school, p.vision_internalization_rate,
                           p.shared_focus_decay, p.succession_ramp_years * TICKS_PER_YEAR,
                           p.successor_initial_standing, p.successor_adoption_rate, p.initiative_diversion, p.workload)


@declare_rule(
    part_of="leadership", called_by="`leadership`, at each year start",
    reads=("teacher_leader_share",),
    state_read="members.knowledge, members.engagement, schools.distribution", state_written="members.is_leader",
    models="Gives `round(teacher_leader_share * d * teachers)` informal leader roles per school to the teachers "
           "with most knowledge plus engagement (Halverson & Spillane).")
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


# --- dialogue ------------------------------------------------------------------

@declare_rule(
    title="team meetings and conversations",
    reads=("conversations_per_tick", "trust_contact_weight", "focus_depth_weight", "vulnerability_threshold",
           "vulnerability_width", "memory_rule", "protocol_strength", "subgroup_discount"),
    state_read="members.trust, engagement, openness, group_start, group_size; schools.meeting_time, focus, memory, "
               "cross_contact",
    state_written="model.meetings; schools.participation, talk_depth, whole_school_depth, reach",
    models="Teams meet; colleagues seek conversations, mostly inside their department or grade team (Talbert & "
           "McLaughlin; Spillane, Kim & Frank 2012). Talk has a depth from congenial \"just talk\" to "
           "consequential conversation about practice, raised by a clear inquiry focus and open practice (Little & "
           "Horn) once trust passes a vulnerability threshold (Bryk & Schneider 2002).",
    exercise="Structured protocols: make every conversation at least as deep as the school's focus (remember to "
             "update `model.schools.talk_depth`, which summarises the depths). Do protocols substitute for trust? "
             "Compare with `memory_rule=\"protocols\"`.")
def dialogue(model, kernel=kernels.converse) -> None:
    """Teams meet, and colleagues seek conversations; who talks depends on groups, trust and engagement.

    Each month each active member attends her team's meeting (her department in a secondary school, the
    whole staff in a primary) with chance ``meeting_time * engagement``, and seeks
    ``conversations_per_tick`` partners, in her own group (department or grade team) or, with chance
    ``cross_department_contact`` (secondary) or ``cross_grade_contact`` (primary), anywhere in the school
    (Talbert & McLaughlin; Spillane, Kim & Frank 2012). A sought conversation happens with chance
    ``meeting_time * mean engagement * ((1 - w) + w * trust)`` (``w``: ``trust_contact_weight``). Its depth,
    from congenial "just talk" (0) to consequential conversation about practice (1), is
    ``quality / (1 + exp(-(t - threshold) / width))`` with quality ``f * focus + (1 - f) * mean openness``
    (``f``: ``focus_depth_weight``; Little & Horn) and ``t`` the pair's trust; below the vulnerability
    threshold talk stays congenial (Bryk & Schneider 2002). Under the ``protocols`` memory rule, codified
    protocols stand in for trust: ``t = trust + protocol_strength * memory * (1 - trust)``.
    Whole-school measures weigh talk inside the own group by ``1 - subgroup_discount`` (balkanization).
    """
    m, s, p = model.members, model.schools, model.p
    size, active, n_schools = members_per_school(p), active_per_school(p), p.n_schools
    seeking = n_schools * active * p.conversations_per_tick
    draws = model.rng.random(2 * seeking + n_schools * active)
    protocol = p.protocol_strength * s.memory if p.memory_rule == "protocols" else np.zeros(n_schools)
    converse = kernels.over_schools(kernel, model.parallel_schools)
    state = DialogueState(s.cross_contact, m.group_start, m.group_size, m.trust, s.meeting_time, m.engagement,
                          m.openness, s.focus, protocol)
    a, b, school, depth, within, attending = kernels.call(converse, draws, state, _dialogue_rates(p),
                                                          p.conversations_per_tick, active, size)
    model.meetings = Meetings(a=a, b=b, school=school, depth=depth, attending=attending, within=within)
    s.participation, s.talk_depth, s.whole_school_depth, s.reach = kernels.call(
        kernels.school_talk, Talk(a, b, school, depth, within), m.school, n_schools, active, p.subgroup_discount)


@once_per_params
def _dialogue_rates(p) -> DialogueRates:
    """The dialogue kernel's rates of parameter set ``p``."""
    return DialogueRates(p.trust_contact_weight, p.focus_depth_weight, p.vulnerability_threshold,
                         p.vulnerability_width)


# --- learning ------------------------------------------------------------------

@declare_rule(
    title="transfer, inquiry, congenial averaging",
    reads=("transfer_rate", "inquiry_creation_rate", "congenial_averaging_rate", "deprivatization_rate",
           "complacency_rate", "collegial_norm", "individual_learning_rate", "knowledge_obsolescence",
           "felt_safety_weight", "vulnerability_threshold", "vulnerability_width"),
    state_read="model.meetings, schools.focus, members.trust", state_written="members.knowledge, members.openness",
    models="Deep talk moves know-how from the more to the less knowing (Frank, Penuel & Krause) and creates new "
           "knowledge in focused inquiry; shallow talk only averages; talk below the staff's collegial norm closes "
           "practice, talk above it opens practice (Katz, Earl & Ben Jaafar; Hord; Little 1990); with "
           "`felt_safety_weight` a teacher experiments on her own as far as trust in her colleagues makes it safe "
           "(Edmondson 1999; Bryk & Schneider 2002).",
    exercise="The worked kernel edit below: let openness fall only when a teacher talks shallowly with someone "
             "*less* knowing.")
def learning(model, kernel=kernels.learn) -> None:
    """Deep talk moves and creates knowledge; shallow talk only averages; talk below the norm closes practice.

    In each conversation of depth ``x``, each partner closes ``transfer_rate * x * openness`` of any gap up
    to the more knowing one (Frank, Penuel & Krause), both gain ``inquiry_creation_rate * x * focus`` of the
    room left (collaborative inquiry, Katz, Earl & Ben Jaafar), and the shallow part ``1 - x`` averages the
    pair (``congenial_averaging_rate``), which converges on the status quo. Talk above the staff's
    ``collegial_norm`` opens practice (``deprivatization_rate * (x - norm)``, Hord; Little 1990); talk below
    it closes practice (``complacency_rate * (norm - x)``). Alone, each member learns
    ``individual_learning_rate * openness * pace`` of the room left, and practice loses ``knowledge_obsolescence``.
    Her ``pace`` is ``1 - w + w * safety`` with ``w = felt_safety_weight`` (1 by default; 0 gives the full rate):
    her felt ``safety`` (``kernels.felt_safety``) is the vulnerability curve of the dialogue rule
    (``vulnerability_threshold``, ``vulnerability_width``) at her mean trust in her colleagues. Trying new practice
    exposes a teacher as talk does, so she experiments where she feels safe (psychological safety, Edmondson 1999;
    trust lowers the vulnerability of taking on new practice, Bryk & Schneider 2002): trust then raises the *rate*
    of improvement, not only the share of a gap that talk closes.
    """
    m, s, p, talk = model.members, model.schools, model.p, model.meetings
    kernels.call(kernel, Talk.of(talk), s.focus[talk.school], LearningState(m.knowledge, m.openness, m.trust),
                 active_per_school(p), _learning_rates(p))


@once_per_params
def _learning_rates(p) -> LearningRates:
    """The learning kernel's rates of parameter set ``p``."""
    return LearningRates(p.transfer_rate, p.inquiry_creation_rate, p.congenial_averaging_rate,
                         p.deprivatization_rate, p.complacency_rate, p.collegial_norm, p.individual_learning_rate,
                         p.knowledge_obsolescence, p.felt_safety_weight, p.vulnerability_threshold,
                         p.vulnerability_width)


# --- trust ---------------------------------------------------------------------

@declare_rule(
    title="slow gains, fast losses, a long memory",
    reads=("trust_decay_rate", "meeting_trust_rate", "social_capital", "trust_growth_rate", "breach_chance",
           "breach_loss"),
    state_read="model.meetings, members.knowledge, members.engagement, members.same_team",
    state_written="members.trust",
    models="Trust grows slowly with what colleagues show (competence, integrity, respect, regard: Bryk & Schneider "
           "2002) and is lost fast in a breach (Slovic 1993); it is forgotten only slowly.",
    exercise="Trust that never decays (the worked example below and `notebooks/02_change_a_rule.ipynb`); then "
             "forgiveness: a breach costs less between colleagues who have talked deeply this year.")
def trust(model, kernel=kernels.update_trust) -> None:
    """Trust is gained slowly from what colleagues show and lost fast in a breach; it has a long memory.

    Every month each tie forgets ``trust_decay_rate`` of itself, and colleagues who attended the same team
    meeting gain ``meeting_trust_rate`` of the room left (familiarity). Who meets as a team is
    ``members.same_team``: a department in a secondary school, but the *whole staff* in a primary school;
    the grade team (or department) inside which a member seeks most conversations is ``members.same_group``
    (``docs/rules.md``, "Teams and groups"). In each conversation, each partner's trust in the other gains
    ``trust_growth_rate * shown`` of the room left, where ``shown`` is what the
    other showed: the mean of her knowledge (competence), engagement (integrity and commitment) and the
    conversation's depth (respect and regard) (Bryk & Schneider 2002). With chance ``breach_chance * (1 -
    shown)`` the conversation breaches trust instead, and the tie loses ``breach_loss`` of itself: trust is
    gained slowly and lost fast (Slovic 1993). The school's ``social_capital`` scales how fast meeting builds
    trust and how fast it is forgotten (lasting conditions; :mod:`simulation.social_capital`).
    """
    m, p, talk = model.members, model.p, model.meetings
    draws = model.rng.random(2 * talk.a.size)
    update_trust = kernels.over_schools(kernel, model.parallel_schools)
    kernels.call(update_trust, Talk.of(talk), m.local[talk.a], m.local[talk.b], draws,
                 TrustState(m.trust, talk.attending, m.same_team, m.knowledge, m.engagement), _trust_rates(p))


@once_per_params
def _trust_rates(p) -> TrustRates:
    """The trust kernel's rates of parameter set ``p``, social capital's scaling included."""
    return TrustRates(scaled(p, "trust_decay_rate"), scaled(p, "meeting_trust_rate"), p.trust_growth_rate,
                      p.breach_chance, p.breach_loss)


# --- engagement ----------------------------------------------------------------

@declare_rule(
    title="toward what the community is worth",
    reads=("engagement_base", "value_weight", "support_weight", "overload_weight", "engagement_rate"),
    state_read="model.meetings, schools.support, schools.workload", state_written="members.engagement",
    models="Engagement moves toward what the community is worth to a member: the depth of her conversations and "
           "her leaders' support, minus overload (Hord's supportive conditions).",
    exercise="Burnout: engagement falls three times faster than it rises. Which presets lose their communities?")
def engagement(model, kernel=kernels.engage) -> None:
    """Engagement moves toward what the community is worth to the member.

    The target is ``engagement_base + value_weight * value + support_weight * support - overload_weight *
    workload``, where value is the mean depth of the member's conversations this month (0 if none):
    members commit to a community whose talk is worth having and whose leaders support it, and withdraw
    under overload (Hord's supportive conditions). Engagement moves ``engagement_rate`` of the way each
    month. The loss of trusted colleagues is applied at turnover.
    """
    m, s, p = model.members, model.schools, model.p
    kernels.call(kernel, Talk.of(model.meetings),
                 EngagementState(m.school, model.active_mask, s.support, s.workload, m.engagement),
                 _engagement_rates(p))


@once_per_params
def _engagement_rates(p) -> EngagementRates:
    """The engagement kernel's rates of parameter set ``p``."""
    return EngagementRates(p.engagement_base, p.value_weight, p.support_weight, p.overload_weight, p.engagement_rate)


# --- memory --------------------------------------------------------------------

@declare_rule(
    title="codification, decay, socialization, induction",
    reads=("codification_rate", "memory_decay_rate", "memory_catchup_rate", "catchup_years", "socialization_rate",
           "memory_rule"),
    state_read="members.tenure, schools.talk_depth, schools.participation",
    state_written="schools.memory, members.knowledge, members.openness (newcomers, protocols rule)",
    models="Organizational memory learns from the members who know more than it (March 1991), fades when unused, "
           "and lets newcomers catch up (Kruse & Louis); under the `protocols` rule its routines also induct "
           "newcomers (Little & Horn).",
    exercise="Memory that needs a champion: codify only in schools that have teacher leaders. How much churn can a "
             "school absorb then (`high-turnover-secondary`)?")
def memory(model, kernel=kernels.codify) -> None:
    """Organizational memory codifies what the better-informed know, decays unused, and teaches newcomers.

    Memory rises by ``codification_rate * depth * participation`` times the staff's mean lead over it
    (``max(knowledge - memory, 0)``: the code learns from its superior members, March 1991) and loses
    ``memory_decay_rate * (1 - participation)`` of itself: routines and artefacts outlast people but fade
    when unused (Kruse & Louis). Every member moves ``socialization_rate * participation`` toward it
    (March's socialization, through the routines in use: a code nobody uses teaches nobody); members in
    their first ``catchup_years`` close ``memory_catchup_rate`` of any gap up to it. Under the ``protocols``
    rule (``memory_rule``), induction routines also bring newcomers' openness toward the staff's (Little &
    Horn), and the dialogue rule lets protocols stand in for trust.
    """
    m, s, p = model.members, model.schools, model.p
    kernels.call(kernel, MemoryState(m.knowledge, m.openness, m.tenure, s.memory, s.talk_depth, s.participation),
                 members_per_school(p), active_per_school(p), _memory_rates(p))


@once_per_params
def _memory_rates(p) -> MemoryRates:
    """The memory kernel's rates of parameter set ``p``."""
    return MemoryRates(p.codification_rate, p.memory_decay_rate, p.memory_catchup_rate, float(p.catchup_years),
                       p.socialization_rate, p.memory_rule == "protocols")


# --- networking ----------------------------------------------------------------

@declare_rule(
    title="exchange between linked schools",
    reads=("bridging_rate", "social_capital", "bonding_insularity", "bridging_transfer", "network_facilitator",
           "facilitator_rate", "facilitator_focus"),
    state_read="model.links, schools.support, members.openness, the observer's trust",
    state_written="members.knowledge, members.engagement, schools.shared_focus, memory, bridging_contacts",
    models="Linked schools exchange knowledge, engagement, focus and memory through boundary spanners; tightly "
           "bonded staff have fewer outside ties (Mulford: bonding and bridging social capital); a network can "
           "re-seed a school whose community has decayed (Jackson; Katz, Earl & Ben Jaafar). The links are drawn "
           "at set-up from `network_type`, `network_degree`, `small_world_rewiring`.",
    exercise="Bridging carried by teachers, not principals: base a school's bridging capacity on its teachers' "
             "engagement instead of leadership support. Compare `networked-schools` with `isolated-schools`.")
def networking(model, kernel=kernels.bridge) -> None:
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
    """
    links, s, m, p = model.links, model.schools, model.members, model.p
    if links.shape[0] == 0:
        s.bridging_contacts = np.zeros(p.n_schools)
        return
    draws = model.rng.random(links.shape[0])
    s.bridging_contacts = kernels.call(
        kernel, links, draws, members_per_school(p), active_per_school(p),
        BridgeState(model.observer.current["trust"], m.openness, m.knowledge, m.engagement, s.support,
                    s.shared_focus, s.memory),
        _bridge_rates(p))
    if p.network_facilitator:
        linked = np.bincount(links.ravel(), minlength=p.n_schools) > 0
        s.shared_focus += p.facilitator_rate * (p.facilitator_focus - s.shared_focus) * linked
        np.clip(s.shared_focus, 0.0, 1.0, out=s.shared_focus)


@once_per_params
def _bridge_rates(p) -> BridgeRates:
    """The networking kernel's rates of parameter set ``p``, social capital's scaling included."""
    return BridgeRates(scaled(p, "bridging_rate"), p.bonding_insularity, p.bridging_transfer)


# --- turnover: simulation.turnover ---------------------------------------------

SCHEDULE = (shocks, leadership, dialogue, learning, trust, engagement, memory, networking, turnover)
"""The processes of one tick, in order (ODD section 3, 'process overview and scheduling'); a rule's place here is
its ODD subsection number (7.1, 7.2, ...)."""

document(SCHEDULE)

LIVE_SHOCKS = {shock.name: shock.apply for shock in SHOCKS}
"""Shocks that can be triggered at any moment (the app's buttons), by name: a view of ``simulation.shocks.SHOCKS``."""
