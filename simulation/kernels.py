"""The compiled hot loops of the rules (numba ``@njit``), each documented argument by argument.

A rule in :mod:`simulation.rules` gathers state arrays and parameters and calls one kernel here. Kernels work
in place on the arrays they are given (they write, they do not return new state) and never draw random
numbers: the rule draws them from ``model.rng`` and passes them in, so a run is reproducible. A kernel takes
its arrays and its rates in small named tuples (``*State``, ``*Rates``; ``Talk`` for this month's conversations),
so a call reads by name: ``learn(Talk(a=..., ...), focus, LearningState(knowledge=..., openness=..., trust=...),
active, LearningRates(transfer=..., ...))``. A kernel that shares schools among threads (``prange``) unpacks its tuples
before the parallel loop: numba (0.68) drops writes made through a tuple's field inside ``prange``. The rules call
the model's kernels through :func:`call`, which hands them the same tuples unnamed (numba matches a named tuple's
type more slowly at every call); a kernel that reads a tuple by field names it again on its first line
(``rates = TrustRates(*rates)``), so it can be called either way. A kernel of your own gets the named tuples.

Indexing, as in :mod:`simulation.state`: a *slot* ``g`` is global over the network (``school = g // size``,
``local = g % size``, with ``size`` posts per school, teachers first); ``trust[s, i, j]`` uses *local*
positions inside school ``s``; the conversation arrays ``a`` and ``b`` hold global slots.

To change a line that a kernel keeps in a compiled function it calls (a *hook*, :func:`hooks`), build a
:func:`variant` of the kernel with your function in its place, and pass it to the rule as its ``kernel``
argument (``docs/rules.md``, "Change one line of a kernel"). For any other change, copy the kernel into your own
module, change it and keep ``@njit`` (a plain-Python copy runs about 40 times slower; ``kernel.py_func`` is the
plain version for debugging). ``converse`` and ``update_trust`` are compiled at the end of the module from
``_converse`` and ``_update_trust`` (serial and parallel from one source): copy those and put ``@njit`` on your
copy. Kernels read a rate through :func:`at` (one number in a run alone, one per school where a batch joins runs
at different parameter points, :mod:`simulation.batch`).
"""

from __future__ import annotations

import types
from typing import NamedTuple

import numpy as np
from numba import njit, prange
from numba.core import types as numba_types
from numba.core.registry import CPUDispatcher
from numba.extending import overload


def at(rate, index):
    """The value of ``rate`` at ``index`` (a school, or a member slot for the rates of :data:`PER_SLOT`): the rate
    itself when it is one number, as in a run alone; its element when it is an array, as a batch of runs at
    different parameter points gives a rate that differs between them (:mod:`simulation.batch`), each school the
    value of its own run. The arithmetic is the same either way, so a batched run is the same bit for bit."""
    return rate[index] if isinstance(rate, np.ndarray) else rate


def any_positive(rate) -> bool:
    """Whether ``rate`` is above 0 (for a rate per school, :func:`at`, at any school): a rule skips what a rate of 0
    would not change."""
    return rate > 0 if not isinstance(rate, np.ndarray) else bool((rate > 0).any())


@overload(at)
def _at(rate, index):
    """:func:`at` in compiled code: chosen by the rate's type when a kernel is compiled, so a run alone (numbers)
    gets the same machine code as before rates could be per school, and a batch (arrays) its own."""
    if isinstance(rate, numba_types.Array):
        return lambda rate, index: rate[index]
    return lambda rate, index: rate


class LeadershipRates(NamedTuple):
    """Rates of the leadership kernel (parameters of the same names)."""

    full_roles: float  # roles in a school at full distribution: teacher_leader_share * teachers_per_school
    internalization: float  # vision_internalization_rate, per tick
    focus_decay: float  # shared_focus_decay, per tick
    ramp_ticks: float  # succession_ramp_years * TICKS_PER_YEAR (0 = a new principal has full standing at once)
    initial_standing: float  # successor_initial_standing
    adoption: float  # successor_adoption_rate, per tick
    diversion: float  # initiative_diversion, per unit of workload above its base
    base_workload: float  # workload (the base level)


class DialogueRates(NamedTuple):
    """Rates of the dialogue kernel."""

    contact_weight: float  # trust_contact_weight
    focus_weight: float  # focus_depth_weight
    threshold: float  # vulnerability_threshold
    width: float  # vulnerability_width


