"""Turnover (ODD: the turnover rule): who leaves at a year end, where movers go, and principal succession.

A teacher's chance of leaving depends on her school (engagement, collegial trust, leadership support:
Ingersoll 2001; Johnson, Kraft & Papay 2012); a principal's on her school's health (Béteille, Kalogrides &
Loeb 2012). Of those who leave, a share move to another school of the network with what they know (NCES
TFS 2012-13: 8.1% move, 7.7% leave); the rest leave the network and newcomers take their posts.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from simulation.aggregates import trust_in_colleagues
from simulation.kernels import LeaveRates, LeaveState, call, leave
from simulation.parameters import TICKS_PER_YEAR
from simulation.rule_declaration import declare_rule
from simulation.social_capital import scaled
from simulation.state import active_per_school, draw_share, members_per_school


@declare_rule(
    title="leaving, moving and replacement",
    kernel=leave,
    reads=("teacher_turnover_rate", "turnover_sensitivity", "conditions_weight", "typical_satisfaction",
           "early_career_factor", "early_career_years", "mover_share", "principal_turnover_rate",
           "principal_exit_sensitivity", "typical_health"),
    state_read="members.engagement, members.trust, members.tenure, schools.support, the observer's yearly health",
    state_written="members.tenure, schools.principal_tenure, schools.teachers_left (and, through replace_members "
                  "and succeed_principals, the leavers' posts and the principals)",
    models="At each year end teachers leave with a chance raised by a poor school (low engagement, collegial trust, "
           "leadership support: Ingersoll 2001; Johnson, Kraft & Papay 2012) and early at a school; half of the "
           "leavers move to another school of the network (NCES TFS 2012-13); principals leave struggling schools "
           "more often (Béteille, Kalogrides & Loeb 2012).",
    exercise="Teacher leaders never leave. Does shared leadership then survive a champion principal's departure "
             "(`champion-leaves`)?")
def turnover(model) -> None:
    """At each year end, teachers and principals leave with chances set by their school; movers stay in the network.

    A member's annual chance of leaving is ``teacher_turnover_rate * career *
    exp(turnover_sensitivity * (typical_satisfaction - satisfaction))``, with satisfaction ``(1 - w) *
    (engagement + trust in colleagues) / 2 + w * support`` (``w = conditions_weight``; trust is her mean
    trust in all active colleagues, so department size does not matter) and ``career`` =
    ``early_career_factor`` in her first ``early_career_years`` at the school (Ingersoll 2001; Johnson, Kraft
    & Papay 2012; NCES TFS 2012-13). A share ``mover_share`` of leavers take a vacant post in another school
    of the network (:func:`place_movers`). A principal leaves with chance ``principal_turnover_rate *
    exp(principal_exit_sensitivity * (typical_health - health))``, health being her school's mean this year
    (Béteille, Kalogrides & Loeb 2012). Everyone who stays gains a year of tenure.
    """
    if model.steps % TICKS_PER_YEAR != 0:
        return
    m, s, p, rng = model.members, model.schools, model.p, model.rng
    collegial = trust_in_colleagues(m.trust, active_per_school(p))
    satisfaction = ((1.0 - p.conditions_weight) * 0.5 * (m.engagement + collegial)
                    + p.conditions_weight * s.support[m.school])
    career = np.where(m.tenure < p.early_career_years, p.early_career_factor, 1.0)
    chance = p.teacher_turnover_rate * career * np.exp(p.turnover_sensitivity
                                                       * (p.typical_satisfaction - satisfaction))
    leaving = rng.random(chance.size) < np.minimum(chance, 1.0)
    moving = leaving & (rng.random(chance.size) < p.mover_share)
    m.tenure += 1
    s.principal_tenure += 1
    s.teachers_left = np.bincount(m.school[leaving & m.is_teacher], minlength=p.n_schools).astype(float)
    replace_members(model, np.flatnonzero(leaving), cause="year_end", movers=np.flatnonzero(moving))
    health = model.observer.year_health()
    principal_chance = p.principal_turnover_rate * np.exp(p.principal_exit_sensitivity * (p.typical_health - health))
    succeed_principals(model, np.flatnonzero(rng.random(p.n_schools) < np.minimum(principal_chance, 1.0)))


@declare_rule(
    part_of="turnover", called_by="`replace_members`",
    models="Matches movers to vacant posts of other schools at random (NCES TFS 2012-13: movers stay in teaching).")
def place_movers(movers: np.ndarray, vacancies: np.ndarray, school_of: np.ndarray, rng) -> tuple[np.ndarray, ...]:
    """Match movers to vacant posts in *other* schools, at random; return (movers placed, their new posts).

    Movers and posts are shuffled with ``rng``; each mover in turn takes the first free post of another
    school. Movers with no such post left leave the network.
    """
    return _first_free_posts(rng.permutation(movers), rng.permutation(vacancies), school_of)


@njit(cache=True)
def _first_free_posts(movers, posts, school_of):
    """Each mover in turn takes the first post not yet taken in another school (the matching of ``place_movers``).

    Taken posts are jumped over through ``jump`` (each points at or before the first free post after it,
    shortened as it is followed): rescanning them made the matching quadratic in the movers, about 300,000 a
    year in a national network. A mover then passes only the free posts of her own school.
    """
    n = posts.size
    jump = np.arange(n + 1)
    placed, destination = np.empty(movers.size, np.int64), np.empty(movers.size, np.int64)
    count = 0
    for mover in movers:
        index = _first_free(jump, 0)
        while index < n and school_of[posts[index]] == school_of[mover]:
            index = _first_free(jump, index + 1)
        if index < n:
            jump[index] = index + 1
            placed[count], destination[count] = mover, posts[index]
            count += 1
    return placed[:count], destination[:count]


@njit(cache=True)
def _first_free(jump, index):
    """The first free post at or after ``index`` (``jump[i] == i`` when post ``i`` is free; ``n`` when none is)."""
    free = index
    while jump[free] != free:
        free = jump[free]
    while jump[index] != free:
        following = jump[index]
        jump[index] = free
        index = following
    return free


@declare_rule(
    part_of="turnover", called_by="`turnover`, `turnover_wave`",
    reads=("colleague_loss_effect", "newcomer_knowledge", "newcomer_openness", "newcomer_engagement", "newcomer_trust",
           "social_capital", "trait_spread"),
    state_written="the posts' knowledge, openness, engagement, tenure, person, is_leader and trust rows and "
                  "columns; colleagues' engagement; schools.shared_focus",
    models="Movers take vacant posts in other schools with their knowledge; newcomers fill the rest; colleagues lose "
           "engagement in proportion to the share of trusted staff who left; departing teacher leaders take their "
           "share of the uncodified focus (Kruse & Louis).")
def replace_members(model, slots: np.ndarray, cause: str, movers: np.ndarray | None = None) -> None:
    """Members in ``slots`` leave for ``cause`` (a key of ``events.CAUSES``); movers and newcomers take the posts.

    Colleagues lose ``colleague_loss_effect`` engagement times their trust in each leaver divided by the
    number of colleagues (so the loss scales with the share of staff leaving, not school size). Departing
    teacher leaders take their share of the shared focus with them, except what memory has codified
    (Kruse & Louis). ``movers`` (a subset of ``slots``) take posts in other schools with their knowledge,
    openness and person id; the other posts go to newcomers drawn around ``newcomer_knowledge`` and
    ``newcomer_openness``. Every arrival starts with ``newcomer_engagement``, ``newcomer_trust`` (scaled by
    ``social_capital``: how far a staff extends trust to newcomers) and no tenure.
    """
    if slots.size == 0:
        return
    m, s, p, rng = model.members, model.schools, model.p, model.rng
    moved_from, moved_to = place_movers(movers if movers is not None else slots[:0], slots, m.school, rng)
    carried = {name: getattr(m, name)[moved_from].copy() for name in ("knowledge", "openness", "person")}
    call(leave, slots, members_per_school(p), active_per_school(p),
          LeaveState(m.trust, m.engagement, m.is_leader, s.shared_focus, s.memory),
          LeaveRates(p.colleague_loss_effect, scaled(p, "newcomer_trust")))
    n = slots.size
    m.knowledge[slots] = draw_share(rng, p.newcomer_knowledge, p.trait_spread, n)
    m.openness[slots] = draw_share(rng, p.newcomer_openness, p.trait_spread, n)
    m.engagement[slots] = p.newcomer_engagement
    m.tenure[slots] = 0.0
    m.person[slots] = model.new_person_ids(n)
    for name, values in carried.items():
        getattr(m, name)[moved_to] = values
    model.members_replaced(slots, cause)


@declare_rule(
    part_of="leadership", called_by="`turnover`, `principal_leaves`",
    reads=("principal_support", "inquiry_focus", "leadership_distribution", "principal_trait_sd", "dismantling_share"),
    state_written="schools.principal_support, principal_focus, distribution, principal_tenure, principal_months, "
                  "principals_left; the Principal agents",
    models="Successors are drawn like the sitting principals and start with low standing; the leaving principal "
           "takes what she held, teacher roles and the shared focus stay (Hargreaves; Hart 1993).")
def succeed_principals(model, schools: np.ndarray) -> None:
    """Replace the principals of ``schools`` with successors drawn like the sitting principals.

    A successor's support and focus are drawn around ``principal_support`` and ``inquiry_focus`` (the
    system's principals; a champion's ``champion_boost`` is not passed on), her distribution around
    ``leadership_distribution`` (``draw_share``), from the school's own random
    stream (``model.successor_streams``): the k-th successor of a school is the same in runs that differ in anything
    else. She arrives with no time in post, so her standing starts at
    ``successor_initial_standing`` and builds over ``succession_ramp_years`` (``leadership``). The leaving
    principal takes the support and focus she held; teacher roles and the shared focus stay (Hargreaves).
    """
    if len(schools) == 0:
        return
    s, p = model.schools, model.p
    means = (p.principal_support, p.inquiry_focus, p.leadership_distribution)
    for school in schools:
        s.principal_support[school], s.principal_focus[school], s.distribution[school] = draw_share(
            model.successor_streams[school], means, p.principal_trait_sd, 3)
    s.principal_tenure[schools] = 0.0
    s.principal_months[schools] = 0.0
    s.principals_left[schools] += 1
    model.principals_replaced(schools)
    if p.dismantling_share > 0:
        schools = np.asarray(schools)
        dismantle_predecessors_work(model, schools[model.dismantling_stream.random(len(schools)) < p.dismantling_share])


@declare_rule(
    part_of="leadership", called_by="`succeed_principals`",
    reads=("dismantling_share", "dismantling_loss", "dismantling_memory_loss", "dismantling_disengagement",
           "dismantling_withdrawal"),
    state_written="schools.meeting_time, memory, shared_focus, principal_support, principal_focus; "
                  "members.engagement",
    models="With chance `dismantling_share` a successor dismantles her predecessor's collaborative work: she takes "
           "away `dismantling_loss` of the meeting time and shared focus and `dismantling_memory_loss` of the codified "
           "routines, and staff of a year or more lose `dismantling_disengagement` of their engagement; while in post "
           "she withholds `dismantling_withdrawal` of her support and inquiry focus (Hargreaves & Fink 2006; Fink & "
           "Brayman 2006). Off by default.")
def dismantle_predecessors_work(model, schools: np.ndarray) -> None:
    """A successor undoes her predecessor's collaborative work in ``schools``: meeting time and the teacher leaders'
    shared focus lose ``dismantling_loss``, codified routines ``dismantling_memory_loss``, and every member who has
    been at the school a year or more (who built what she undoes; not the newcomers arriving with her) loses
    ``dismantling_disengagement`` of her engagement. While she is in post she withholds ``dismantling_withdrawal``
    of the support and inquiry focus she was drawn with, so what she undid does not simply regrow under her.

    Successors who bring their own agenda and dismantle what their predecessors built are, in Hargreaves & Fink's
    (2006) study of schools over three decades and in Fink & Brayman (2006), a main reason improvement does not
    outlast its leader. A cause of decay that can end a community alone (ODD, Validation 9); the sizes are
    assumptions, and ``dismantling_share`` is 0 by default. Time taken away returns only through ``time_cuts``'
    restoration or an intervention. Routines are sized apart because practice written into them can outlive the
    reform that built it (Taylor 2006), and memory's buffer against turnover (pattern 7) depends on what survives.
    """
    if len(schools) == 0:
        return
    s, m, p = model.schools, model.members, model.p
    kept = 1.0 - p.dismantling_loss
    s.meeting_time[schools] *= kept
    s.shared_focus[schools] *= kept
    s.memory[schools] *= 1.0 - p.dismantling_memory_loss
    built_it = np.isin(m.school, schools) & (m.tenure >= 1)  # newcomers lose nothing they built
    m.engagement[built_it] *= 1.0 - p.dismantling_disengagement
    if p.dismantling_withdrawal > 0:  # her own traits: the next successor is drawn afresh (succeed_principals)
        s.principal_support[schools] *= 1.0 - p.dismantling_withdrawal
        s.principal_focus[schools] *= 1.0 - p.dismantling_withdrawal
