"""Observation: the PLC health index, Hord's dimensions, persistence, and tidy tables.

Each school's health is the mean of five dimensions on 0..1, measurable
proxies of Hord's dimensions as assessed by the PLCA-R (Hipp & Huffman), which
splits supportive conditions into relationships and structures; both halves
are reported. ODD section 6 (observation) gives the formulas.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import numpy as np
import pandas as pd
from numba import njit

from simulation.aggregates import member_means, trust_summary
from simulation.kernels import at
from simulation.parameters import TICKS_PER_YEAR
from simulation.state import active_per_school, members_per_school

DIMENSIONS = (
    "shared_leadership",
    "shared_vision",
    "collective_learning",
    "shared_practice",
    "supportive_conditions",
)
"""Hord's five dimensions, in the order of the PLCA-R."""

DIMENSION_LABELS = {
    "shared_leadership": "Shared and supportive leadership",
    "shared_vision": "Shared values and vision",
    "collective_learning": "Collective learning and application",
    "shared_practice": "Shared personal practice",
    "supportive_conditions": "Supportive conditions",
}
"""Each dimension's name as the PLCA-R words it."""

CONDITION_HALVES = ("conditions_relational", "conditions_structural")

MEASURE_LABELS = {
    "health": "PLC health index (0-1)",
    **{name: f"{label} (0-1)" for name, label in DIMENSION_LABELS.items()},
    "conditions_relational": "supportive conditions: relationships (0-1)",
    "conditions_structural": "supportive conditions: structures (0-1)",
    "knowledge": "knowledge / practice quality (0-1)",
    "engagement": "engagement (0-1)",
    "openness": "openness of practice (0-1)",
    "trust": "mean relational trust (0-1)",
    "strong_ties": "strong trust ties (share of pairs)",
    "memory": "organizational memory (0-1)",
    "meeting_time": "meeting time (share of the most a school could give)",
    "teacher_leaders": "teacher leaders (count)",
    "bridging_contacts": "exchanges with partner schools this month (count)",
    "stage": "stage of PLC functioning (0 not yet, 1 initiating, 2 implementing, 3 sustaining)",
    "formed": "community formed so far (0/1)",
    "decayed": "community decayed now (0/1)",
    "eroded": "community below its own established level now (0/1)",
    "teachers_left": "teachers who left at the last year end (count)",
    "principals_left": "principals who left so far (count)",
    "formed_share": "communities formed so far (share)",
    "decayed_share": "communities decayed (share)",
    "eroded_share": "communities eroded below their own level (share)",
    "retention": "teachers retained this tick (share)",
}
"""Every per-school and network measure, named once, with what it means and its unit: figures, the app and the
tables read their labels here."""

SCHOOL_MEASURES = (
    "health", *DIMENSIONS, *CONDITION_HALVES,
    "knowledge", "engagement", "openness", "trust", "strong_ties", "memory", "meeting_time",
    "teacher_leaders", "bridging_contacts", "stage", "formed", "decayed", "eroded", "teachers_left",
    "principals_left",
)
"""Columns of the per-school table, one row per school per tick, in this order; :meth:`Observer.observe` computes
each by name."""

STAGES = ("not yet", "initiating", "implementing", "sustaining")
"""The stages of PLC functioning (Huffman & Hipp 2003; DuFour et al.'s continuum), by ``SCHOOL_MEASURES``' ``stage``
number 0-3; the cutpoints are ``simulation.parameters.STAGE_CUTPOINTS``."""

_STATES = ("formed", "decayed", "eroded")
_COUNTS = ("teachers_left", "principals_left")
_SCHOOL_MEANS = tuple(name for name in SCHOOL_MEASURES if name not in ("stage", *_STATES, *_COUNTS))
NETWORK_MEASURES = (*_SCHOOL_MEANS,
                    "formed_share", "decayed_share", "eroded_share", "teachers_left", "retention", "principals_left")