class LearningRates(NamedTuple):
    """Rates of the learning kernel (per conversation, then per tick, then the felt-safety curve's)."""

    transfer: float  # transfer_rate
    creation: float  # inquiry_creation_rate
    averaging: float  # congenial_averaging_rate
    deprivatization: float  # deprivatization_rate
    complacency: float  # complacency_rate
    norm: float  # collegial_norm
    individual: float  # individual_learning_rate
    obsolescence: float  # knowledge_obsolescence
    safety_weight: float  # felt_safety_weight: the share of learning alone that waits on felt safety
    threshold: float  # vulnerability_threshold: the trust at which a teacher feels half safe to experiment
    width: float  # vulnerability_width


PER_SLOT: dict[type, tuple[str, ...]] = {LearningRates: ("individual", "obsolescence")}
"""The rates a kernel reads by member slot (``at(rate, g)``) rather than by school: where a batch gives rates per
school (:func:`at`), it gives these one value per slot."""


class TrustRates(NamedTuple):
    """Rates of the trust kernel."""

    decay: float  # trust_decay_rate, per tick
    meeting: float  # meeting_trust_rate, per shared meeting
    growth: float  # trust_growth_rate, per conversation
    breach_chance: float  # breach_chance, per conversation
    breach_loss: float  # breach_loss, share of trust


class MemoryRates(NamedTuple):
    """Rates of the memory kernel."""

    codification: float  # codification_rate, per tick
    decay: float  # memory_decay_rate, per tick
    catchup: float  # memory_catchup_rate, per tick
    catchup_years: float  # catchup_years
    socialization: float  # socialization_rate, per tick
    induct: bool  # memory_rule == "protocols": newcomers are inducted into the staff's openness


class EngagementRates(NamedTuple):
    """Rates of the engagement kernel (parameters of the same names)."""

    base: float  # engagement_base
    value_weight: float  # value_weight
    support_weight: float  # support_weight
    overload_weight: float  # overload_weight
    rate: float  # engagement_rate, per tick


class BridgeRates(NamedTuple):
    """Rates of the networking kernel."""

    rate: float  # bridging_rate (scaled by social capital), per link and tick
    insularity: float  # bonding_insularity
    transfer: float  # bridging_transfer


class LeaveRates(NamedTuple):
    """Rates of the kernel of what leavers take with them."""

    loss_effect: float  # colleague_loss_effect
    newcomer_trust: float  # newcomer_trust (scaled by social capital)


class Talk(NamedTuple):
    """This month's conversations: global slots ``a`` and ``b``, their school, depth and own-group flag."""

    a: np.ndarray
    b: np.ndarray
    school: np.ndarray
    depth: np.ndarray
    within: np.ndarray

    @classmethod
    def of(cls, meetings) -> Talk:
        """The conversations of ``model.meetings`` (:class:`simulation.state.Meetings`)."""
        return cls(meetings.a, meetings.b, meetings.school, meetings.depth, meetings.within)


class LeadershipState(NamedTuple):
    """The arrays of the leadership kernel (see :func:`share_leadership`)."""

    is_leader: np.ndarray
    engagement: np.ndarray
    school_of: np.ndarray
    distribution: np.ndarray
    principal_support: np.ndarray
    principal_focus: np.ndarray
    workload: np.ndarray
    principal_months: np.ndarray
    principal_standing: np.ndarray
    memory: np.ndarray
    shared_focus: np.ndarray
    support: np.ndarray
    focus: np.ndarray
    leader_engagement: np.ndarray


class DialogueState(NamedTuple):
    """The arrays of the dialogue kernel (see :func:`converse`)."""

    cross_contact: np.ndarray
    group_start: np.ndarray
    group_size: np.ndarray
    trust: np.ndarray
    meeting_time: np.ndarray
    engagement: np.ndarray
    openness: np.ndarray
    focus: np.ndarray
    protocol: np.ndarray


class LearningState(NamedTuple):
    """The arrays of the learning kernel (see :func:`learn`): knowledge and openness, written; trust, read."""

    knowledge: np.ndarray
    openness: np.ndarray
    trust: np.ndarray


class TrustState(NamedTuple):
    """The arrays of the trust kernel (see :func:`update_trust`)."""

    trust: np.ndarray
    attending: np.ndarray
    same_team: np.ndarray
    knowledge: np.ndarray
    engagement: np.ndarray


class EngagementState(NamedTuple):
    """The arrays of the engagement kernel (see :func:`engage`)."""

    school_of: np.ndarray
    active: np.ndarray
    support: np.ndarray
    workload: np.ndarray
    engagement: np.ndarray


