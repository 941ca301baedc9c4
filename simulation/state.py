"""The model's state, held in numpy arrays (covasim-style).

Members (teachers and support staff) occupy fixed *slots* (posts): slot ``g``
belongs to school ``g // members_per_school`` at local position
``g % members_per_school``. Teachers come first in each school, support staff
after them. When someone leaves, a newcomer with a new ``person`` id takes the
slot, so the population is constant.
Pairwise trust is one dense matrix per school: ``trust[school, i, j]`` is how
much local member ``i`` trusts local member ``j``.

The Mesa agents in :mod:`simulation.agents` are views onto these arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np

from simulation.parameters import TICKS_PER_YEAR, Params


@dataclass
class Members:
    """Per-slot state of every teacher and support-staff member, flat over the network."""

    school: np.ndarray  # int, the slot's school
    local: np.ndarray  # int, position inside the school
    is_teacher: np.ndarray  # bool; False for support staff
    department: np.ndarray  # int: department (secondary) or grade team (primary); support staff form their own group
    group_start: np.ndarray  # int, first local index of the member's own group
    group_size: np.ndarray  # int, size of that group
    knowledge: np.ndarray  # knowledge and practice quality, 0..1
    engagement: np.ndarray  # commitment to the community, 0..1
    openness: np.ndarray  # openness to de-privatize practice, 0..1
    tenure: np.ndarray  # whole school years in this school
    is_leader: np.ndarray  # bool, holds an informal teacher-leader role
    person: np.ndarray  # int, id of the person in the slot; a newcomer gets a new id
    trust: np.ndarray  # (schools, members, members), 0..1, zero diagonal
    same_team: np.ndarray  # (schools, members, members) bool: active pairs who share a team meeting
    same_group: np.ndarray  # (schools, members, members) bool: pairs in the same department or grade team


@dataclass
class Schools:
    """Per-school state: structure, principal, memory and the month's dialogue."""

    is_secondary: np.ndarray  # bool
    meeting_time: np.ndarray  # 0..1
    workload: np.ndarray  # 0..1
    memory: np.ndarray  # organizational memory, 0..1
    shared_focus: np.ndarray  # inquiry focus held by teacher leaders, 0..1
    distribution: np.ndarray  # principal's leadership distribution, 0..1
    principal_support: np.ndarray  # 0..1
    principal_focus: np.ndarray  # 0..1
    principal_tenure: np.ndarray  # whole years
    principal_months: np.ndarray  # ticks in post (drives a new principal's growing standing)
    principal_standing: np.ndarray  # share of her support a principal can give, 0..1 (grows over her first years)
    cross_contact: np.ndarray  # chance a conversation partner is sought school-wide, 0..1
    support: np.ndarray  # effective support (principal and teacher leaders), 0..1
    focus: np.ndarray  # effective inquiry focus, 0..1
    leader_engagement: np.ndarray  # mean engagement of teacher leaders (0 if none)
    talk_depth: np.ndarray  # mean depth of this month's conversations
    whole_school_depth: np.ndarray  # mean depth with talk confined to subgroups discounted (balkanization)
    reach: np.ndarray  # mean weight of this month's conversations in whole-school measures, 0..1
    participation: np.ndarray  # share of members who talked this month
    bridging_contacts: np.ndarray  # exchanges with partner schools this month
    teachers_left: np.ndarray  # teachers who left at the last year end
    principals_left: np.ndarray  # principals who left, all time


@dataclass
class Meetings:
    """This month's conversations: pairs of slots ``a``-``b`` in ``school``, with a depth 0..1."""

    a: np.ndarray
    b: np.ndarray
    school: np.ndarray
    depth: np.ndarray
    attending: np.ndarray  # (schools, members) bool: who attended this month's team meeting
    within: np.ndarray | None = None  # bool per conversation: partner from the seeker's own group (None: unknown)

    @classmethod
    def none(cls, p: Params) -> Meetings:
        empty = np.zeros(0, dtype=np.int64)
        return cls(empty, empty, empty, np.zeros(0), np.zeros((p.n_schools, members_per_school(p)), bool),
                   np.zeros(0, dtype=bool))


def members_per_school(p: Params) -> int:
    """Slots per school: teachers plus support staff."""
    return p.teachers_per_school + p.support_staff


def active_per_school(p: Params) -> int:
    """Members per school who take part in the community (staff only when included)."""
    return members_per_school(p) if p.include_support_staff else p.teachers_per_school


def draw_share(rng: np.random.Generator, mean: float, spread: float, size) -> np.ndarray:
    """Normal draws around ``mean`` clipped to 0..1: the shape of every drawn trait."""
    return rng.normal(mean, spread, size).clip(0.0, 1.0)  # the method np.clip calls, without its wrapper (half)