"""Columns of the network table: school means, plus shares and counts over all schools."""
_UNLABELLED = (set(SCHOOL_MEASURES) | set(NETWORK_MEASURES)) - set(MEASURE_LABELS)
if _UNLABELLED:
    raise ImportError(f"simulation.measures: no label in MEASURE_LABELS for {sorted(_UNLABELLED)}")


class Observer:
    """Measures the schools every tick and judges, once a year, each community's stage, formation and decay.

    Persistence is judged on each school's *yearly mean* health on a fixed scale, as PLC surveys classify schools
    (ODD 6): the year's *stage* is not yet, initiating, implementing or sustaining (cutpoints
    ``initiating_level`` < ``implementing_level`` < ``sustaining_level``). A community *forms* in its first year at
    the implementing stage or above; a formed community *decays* when its yearly mean stays below
    ``initiating_level`` for ``decay_span`` years, and *re-forms* (recovers) when it is back at the implementing
    stage for as long: the gap between the two stages is a hysteresis band. A community that never forms is
    "never formed", not decayed and not persisting. Beside it, *erosion* is the fall of a formed community's yearly
    mean more than ``erosion_drop`` below its own established level for ``decay_span`` years (regained within
    ``erosion_recovery_drop``): a secondary measure, relative to the school's own past.
    """

    KEPT = ("smoothed_learning", "smoothed_participation", "health_sum", "stage", "first_formed_tick", "decay.state",
            "erosion.state")
    """The per-school arrays the compiled pass (:meth:`measure`) reads and writes, by attribute path: a batch of runs
    joins them (:mod:`simulation.batch`)."""

    JUDGED = ("established", "decay.run", "decay.first_change", "decay.first_return", "erosion.run",
              "erosion.first_change", "erosion.first_return")
    """The per-school arrays the year's judgement (:meth:`judge_year`) reads and writes beside :attr:`KEPT`: a batch
    joins them too and judges every run's year at once (every step of the judgement is school by school)."""

    def __init__(self, n: int):
        _check_filled()
        self.smoothed_learning = np.empty(n)
        self.smoothed_participation = np.empty(n)
        self.health_sum = np.zeros(n)
        self.health_count = 0
        self.stage = np.zeros(n, dtype=np.int64)
        self.decay = _Judgement(n)  # decay on the fixed scale
        self.erosion = _Judgement(n)  # erosion against the school's own level
        self.established = np.full(n, np.nan)  # each formed school's own level (erosion)
        self.first_formed_tick = np.full(n, -1, dtype=np.int64)
        self.series = Series(n)
        self.table = None  # this tick's row of the series: (measures, schools)
        self.network_table = None  # this tick's network row
        self.current = Measured(self)

    @property
    def formed(self) -> np.ndarray:
        """Whether each community has formed (a school year at the implementing stage or above, so far)."""
        return self.first_formed_tick >= 0

    @property
    def decayed(self) -> np.ndarray:
        """Whether each community is decayed now."""
        return self.decay.state

    @property
    def first_decay_tick(self) -> np.ndarray:
        return self.decay.first_change

    @property
    def first_recovery_tick(self) -> np.ndarray:
        return self.decay.first_return

    def year_health(self) -> np.ndarray:
        """Each school's mean health over the school year so far (the last observation if none yet this year)."""
        if self.health_count == 0:
            return self.current["health"] if self.current else np.zeros(self.health_sum.size)
        return self.health_sum / self.health_count

    def observe(self, model) -> dict[str, np.ndarray]:
        """Compute this tick's per-school measures (``SCHOOL_MEASURES``) and network measures (``NETWORK_MEASURES``)
        into the next rows of :attr:`series` and, at a year end, judge persistence.

        One compiled pass (:func:`_observe`) computes every measure and the network summary; the year's judgement,
        once in ``TICKS_PER_YEAR`` ticks, is Python, after which the judged rows and the summary are filled again.
        """
        table, summary = self.series.next_rows()
        first, counting = self.series.ticks == 0, model.steps > 0  # tick 0 shows the designed start
        self.measure(model, table, summary, first, counting)
        return self.observed(model, table, summary, first, counting)

    def measure(self, model, table: np.ndarray, summary: np.ndarray, first: bool, counting: bool) -> None:
        """The compiled pass of :meth:`observe`: every school's measures of ``model`` into ``table`` and the
        network summary into ``summary``, with this observer's smoothing and year sums. A batch of runs
        (:mod:`simulation.batch`) calls it once on its joined state and observer arrays."""
        m, s, p = model.members, model.schools, model.p
        active = active_per_school(p)
        # Called apart: inlined into _observe, its SIMD sum (fastmath) was vectorized differently, changing the
        # last bit of the mean trust; on its own it is compiled as it always was.
        relational, strong_ties = trust_summary(m.trust, active, p.strong_tie_threshold)
        _observe(table, summary, first, counting, p.observation_smoothing, p.leader_support_share,
                 p.relational_conditions_share, p.teachers_per_school, members_per_school(p), active, m.knowledge,
                 m.engagement, m.openness, m.is_leader, relational, strong_ties, self.smoothed_learning,
                 self.smoothed_participation, s.whole_school_depth, s.participation, s.reach, s.support,
                 s.distribution, s.leader_engagement, s.focus, s.meeting_time, s.workload, s.memory,
                 s.bridging_contacts, s.teachers_left, s.principals_left, self.health_sum, self.stage,
                 self.first_formed_tick, self.decay.state, self.erosion.state)

    def observed(self, model, table: np.ndarray, summary: np.ndarray, first: bool, counting: bool,
                 year_judged: bool = False) -> Measured:
        """Take ``table`` and ``summary`` (the next rows of :attr:`series`, measured) as this tick's: count the
        tick into the year and, at a year end, judge the year and fill the judged rows and the summary again
        (``year_judged``: a batch has judged this year for its runs together, only the count starts again)."""
        p = model.p
        if counting:
            self.health_count += 1
        year_end = counting and model.steps % TICKS_PER_YEAR == 0
        if first or year_end:
            if first:
                self.stage[:] = stage_of(table[_HEALTH], p)  # the designed start's stage, until a year is judged
            if year_end and year_judged:
                self.health_count = 0
            elif year_end:
                self._judge_year_end(model)
            _fill_judged(table, self.stage, self.first_formed_tick, self.decay.state, self.erosion.state)
            _summarize(table, summary, p.teachers_per_school)
        self.table, self.network_table = table, summary
        self.series.ticks += 1
        return self.current

    def _judge_year_end(self, model) -> None:
        year_mean = self.health_sum / self.health_count
        self.health_sum[:] = 0.0
        self.health_count = 0
        record_changes(model, self.judge_year(year_mean, model.p, model.steps))

    def judge_year(self, year_mean: np.ndarray, p, tick: int) -> np.ndarray:
        """Judge one school year's means (stage, formation, decay, erosion); return DECAYED / RECOVERED per school
        whose community decayed or re-formed at ``tick`` (0 = neither).

        School by school in one compiled pass (:func:`_judge_year`): as a dozen numpy calls on arrays of 20 schools
        it cost a tenth of a year end's time at the default network."""
        changes = np.zeros(year_mean.size, dtype=np.int64)
        decay, erosion = self.decay, self.erosion
        _judge_year(np.asarray(year_mean, dtype=float), tick, p.initiating_level, p.implementing_level,
                    p.sustaining_level, p.erosion_drop, p.erosion_recovery_drop, p.establishing_rate, p.decay_span,
                    self.stage, self.first_formed_tick, self.established, decay.state, decay.run, decay.first_change,
                    decay.first_return, erosion.state, erosion.run, erosion.first_change, erosion.first_return,
                    changes)
        return changes