class MemoryState(NamedTuple):
    """The arrays of the memory kernel (see :func:`codify`)."""

    knowledge: np.ndarray
    openness: np.ndarray
    tenure: np.ndarray
    memory: np.ndarray
    talk_depth: np.ndarray
    participation: np.ndarray


class LeaveState(NamedTuple):
    """The arrays of the kernel of what leavers take with them (see :func:`leave`)."""

    trust: np.ndarray
    engagement: np.ndarray
    is_leader: np.ndarray
    shared_focus: np.ndarray
    memory: np.ndarray


class BridgeState(NamedTuple):
    """The arrays of the networking kernel (see :func:`bridge`)."""

    school_trust: np.ndarray
    openness: np.ndarray
    knowledge: np.ndarray
    engagement: np.ndarray
    support: np.ndarray
    shared_focus: np.ndarray
    memory: np.ndarray


@njit(cache=True)
def share_leadership(state, rates):
    """One month of leadership, in place (see ``rules.leadership``).

    Args (``state``: :class:`LeadershipState`):
        is_leader, engagement, school_of: per slot (bool, 0..1, school number); read.
        distribution, principal_support, memory: per school; read.
        principal_focus: per school; a principal in her first years moves it toward a stronger shared focus.
        workload: per school; read: outside demands above the base divert the principal, who gives
            ``1 - diversion * (workload - base_workload)`` (0 to 1) of her focus to inquiry.
        principal_months: per school, ticks in post; read (the rule counts them).
        principal_standing: per school; written: the share of her support she can give.
        shared_focus: per school; written: teacher leaders take up a stronger principal focus, it fades uncodified.
        support, focus, leader_engagement: per school; written: the effective blends.
        rates: :class:`LeadershipRates`.
    """
    rates = LeadershipRates(*rates)  # named again: see call
    (is_leader, engagement, school_of, distribution, principal_support, principal_focus, workload, principal_months,
     principal_standing, memory, shared_focus, support, focus, leader_engagement) = state
    count, total = np.zeros(distribution.size), np.zeros(distribution.size)
    for g in range(is_leader.size):
        if is_leader[g]:
            count[school_of[g]] += 1.0
            total[school_of[g]] += engagement[g]
    for s in range(distribution.size):
        d = distribution[s]
        leader_engagement[s] = total[s] / count[s] if count[s] > 0 else 0.0
        presence = min(count[s] / max(at(rates.full_roles, s) * d, 1.0), 1.0)
        held = shared_focus[s]
        diversion, base_workload = at(rates.diversion, s), at(rates.base_workload, s)
        attention = min(max(1.0 - diversion * max(workload[s] - base_workload, 0.0), 0.0), 1.0)
        pushed = principal_focus[s] * attention
        held += (at(rates.internalization, s) * d * presence * max(pushed - held, 0.0)
                 - at(rates.focus_decay, s) * (1.0 - memory[s]) * held)
        shared_focus[s] = min(max(held, 0.0), 1.0)
        ramp_ticks, initial_standing = at(rates.ramp_ticks, s), at(rates.initial_standing, s)
        settled = min(principal_months[s] / ramp_ticks, 1.0) if ramp_ticks > 0 else 1.0
        principal_standing[s] = initial_standing + (1.0 - initial_standing) * settled
        principal_focus[s] += at(rates.adoption, s) * (1.0 - settled) * max(shared_focus[s] - principal_focus[s], 0.0)
        support[s] = (1.0 - d) * principal_support[s] * principal_standing[s] + d * leader_engagement[s]
        focus[s] = (1.0 - d) * pushed + d * shared_focus[s]