def build_members(p: Params, rng: np.random.Generator, is_secondary: np.ndarray) -> Members:
    """Create every member slot with drawn knowledge, openness and trust."""
    n_schools, teachers, size = p.n_schools, p.teachers_per_school, members_per_school(p)
    local = np.tile(np.arange(size), n_schools)
    school = np.repeat(np.arange(n_schools), size)
    is_teacher = local < teachers
    departments = np.where(is_secondary[school], p.departments, min(p.grade_teams, teachers))
    department = np.where(is_teacher, local * departments // teachers, departments)
    group_start = np.where(is_teacher, -(-department * teachers // departments), teachers)
    group_end = np.where(is_teacher, -(-(department + 1) * teachers // departments), size)
    n = n_schools * size
    trust = draw_share(rng, p.initial_trust, p.trust_spread, (n_schools, size, size))
    trust[:, np.arange(size), np.arange(size)] = 0.0
    by_school = department.reshape(n_schools, size)
    return Members(same_team=_same_team(p, by_school, is_secondary),
        same_group=by_school[:, :, None] == by_school[:, None, :],
        school=school, local=local, is_teacher=is_teacher, department=department,
        group_start=group_start, group_size=group_end - group_start,
        knowledge=draw_share(rng, p.initial_knowledge, p.trait_spread, n),
        engagement=np.full(n, p.newcomer_engagement),
        openness=draw_share(rng, p.initial_openness, p.trait_spread, n),
        tenure=rng.integers(0, p.initial_tenure_max + 1, n).astype(float),
        is_leader=np.zeros(n, dtype=bool),
        person=np.arange(n),
        trust=trust,
    )


def _same_team(p: Params, department: np.ndarray, is_secondary: np.ndarray) -> np.ndarray:
    """Pairs who meet as a team: a secondary department, or a primary school's whole staff.

    Included support staff meet with the whole staff in a primary school and as
    their own team in a secondary school; excluded staff meet no one.
    """
    team = np.where(is_secondary[:, None], department, 0)
    same = team[:, :, None] == team[:, None, :]
    active = np.arange(members_per_school(p)) < active_per_school(p)
    same &= active[None, :, None] & active[None, None, :]
    same[:, np.arange(same.shape[1]), np.arange(same.shape[1])] = False
    return same


def build_schools(p: Params, rng: np.random.Generator) -> Schools:
    """Create every school with its first principal.

    If a principal departure is scheduled, the first principals of the schools it hits are champions:
    ``champion_boost`` stronger in support and focus than the system's principals (successors are not).
    """
    n = p.n_schools
    kinds = {"primary": np.zeros(n, bool), "secondary": np.ones(n, bool), "mixed": np.arange(n) % 2 == 1}
    zeros = np.zeros(n)
    sd = p.principal_trait_sd
    boost = np.zeros(n)
    if p.principal_leaves_tick >= 0:
        boost[:round(p.shock_share * n)] = p.champion_boost
    tenure = rng.integers(0, p.initial_principal_tenure_max + 1, n).astype(float)
    is_secondary = kinds[p.school_type]
    return Schools(
        is_secondary=is_secondary,
        meeting_time=np.full(n, p.meeting_time),
        workload=np.full(n, p.workload),
        memory=np.full(n, p.initial_memory),
        shared_focus=zeros.copy(),
        distribution=draw_share(rng, p.leadership_distribution, sd, n),
        principal_support=np.minimum(draw_share(rng, p.principal_support, sd, n) + boost, 1.0),
        principal_focus=np.minimum(draw_share(rng, p.inquiry_focus, sd, n) + boost, 1.0),
        principal_tenure=tenure, principal_months=tenure * TICKS_PER_YEAR, principal_standing=np.ones(n),
        cross_contact=np.where(is_secondary, p.cross_department_contact, p.cross_grade_contact),
        support=zeros.copy(), focus=zeros.copy(), leader_engagement=zeros.copy(),
        talk_depth=zeros.copy(), whole_school_depth=zeros.copy(), reach=np.ones(n), participation=zeros.copy(),
        bridging_contacts=zeros.copy(),
        teachers_left=zeros.copy(), principals_left=zeros.copy(),
    )


def build_links(p: Params, rng: np.random.Generator) -> np.ndarray:
    """Return the network's school-to-school links as an (E, 2) int array.

    networkx is given a seed drawn from the model's generator, so the same
    model seed always gives the same network.
    """
    n, k = p.n_schools, min(p.network_degree, p.n_schools - 1)
    seed = int(rng.integers(2**31))
    if p.network_type == "none" or n < 2 or k < 1:
        return np.zeros((0, 2), dtype=np.int64)
    builders = {
        "ring": lambda: nx.watts_strogatz_graph(n, max(k, 2), 0.0, seed=seed) if n > 2 else nx.path_graph(n),
        "small_world": lambda: (nx.connected_watts_strogatz_graph(n, max(k, 2), p.small_world_rewiring, seed=seed)
                                if n > 3 else nx.complete_graph(n)),
        "random": lambda: nx.fast_gnp_random_graph(n, k / (n - 1), seed=seed),
        "complete": lambda: nx.complete_graph(n),
    }
    edges = np.array(sorted(builders[p.network_type]().edges()), dtype=np.int64)
    return edges.reshape(-1, 2)