@njit(cache=True)
def _judge_year(year_mean, tick, initiating_levels, implementing_levels, sustaining_levels, erosion_drops,
                erosion_recovery_drops, establishing_rates, span, stage, first_formed_tick, established, decay_state,
                decay_run, decay_first_change, decay_first_return, erosion_state, erosion_run, erosion_first_change,
                erosion_first_return, changes):
    """:meth:`Observer.judge_year` for each school, in place; ``changes`` gets each school's decay or recovery.

    The year's stage counts the cutpoints at or below its mean (``stage_of``; a NaN mean sorts above them all, as
    in numpy's ``searchsorted``). A community forms in its first year at the implementing stage, its mean then its
    established level; a community formed before this year is judged for decay on the fixed scale and for erosion
    against its own level (:class:`_Judgement`), and a formed one neither eroded nor eroding moves its level
    ``establishing_rate`` of the way to this year's mean. The cutpoints, drops and rate (``*_levels``, ``*_drops``,
    ``establishing_rates``) are one number each, or one per school in a batch of runs at different parameter points
    (:func:`simulation.kernels.at`).
    """
    for s in range(year_mean.size):
        mean = year_mean[s]
        initiating, implementing = at(initiating_levels, s), at(implementing_levels, s)
        sustaining = at(sustaining_levels, s)
        stage[s] = 3 if mean != mean else (mean >= initiating) + (mean >= implementing) + (mean >= sustaining)
        formed = first_formed_tick[s] >= 0  # before this year: a community forming now is not judged yet
        if not formed and mean >= implementing:
            first_formed_tick[s] = tick
            established[s] = mean
        changes[s] = _judge(decay_state, decay_run, decay_first_change, decay_first_return, s, formed,
                            mean < initiating, mean >= implementing, span, tick)
        eroding = mean < established[s] - at(erosion_drops, s)
        _judge(erosion_state, erosion_run, erosion_first_change, erosion_first_return, s, formed, eroding,
               mean >= established[s] - at(erosion_recovery_drops, s), span, tick)
        if formed and not erosion_state[s] and not eroding:
            established[s] += at(establishing_rates, s) * (mean - established[s])