def _converse(draws, state, rates, conversations, active, size):
    """Draw meeting attendance and conversations; return (a, b, school, depth, within, attending).

    Args (``state``: :class:`DialogueState`):
        draws: uniforms from ``model.rng``: two per sought conversation, then one per active member.
        conversations: partners each active member seeks (``conversations_per_tick``).
        cross_contact: per school, chance a partner is sought school-wide rather than in the own group.
        group_start, group_size: per slot, the local range of the member's department or grade team.
        active, size: members per school who take part, and posts per school.
        trust: (schools, size, size); read.
        meeting_time, focus, protocol: per school; read (protocol: how much codified protocols stand in for trust).
        engagement, openness: per slot; read.
        rates: :class:`DialogueRates`.

    A conversation's depth is ``quality * 1 / (1 + exp(-(t - threshold) / width))`` with quality
    ``f * focus + (1 - f) * mean openness`` and ``t = tie + protocol * (1 - tie)``: below the vulnerability
    threshold talk stays congenial. ``within`` flags a partner from the seeker's own group. Conversations are
    drawn first and their depths computed in a second pass (no unpredictable branch in the drawing loop).
    Each school draws into its own block of the arrays (its sought conversations are a fixed range of the
    draws), so schools are independent and ``prange`` can share them among threads; the blocks are then
    packed in school order, the order one thread would have found them in.
    """
    rates = DialogueRates(*rates)  # named again: see call
    cross_contact, group_start, group_size, trust, meeting_time, engagement, openness, focus, protocol = state
    n_schools, per_school = meeting_time.size, active * conversations
    n = n_schools * per_school
    a, b = np.empty(n, np.int64), np.empty(n, np.int64)
    school, depth, within = np.empty(n, np.int64), np.empty(n), np.empty(n, np.bool_)
    attending = np.zeros((n_schools, size), np.bool_)
    found_in = np.zeros(n_schools, np.int64)
    # Rates, the school's time, the seeker's engagement and trust row are read once into locals: numba does not
    # tell LLVM that the arrays written below cannot alias them, so it would load them again every conversation.
    for s in prange(n_schools):
        weight = at(rates.contact_weight, s)
        kept = 1.0 - weight
        cross, found, c = cross_contact[s], s * per_school, s * per_school
        time_s = meeting_time[s]
        for local in range(active):
            seeker = s * size + local
            engaged, ties = engagement[seeker], trust[s, local]
            attending[s, local] = draws[2 * n + s * active + local] < time_s * engaged
            start_own, span_own = group_start[seeker], group_size[seeker]
            for _ in range(conversations):
                draw, accept = draws[2 * c], draws[2 * c + 1]
                c += 1
                # one uniform picks both where to look and whom: below cross, anywhere in the school
                anywhere = draw < cross
                start, span = (0, active) if anywhere else (start_own, span_own)
                low, width = (0.0, cross) if anywhere else (cross, 1.0 - cross)
                partner_local = start + min(int((draw - low) / width * span), span - 1)
                partner = s * size + partner_local
                chance = time_s * 0.5 * (engaged + engagement[partner]) * (kept + weight * ties[partner_local])
                a[found], b[found], school[found] = seeker, partner, s  # kept without a branch (a coin flip)
                found += (partner_local != local) & (accept < chance)
        found_in[s] = found - s * per_school
    total = 0
    for s in range(n_schools):  # pack each school's block after the ones before it
        for k in range(found_in[s]):
            a[total + k], b[total + k], school[total + k] = a[s * per_school + k], b[s * per_school + k], s
        total += found_in[s]
    for k in prange(total):
        seeker, partner, s = a[k], b[k], school[k]
        local, partner_local = seeker - s * size, partner - s * size
        tie = trust[s, local, partner_local]
        focus_weight = at(rates.focus_weight, s)
        quality = focus_weight * focus[s] + (1.0 - focus_weight) * 0.5 * (openness[seeker] + openness[partner])
        felt = tie + protocol[s] * (1.0 - tie)
        depth[k] = quality / (1.0 + np.exp(-(felt - at(rates.threshold, s)) / at(rates.width, s)))
        within[k] = group_start[seeker] <= partner_local < group_start[seeker] + group_size[seeker]
    return a[:total], b[:total], school[:total], depth[:total], within[:total], attending


@njit(cache=True)
def school_talk(talk, school_of, n_schools, active, discount):
    """Per school: (participation, mean depth, whole-school depth, reach) of this month's conversations.

    Args:
        talk: :class:`Talk`, this month's conversations (global slots, school, depth, own-group flag).
        school_of: per slot, its school. n_schools, active: counts.
        discount: ``subgroup_discount``; a conversation inside the own group weighs ``1 - discount`` in
            whole-school measures (balkanization).
    """
    a, b, school, depth, within = talk
    talked = np.zeros(school_of.size, np.bool_)
    count, total, whole, weight = np.zeros(n_schools), np.zeros(n_schools), np.zeros(n_schools), np.zeros(n_schools)
    for c in range(a.size):
        talked[a[c]], talked[b[c]] = True, True
        w = 1.0 - at(discount, school[c]) if within[c] else 1.0
        count[school[c]] += 1.0
        total[school[c]] += depth[c]
        whole[school[c]] += w * depth[c]
        weight[school[c]] += w
    participation = np.zeros(n_schools)
    for g in range(talked.size):
        if talked[g]:
            participation[school_of[g]] += 1.0
    mean_depth, whole_depth, reach = np.zeros(n_schools), np.zeros(n_schools), np.ones(n_schools)
    for s in range(n_schools):
        participation[s] /= active
        if count[s] > 0:
            mean_depth[s] = total[s] / count[s]
            whole_depth[s] = whole[s] / count[s]
            reach[s] = weight[s] / count[s]
    return participation, mean_depth, whole_depth, reach