@njit(cache=True)
def _judge(state, run, first_change, first_return, s, eligible, leaving, returning, span, tick):
    """One year of school ``s``'s :class:`_Judgement` (its arrays, written); return DECAYED / RECOVERED if it
    changed (0 = not)."""
    evidence = (returning if state[s] else leaving) and eligible
    run[s] = run[s] + 1 if evidence else 0
    if run[s] < span:
        return 0
    change = RECOVERED if state[s] else DECAYED
    first = first_return if state[s] else first_change
    if first[s] < 0:
        first[s] = tick
    state[s] = not state[s]
    run[s] = 0
    return change


def record_changes(recorder, changes: np.ndarray) -> None:
    """Log each school's decay or recovery of a judged year (:meth:`Observer.judge_year`) to ``recorder`` (a model,
    or a batch that logs to its runs), in school order."""
    for school in np.flatnonzero(changes).tolist():
        recorder.record_event("decay" if changes[school] == DECAYED else "recovery", (school,))


def stage_of(health: np.ndarray, p) -> np.ndarray:
    """The stage number (index into :data:`STAGES`) of each yearly mean ``health``."""
    return np.searchsorted([p.initiating_level, p.implementing_level, p.sustaining_level], health, side="right")


class _Judgement:
    """A yearly two-state judgement with hysteresis: enter the state after ``span`` years of ``leaving`` evidence,
    return after ``span`` years of ``returning`` evidence; years in between reset the count. Its arrays, per school;
    :func:`_judge` judges a year."""

    def __init__(self, n: int):
        self.state = np.zeros(n, dtype=bool)
        self.run = np.zeros(n, dtype=np.int64)
        self.first_change = np.full(n, -1, dtype=np.int64)
        self.first_return = np.full(n, -1, dtype=np.int64)


DECAYED, RECOVERED = 1, 2


_HORD_ROWS = ("health", *DIMENSIONS, "conditions_structural")
"""The rows :func:`_hord_dimensions` computes, by name."""


@njit(cache=True)
def _hord_dimensions(table, first, smoothings, leads, relational_shares, smoothed_learning, smoothed_sharing,
                     whole_depth, participation, reach, support, distribution, leader_engagement, focus, meeting_time,
                     workload, engagement, openness, relational):
    """Fill one tick's health, Hord's five dimensions and the structural conditions per school (rows ``_HORD_ROWS``)
    and the smoothed dialogue measures.

    Hord's five dimensions (ODD section 6): shared leadership blends the principal's support with teacher
    leaders' engagement (weight ``lead``); shared vision is ``sqrt(focus * engagement)``; collective learning
    and shared practice use the dialogue measures smoothed with weight ``smoothing`` (set to this month's on
    the ``first`` observation); supportive conditions blend relational trust with structural time
    (``relational_share``). Health is their mean. ``smoothings``, ``leads`` and ``relational_shares`` are one number
    each, or one per school in a batch of runs at different parameter points (:func:`simulation.kernels.at`).
    """
    for s in range(table.shape[1]):
        smoothing, lead, relational_share = at(smoothings, s), at(leads, s), at(relational_shares, s)
        learning_now, sharing_now = whole_depth[s] * participation[s], participation[s] * reach[s]
        if first:
            smoothed_learning[s], smoothed_sharing[s] = learning_now, sharing_now
        else:
            smoothed_learning[s] = smoothed_learning[s] + smoothing * (learning_now - smoothed_learning[s])
            smoothed_sharing[s] = smoothed_sharing[s] + smoothing * (sharing_now - smoothed_sharing[s])
        structural = meeting_time[s] * (1.0 - workload[s])
        dims = (lead * support[s] + (1.0 - lead) * distribution[s] * leader_engagement[s],
                np.sqrt(focus[s] * engagement[s]),
                smoothed_learning[s],
                openness[s] * smoothed_sharing[s],
                relational_share * relational[s] + (1.0 - relational_share) * structural)
        table[0, s] = ((((dims[0] + dims[1]) + dims[2]) + dims[3]) + dims[4]) / 5.0
        for row in range(5):
            table[1 + row, s] = dims[row]
        table[6, s] = structural


_MEAN_ROWS = np.array([SCHOOL_MEASURES.index(name) for name in _SCHOOL_MEANS])
_HEALTH, _RELATIONAL = SCHOOL_MEASURES.index("health"), SCHOOL_MEASURES.index("conditions_relational")
_HORD_AT = np.array([SCHOOL_MEASURES.index(name) for name in _HORD_ROWS])
_COPIED = ("trust", "knowledge", "engagement", "openness", "strong_ties", "memory", "meeting_time",
           "teacher_leaders", "bridging_contacts", "teachers_left", "principals_left")
_COPIED_AT = np.array([SCHOOL_MEASURES.index(name) for name in _COPIED])
_TEACHERS_LEFT, _PRINCIPALS_LEFT = (SCHOOL_MEASURES.index(name) for name in _COUNTS)
_JUDGED_AT = np.array([SCHOOL_MEASURES.index(name) for name in ("stage", *_STATES)])
_FORMED, _DECAYED, _ERODED = (SCHOOL_MEASURES.index(name) for name in _STATES)
_FILLED = {*_HORD_ROWS, "conditions_relational", *_COPIED, "stage", *_STATES}
"""The measures :func:`_observe` computes, by name."""