@njit(cache=True)
def openness_change(opens, closes, openness, gap):
    """How a partner's openness changes in one conversation (a hook of :func:`learn`, see :func:`variant`).

    ``opens`` and ``closes``: how far talk above the collegial norm opens practice and talk below it closes it;
    ``openness``: hers; ``gap``: her partner's knowledge minus hers. Opening takes a share of the room left,
    closing a share of what is open.
    """
    return opens * (1.0 - openness) - closes * openness


@njit(cache=True)
def felt_safety(mean_trust, threshold, width):
    """How safe a teacher feels to try new practice, from 0 to 1 (a hook of :func:`learn`, see :func:`variant`).

    ``mean_trust``: her mean trust in her colleagues. The same logistic as the dialogue's vulnerability curve: half
    safe at ``threshold``, steeper the smaller ``width``. Psychological safety rests on trust and goes with learning
    behaviour, experimenting among it (Edmondson 1999); trust lowers the vulnerability of taking on new practice
    (Bryk & Schneider 2002).
    """
    return 1.0 / (1.0 + np.exp(-(mean_trust - threshold) / width))


@njit(cache=True)
def mean_trust_in_colleagues(trust, s, i, active):
    """Member ``i``'s (local position) mean trust in the taking-part members of school ``s`` other than herself."""
    total, count = 0.0, 0
    for j in range(active):
        if j != i:
            total += trust[s, i, j]
            count += 1
    return total / count if count > 0 else 0.0


@njit(cache=True)
def learn(talk, focus, state, active, rates):
    """One month of learning, in place (see ``rules.learning``); changes are summed over conversations.

    Args:
        talk: :class:`Talk`, this month's conversations. focus: the inquiry focus of each conversation's school.
        state: :class:`LearningState`, knowledge and openness per slot, written; trust (schools, size, size), read.
        active: members per school who take part (the colleagues whose trust makes a teacher feel safe).
        rates: :class:`LearningRates`.
    """
    talk, rates = Talk(*talk), LearningRates(*rates)  # named again: see call
    a, b, depth, school = talk.a, talk.b, talk.depth, talk.school
    knowledge, openness, trust = state
    size = trust.shape[1]
    gain, opening = np.zeros(knowledge.size), np.zeros(knowledge.size)
    for c in range(a.size):
        i, j, x, s = a[c], b[c], depth[c], school[c]
        gap = knowledge[j] - knowledge[i]
        inquiry = at(rates.creation, s) * x * focus[c]
        shallow = at(rates.averaging, s) * (1.0 - x) * gap
        transfer, norm = at(rates.transfer, s), at(rates.norm, s)
        gain[i] += transfer * x * max(gap, 0.0) * openness[i] + shallow + inquiry * (1.0 - knowledge[i])
        gain[j] += transfer * x * max(-gap, 0.0) * openness[j] - shallow + inquiry * (1.0 - knowledge[j])
        opens, closes = at(rates.deprivatization, s) * max(x - norm, 0.0), at(rates.complacency, s) * max(norm - x, 0.0)
        opening[i] += openness_change(opens, closes, openness[i], gap)
        opening[j] += openness_change(opens, closes, openness[j], -gap)
    for g in range(knowledge.size):
        s = g // size
        weight, paced = at(rates.safety_weight, s), 1.0
        if weight > 0.0:  # at 0 her pace is exactly 1 and the tie sum is skipped
            safety = felt_safety(mean_trust_in_colleagues(trust, s, g % size, active), at(rates.threshold, s),
                                 at(rates.width, s))
            paced = 1.0 - weight + weight * safety
        k = knowledge[g] + gain[g]
        k += at(rates.individual, g) * paced * openness[g] * (1.0 - k) - at(rates.obsolescence, g) * k
        knowledge[g] = min(max(k, 0.0), 1.0)
        openness[g] = min(max(openness[g] + opening[g], 0.0), 1.0)