def _check_filled() -> None:
    """Refuse a measure declared in SCHOOL_MEASURES that :func:`_observe` does not fill (its row would be whatever
    the memory held: version 2 reported 4.67e-310), or the reverse."""
    declared = set(SCHOOL_MEASURES)
    if _FILLED != declared:
        raise RuntimeError(f"SCHOOL_MEASURES and the observed values differ: declared but not computed "
                           f"{sorted(declared - _FILLED)}, computed but not declared {sorted(_FILLED - declared)}")


@njit(cache=True)
def _observe(table, summary, first, counting, smoothing, lead, relational_share, teachers, size, active,
             knowledge, engagement, openness, is_leader, relational, strong_ties, smoothed_learning, smoothed_sharing,
             whole_depth, participation, reach, support, distribution, leader_engagement, focus, meeting_time,
             workload, memory, bridging_contacts, teachers_left, principals_left, health_sum, stage,
             first_formed_tick, decayed, eroded):
    """One tick's measurement in one compiled pass: every row of ``table`` (``SCHOOL_MEASURES`` x schools), the
    network ``summary`` (``NETWORK_MEASURES``), and, when ``counting``, the year's running sum of health. The
    trust summary (``relational``, ``strong_ties``) comes in computed.

    The same arithmetic in the same order as the member means, trust summary, Hord dimensions and the numpy
    reductions it replaced (issue 21), so every run is the same bit for bit (tests/test_run_digests.py).
    """
    n = table.shape[1]
    means, leaders = member_means(knowledge, engagement, openness, is_leader, n, size, active)
    hord = np.empty((len(_HORD_AT), n))
    _hord_dimensions(hord, first, smoothing, lead, relational_share, smoothed_learning, smoothed_sharing,
                     whole_depth, participation, reach, support, distribution, leader_engagement, focus,
                     meeting_time, workload, means[1], means[2], relational)
    for row in range(len(_HORD_AT)):
        table[_HORD_AT[row]] = hord[row]
    table[_RELATIONAL] = relational
    copied = (relational, means[0], means[1], means[2], strong_ties, memory, meeting_time, leaders,
              bridging_contacts, teachers_left, principals_left)  # in the order of _COPIED
    for row in range(len(_COPIED_AT)):
        table[_COPIED_AT[row]] = copied[row]
    if counting:
        for s in range(n):
            health_sum[s] += hord[0, s]
    _fill_judged(table, stage, first_formed_tick, decayed, eroded)
    _summarize(table, summary, teachers)


@njit(cache=True)
def _fill_judged(table, stage, first_formed_tick, decayed, eroded):
    """The rows of the year's judgement: stage, formed, decayed, eroded (as 0/1)."""
    for s in range(table.shape[1]):
        table[_JUDGED_AT[0], s] = stage[s]
        table[_JUDGED_AT[1], s] = 1.0 if first_formed_tick[s] >= 0 else 0.0
        table[_JUDGED_AT[2], s] = 1.0 if decayed[s] else 0.0
        table[_JUDGED_AT[3], s] = 1.0 if eroded[s] else 0.0


@njit(cache=True)
def _summarize(table, summary, teachers_per_school):
    """Network-level measures, in the order of ``NETWORK_MEASURES``, from one tick's per-school table."""
    schools = table.shape[1]
    for k in range(len(_MEAN_ROWS)):
        summary[k] = _row_sum(table[_MEAN_ROWS[k]]) / schools
    tail = len(_MEAN_ROWS)
    left = _row_sum(table[_TEACHERS_LEFT])
    summary[tail] = _row_sum(table[_FORMED]) / schools
    summary[tail + 1] = _row_sum(table[_DECAYED]) / schools
    summary[tail + 2] = _row_sum(table[_ERODED]) / schools
    summary[tail + 3] = left
    summary[tail + 4] = 1.0 - left / (teachers_per_school * schools)
    summary[tail + 5] = _row_sum(table[_PRINCIPALS_LEFT])


@njit(cache=True)
def _row_sum(values):
    """``np.add.reduce`` of a contiguous float64 row, bit for bit: numpy starts from its identity 0.0 and sums
    pairwise (:func:`_pairwise_sum`)."""
    return 0.0 + _pairwise_sum(values, 0, values.size)


@njit(cache=True)
def _pairwise_sum(a, lo, n):
    """numpy's pairwise summation of ``a[lo:lo + n]`` (``pairwise_sum`` in numpy's loops_utils): up to 128 values
    :func:`_block_sum`; above that the two halves (cut at a multiple of 8) summed apart and added. numpy recurses;
    this walks the same tree with a stack, because numba's cache cannot load a recursive function (it crashed).
    Tested against numpy over lengths 1-300 and 100,000."""
    if n <= 128:  # one block (every row of a network up to 128 schools): no stack to allocate
        return _block_sum(a, lo, n)
    starts, sizes = np.empty(64, np.int64), np.empty(64, np.int64)
    left_done, left_value = np.zeros(64, np.bool_), np.empty(64)
    top, starts[0], sizes[0] = 0, lo, n
    while True:
        if sizes[top] > 128:  # split: the left half first
            half = sizes[top] // 2
            half -= half % 8
            starts[top + 1], sizes[top + 1], left_done[top + 1] = starts[top], half, False
            top += 1
            continue
        value = _block_sum(a, starts[top], sizes[top])
        while True:  # hand the value up until a node still needs its right half
            if top == 0:
                return value
            top -= 1
            if left_done[top]:
                value = left_value[top] + value
                continue
            left_done[top], left_value[top] = True, value
            half = sizes[top] // 2
            half -= half % 8
            starts[top + 1], sizes[top + 1], left_done[top + 1] = starts[top] + half, sizes[top] - half, False
            top += 1
            break


@njit(cache=True)
def _block_sum(a, lo, n):
    """numpy's pairwise sum of at most 128 values: below 8 a plain sum, else eight running sums added as a tree."""
    if n < 8:
        total = -0.0
        for i in range(lo, lo + n):
            total += a[i]
        return total
    # eight scalars, not an array of eight: the same sums without an allocation per call (a tick sums some 25 rows)
    r0, r1, r2, r3, r4, r5, r6, r7 = a[lo], a[lo + 1], a[lo + 2], a[lo + 3], a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]
    i = 8
    while i < n - n % 8:
        j = lo + i
        r0, r1, r2, r3 = r0 + a[j], r1 + a[j + 1], r2 + a[j + 2], r3 + a[j + 3]
        r4, r5, r6, r7 = r4 + a[j + 4], r5 + a[j + 5], r6 + a[j + 6], r7 + a[j + 7]
        i += 8
    total = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        total += a[lo + i]
        i += 1
    return total


def network_summary(table: np.ndarray, teachers_per_school: int) -> np.ndarray:
    """Network-level measures, in the order of ``NETWORK_MEASURES``, from one tick's per-school table."""
    summary = np.empty(len(NETWORK_MEASURES))
    _summarize(np.ascontiguousarray(table, dtype=float), summary, teachers_per_school)
    return summary


class Series:
    """Every observed tick's per-school table and network row, kept in blocks of ``block`` ticks allocated ahead.

    Blocks are never copied when the run grows, so at national scale (17.6 MB a tick at 100,000 schools) memory
    is what the ticks hold; an unwritten block's pages cost nothing until written (``np.empty``).
    """

    def __init__(self, n_schools: int, block: int = 64):
        self.n_schools, self.block, self.ticks = n_schools, block, 0
        self._schools: list[np.ndarray] = []
        self._network: list[np.ndarray] = []

    def next_rows(self) -> tuple[np.ndarray, np.ndarray]:
        """The rows the next tick is observed into (a new block when the last is full)."""
        row = self.ticks % self.block
        if row == 0:
            self._schools.append(np.empty((self.block, len(SCHOOL_MEASURES), self.n_schools)))
            self._network.append(np.empty((self.block, len(NETWORK_MEASURES))))
        return self._schools[-1][row], self._network[-1][row]

    def school_tables(self) -> np.ndarray:
        """(ticks, measures, schools), read-only (a copy once the run is longer than one block)."""
        return _joined(self._schools, self.ticks, (len(SCHOOL_MEASURES), self.n_schools))

    def network_rows(self) -> np.ndarray:
        """(ticks, network measures), read-only (a copy once the run is longer than one block)."""
        return _joined(self._network, self.ticks, (len(NETWORK_MEASURES),))