def _update_trust(talk, local_a, local_b, draws, state, rates):
    """One month of trust, in place (see ``rules.trust``).

    Args:
        talk: :class:`Talk`, this month's conversations; local_a, local_b: their members' local positions.
        draws: two uniforms per conversation from ``model.rng`` (a breach of a's trust in b, then of b's in a).
        state: :class:`TrustState`:
            trust: (schools, size, size); written.
            attending: (schools, size) who attended this month's team meeting. same_team: (schools, size, size).
            knowledge, engagement: per slot: what a colleague shows (competence, commitment), in meetings and talk.
        rates: :class:`TrustRates`.

    A school's ties change only through its own meetings and conversations, so each school is done whole (decay,
    meetings, then its conversations in their order) independently of the others, which ``prange`` can share
    among threads with the same result as one thread.
    """
    talk, rates = Talk(*talk), TrustRates(*rates)  # named again: see call
    a, b, school, depth = talk.a, talk.b, talk.school, talk.depth
    trust, attending, same_team, knowledge, engagement = state
    n_schools, size = attending.shape
    order, first = _by_school(school, n_schools)
    for s in prange(n_schools):
        kept = 1.0 - at(rates.decay, s)
        meeting, growth = at(rates.meeting, s), at(rates.growth, s)
        breach_chance, breach_loss = at(rates.breach_chance, s), at(rates.breach_loss, s)
        for i in range(size):  # row by row: numba's ``trust[s] *= kept`` took five times as long (same products)
            row = trust[s, i]
            for j in range(size):
                row[j] *= kept
        shown_in_meeting = np.empty(size)
        for j in range(size):
            shown_in_meeting[j] = meeting * 0.5 * (knowledge[s * size + j] + engagement[s * size + j])
        for i in range(size):
            if not attending[s, i]:
                continue
            for j in range(size):
                if attending[s, j] and same_team[s, i, j]:
                    tie = trust[s, i, j]
                    trust[s, i, j] = tie + shown_in_meeting[j] * (1.0 - tie)
        for position in range(first[s], first[s + 1]):
            c = order[position]
            x = depth[c]
            for k in range(2):
                truster, shown_by = (local_a[c], b[c]) if k == 0 else (local_b[c], a[c])
                trusted = local_b[c] if k == 0 else local_a[c]
                shown = (knowledge[shown_by] + engagement[shown_by] + x) / 3.0
                tie = trust[s, truster, trusted]
                if draws[2 * c + k] < breach_chance * (1.0 - shown):
                    tie *= 1.0 - breach_loss
                else:
                    tie += growth * shown * (1.0 - tie)
                trust[s, truster, trusted] = tie


@njit(cache=True)
def _by_school(school, n_schools):
    """Conversations grouped by school, each school's in their own order: (order, first), with school ``s``'s at
    ``order[first[s]:first[s + 1]]`` (a stable counting sort: the dialogue rule gives them in school order already,
    a replaced one need not)."""
    first = np.zeros(n_schools + 1, np.int64)
    for c in range(school.size):
        first[school[c] + 1] += 1
    for s in range(n_schools):
        first[s + 1] += first[s]
    filled, order = first[:-1].copy(), np.empty(school.size, np.int64)
    for c in range(school.size):
        order[filled[school[c]]] = c
        filled[school[c]] += 1
    return order, first


@njit(cache=True)
def engage(talk, state, rates):
    """Move each active member's engagement toward its target, in place (see ``rules.engagement``).

    Args:
        talk: :class:`Talk`, this month's conversations.
        state: :class:`EngagementState`: school_of, active per slot (school, takes part); support, workload per
            school, read; engagement per slot, written.
        rates: :class:`EngagementRates`.
    """
    talk = Talk(*talk)  # named again: see call
    a, b, depth = talk.a, talk.b, talk.depth
    school_of, active, support, workload, engagement = state
    base, value_weight, support_weight, overload_weight, rate = rates
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
        target = (at(base, s) + at(value_weight, s) * value + at(support_weight, s) * support[s]
                  - at(overload_weight, s) * workload[s])
        engagement[g] += at(rate, s) * (min(max(target, 0.0), 1.0) - engagement[g])