def _joined(blocks: list[np.ndarray], ticks: int, row_shape: tuple[int, ...]) -> np.ndarray:
    if not blocks:
        return _read_only(np.empty((0, *row_shape)))
    whole = blocks[0] if len(blocks) == 1 else np.concatenate(blocks)
    return _read_only(whole[:ticks])


def _read_only(view: np.ndarray) -> np.ndarray:
    view = view.view()
    view.flags.writeable = False
    return view


class Measured(Mapping):
    """This tick's per-school measures by name (``SCHOOL_MEASURES``): rows of the observer's table, which keep
    their values after later ticks (each tick has its own row)."""

    def __init__(self, observer: Observer):
        self._observer = observer

    def __getitem__(self, name: str) -> np.ndarray:
        if self._observer.table is None:
            raise KeyError(name)
        return self._observer.table[_ROW[name]]

    def __iter__(self) -> Iterator[str]:
        return iter(SCHOOL_MEASURES if self._observer.table is not None else ())

    def __len__(self) -> int:
        return len(SCHOOL_MEASURES) if self._observer.table is not None else 0


_ROW = {name: row for row, name in enumerate(SCHOOL_MEASURES)}


def school_tables(model) -> np.ndarray:
    """Every observed tick's per-school table, (ticks, measures in ``SCHOOL_MEASURES`` order, schools), read-only."""
    return model.observer.series.school_tables()


def school_frame(model) -> pd.DataFrame:
    """Tidy per-school time series: one row per (tick, school), one column per measure."""
    tables = school_tables(model)
    n_ticks, _, n = tables.shape
    ticks = np.repeat(np.arange(n_ticks), n)
    data = {"tick": ticks, "year": ticks // TICKS_PER_YEAR, "school": np.tile(np.arange(n), n_ticks),
            "secondary": np.tile(model.schools.is_secondary, n_ticks)}
    for index, name in enumerate(SCHOOL_MEASURES):
        data[name] = tables[:, index, :].ravel()
    return pd.DataFrame(data)


def network_frame(model) -> pd.DataFrame:
    """Tidy network time series: one row per tick, one column per measure."""
    frame = pd.DataFrame(model.observer.series.network_rows().copy(), columns=list(NETWORK_MEASURES))
    frame.insert(0, "tick", np.arange(len(frame)))
    frame.insert(1, "year", frame["tick"] // TICKS_PER_YEAR)
    return frame.reset_index(drop=True)


def persistence_table(model) -> pd.DataFrame:
    """One row per school: whether and when its community formed, decayed, re-formed and eroded, and its stage."""
    obs = model.observer
    decay, recover = obs.first_decay_tick, obs.first_recovery_tick
    return pd.DataFrame({
        "school": np.arange(model.p.n_schools),
        "secondary": model.schools.is_secondary,
        "never_formed": ~obs.formed,
        "first_formed_tick": obs.first_formed_tick,
        "decayed_ever": decay >= 0,
        "first_decay_tick": decay,
        "recovered": recover >= 0,
        "first_recovery_tick": recover,
        "decayed_at_end": obs.decayed,
        "eroded_ever": obs.erosion.first_change >= 0,
        "first_erosion_tick": obs.erosion.first_change,
        "stage_at_end": np.asarray(STAGES)[obs.stage],
        "ticks_observed": model.steps,
    })