@njit(cache=True)
def codify(state, size, active, rates):
    """Codify, forget, socialize and induct, in place (see ``rules.memory``).

    Args (``state``: :class:`MemoryState`):
        knowledge, openness, tenure: per slot; knowledge and newcomers' openness written.
        memory: per school; written. talk_depth, participation: per school; read.
        size, active: posts and taking-part members per school.
        rates: :class:`MemoryRates`.

    The code learns from the members who know more than it: memory rises by ``codification * depth *
    participation`` times the mean of ``max(k - memory, 0)`` over the staff (March 1991: the code adapts to
    its superior members). Members are socialized toward the code through the routines they take part in:
    ``socialization * participation`` (a staff that does not meet is not taught by a code it does not use).
    """
    rates = MemoryRates(*rates)  # named again: see call
    knowledge, openness, tenure, memory, talk_depth, participation = state
    for s in range(memory.size):
        ahead, open_total = 0.0, 0.0
        for g in range(s * size, s * size + active):
            ahead += max(knowledge[g] - memory[s], 0.0)
            open_total += openness[g]
        level = memory[s]
        level += (at(rates.codification, s) * talk_depth[s] * participation[s] * ahead / active
                  - at(rates.decay, s) * (1.0 - participation[s]) * level)
        memory[s] = min(max(level, 0.0), 1.0)
        staff_openness = open_total / active
        socialization = at(rates.socialization, s) * participation[s]
        catchup, catchup_years = at(rates.catchup, s), at(rates.catchup_years, s)
        for g in range(s * size, s * size + active):
            k = knowledge[g] + socialization * (memory[s] - knowledge[g])
            if tenure[g] < catchup_years:
                k += catchup * max(memory[s] - k, 0.0)
                if rates.induct:
                    openness[g] += catchup * memory[s] * max(staff_openness - openness[g], 0.0)
            knowledge[g] = min(max(k, 0.0), 1.0)


@njit(cache=True)
def leave(slots, size, active, state, rates):
    """What leavers take with them, in place: colleagues' engagement, shared focus, and their trust ties.

    Args:
        slots: global slots of this moment's leavers. size, active: posts and taking-part members per school.
        state: :class:`LeaveState`:
            trust: (schools, size, size); the leavers' rows and columns are reset to ``newcomer_trust``.
            engagement: per slot; each colleague loses ``loss_effect * sum of her trust in leavers / (active - 1)``:
                the loss scales with the *share* of trusted colleagues who left, not their number.
            is_leader: per slot; leavers lose their role. shared_focus, memory: per school.
        rates: :class:`LeaveRates`.
    """
    trust, engagement, is_leader, shared_focus, memory = state
    loss_effect, newcomer_trust = rates
    leaders, lost = np.zeros(shared_focus.size), np.zeros(shared_focus.size)
    loss = np.zeros(engagement.size)
    for g in range(is_leader.size):
        leaders[g // size] += is_leader[g]
    colleagues = max(active - 1, 1)
    for g in slots:
        s, i = g // size, g % size
        lost[s] += is_leader[g]
        for j in range(size):
            loss[s * size + j] += loss_effect * trust[s, j, i] / colleagues
    for g in range(engagement.size):
        engagement[g] = max(engagement[g] - loss[g], 0.0)
    for s in range(shared_focus.size):
        if leaders[s] > 0:
            shared_focus[s] *= 1.0 - lost[s] / leaders[s] * (1.0 - memory[s])
    for g in slots:
        s, i = g // size, g % size
        is_leader[g] = False
        trust[s, i, :] = newcomer_trust
        trust[s, :, i] = newcomer_trust
        trust[s, i, i] = 0.0


@njit(cache=True)
def bridge(links, draws, size, active, state, rates):
    """One month of exchanges between linked schools, in place; returns each school's number of exchanges.

    Args:
        links: (E, 2) linked schools. draws: one uniform per link from ``model.rng``.
        size, active: posts and taking-part members per school.
        state: :class:`BridgeState`:
            school_trust: per school, mean trust (the last observation); read.
            openness: per slot; read. knowledge, engagement: per slot; written.
            support: per school; read. shared_focus, memory: per school; written.
        rates: :class:`BridgeRates`.
    """
    trust, openness, knowledge, engagement, support, shared_focus, memory = state
    rate, insularity, transfer = rates
    n_schools, levels = support.size, np.zeros((4, support.size))  # knowledge, engagement, focus, memory
    for s in range(n_schools):  # levels before any exchange
        for local in range(active):
            levels[0, s] += knowledge[s * size + local] / active
            levels[1, s] += engagement[s * size + local] / active
        levels[2, s], levels[3, s] = shared_focus[s], memory[s]
    gains, contacts = np.zeros((4, n_schools)), np.zeros(n_schools)
    for e in range(links.shape[0]):
        x, y = links[e, 0], links[e, 1]
        capacity_x = support[x] * (1.0 - at(insularity, x) * trust[x])
        capacity_y = support[y] * (1.0 - at(insularity, y) * trust[y])
        if draws[e] >= at(rate, x) * np.sqrt(capacity_x * capacity_y):  # linked schools are of one run
            continue
        contacts[x] += 1.0
        contacts[y] += 1.0
        for q in range(4):
            gains[q, x] += at(transfer, x) * max(levels[q, y] - levels[q, x], 0.0)
            gains[q, y] += at(transfer, y) * max(levels[q, x] - levels[q, y], 0.0)
    for g in range(knowledge.size):
        s = g // size
        knowledge[g] = min(knowledge[g] + gains[0, s] * openness[g], 1.0)
        if g % size < active:
            engagement[g] = min(engagement[g] + gains[1, s], 1.0)
    for s in range(n_schools):
        shared_focus[s] = min(shared_focus[s] + gains[2, s], 1.0)
        memory[s] = min(memory[s] + gains[3, s], 1.0)
    return contacts


# --- the kernels that loop over schools, compiled twice -------------------------------------------------------
# One source each: without ``parallel`` numba runs ``prange`` as ``range``, so the serial and parallel kernels are
# the same loops. numba's disk cache names its entries by the function's qualified name, not by ``parallel``, so the
# parallel twin is the same code under its own name (else the two compilations would overwrite each other's entry,
# and the parallel one, some 18 s, would be compiled again in every process).
def _parallel_twin(py_func):
    """``py_func``'s code as a function named ``<name>_parallel``, so numba caches its parallel build apart."""
    twin = types.FunctionType(py_func.__code__, py_func.__globals__, f"{py_func.__name__}_parallel",
                              py_func.__defaults__, py_func.__closure__)
    twin.__qualname__ = f"{py_func.__qualname__}_parallel"
    return njit(cache=True, parallel=True)(twin)


converse = njit(cache=True)(_converse)
update_trust = njit(cache=True)(_update_trust)
_PARALLEL = {converse: _parallel_twin(_converse), update_trust: _parallel_twin(_update_trust)}


_NAMED_ON_ENTRY = {share_leadership, converse, school_talk, learn, update_trust, engage, codify, leave, bridge,
                   *_PARALLEL.values()}
"""The kernels that name their tuples again on entry, so :func:`call` may pass them unnamed: the model's own, their
parallel twins and their variants (:func:`variant` adds each)."""


def call(kernel, *args):
    """``kernel(*args)``, where a kernel of the model's own source (:data:`_NAMED_ON_ENTRY`) gets each named tuple
    of ``args`` as a plain tuple and names it again on entry: numba matches a named tuple's type about 1.5 us
    slower than a plain tuple's on every call (it looks up the class and each field name), some 30 us a tick over
    the 18 a default tick passes, a tenth of the tick. Any other kernel (a copy of one, say) gets ``args`` as
    they are. The values, and so every result, are the same either way."""
    if kernel in _NAMED_ON_ENTRY:
        return kernel(*[tuple(arg) if isinstance(arg, tuple) else arg for arg in args])
    return kernel(*args)


def over_schools(kernel, parallel: bool):
    """``kernel`` (``converse`` or ``update_trust``), or its twin that shares schools among threads
    (``prange``; same results) when ``parallel``; another kernel (a :func:`variant`) runs as it is."""
    return _PARALLEL.get(kernel, kernel) if parallel else kernel


def hooks(kernel) -> tuple[str, ...]:
    """The compiled functions ``kernel`` calls by name: the places :func:`variant` can change."""
    source = kernel.py_func
    return tuple(name for name in source.__code__.co_names
                 if isinstance(source.__globals__.get(name), CPUDispatcher))


def variant(kernel, **replaced):
    """``kernel`` compiled again with some of the compiled functions it calls replaced: a change to a kernel
    without copying it.

    ``variant(learn, openness_change=my_change)`` is :func:`learn` with every call of :func:`openness_change`
    calling ``my_change`` (an ``@njit`` function of the same arguments) instead; the kernel's source, and so
    every other line, stays the model's own. :func:`hooks` lists what a kernel calls. A name the kernel does not
    call raises ``ValueError`` naming the kernel's hooks. The variant is compiled in the session (not cached on
    disk, where it would be mistaken for the kernel it comes from) and runs serially.
    """
    source = kernel.py_func
    unknown = sorted(set(replaced) - set(hooks(kernel)))
    if unknown:
        raise ValueError(f"variant: {source.__name__} calls no {unknown[0]!r}; its hooks are "
                         f"{', '.join(hooks(kernel)) or 'none'}")
    function = types.FunctionType(source.__code__, {**source.__globals__, **replaced}, source.__name__,
                                  source.__defaults__, source.__closure__)
    function.__doc__ = f"{source.__name__} with {', '.join(f'{k}={v.__name__}' for k, v in replaced.items())}."
    compiled = njit(function)
    if kernel in _NAMED_ON_ENTRY:  # the same source: it names its tuples again on entry too
        _NAMED_ON_ENTRY.add(compiled)
    return compiled
