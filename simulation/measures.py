"""Observation: the PLC health index, Hord's dimensions, persistence, and tidy tables.

Each school's health is the mean of five dimensions on 0..1, measurable
proxies of Hord's dimensions as assessed by the PLCA-R (Hipp & Huffman), which
splits supportive conditions into relationships and structures; both halves
are reported. ODD section 6 (observation) gives the formulas.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numba import njit

from simulation.aggregates import member_means, trust_summary
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

    def __init__(self, n: int):
        self.smoothed_learning = None
        self.smoothed_participation = None
        self.health_sum = np.zeros(n)
        self.health_count = 0
        self.stage = np.zeros(n, dtype=np.int64)
        self.decay = _Judgement(n)  # decay on the fixed scale
        self.erosion = _Judgement(n)  # erosion against the school's own level
        self.established = np.full(n, np.nan)  # each formed school's own level (erosion)
        self.first_formed_tick = np.full(n, -1, dtype=np.int64)
        self.current = {}

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
        """Compute this tick's per-school measures (``SCHOOL_MEASURES``) and, at a year end, judge persistence."""
        m, s, p = model.members, model.schools, model.p
        active = active_per_school(p)
        (knowledge, engagement, openness), leaders = member_means(
            m.knowledge, m.engagement, m.openness, m.is_leader, p.n_schools, members_per_school(p), active)
        relational, strong_ties = trust_summary(m.trust, active, p.strong_tie_threshold)
        first = self.smoothed_learning is None
        if first:
            self.smoothed_learning, self.smoothed_participation = np.empty(p.n_schools), np.empty(p.n_schools)
        hord = np.empty((len(_HORD_ROWS), p.n_schools))
        _hord_dimensions(hord, first, p.observation_smoothing, p.leader_support_share, p.relational_conditions_share,
                         self.smoothed_learning, self.smoothed_participation, s.whole_school_depth, s.participation,
                         s.reach, s.support, s.distribution, s.leader_engagement, s.focus, s.meeting_time, s.workload,
                         engagement, openness, relational)
        health = hord[0]
        if first:
            self.stage[:] = stage_of(health, p)  # the designed start's stage, until a year is judged
        self._update_persistence(model, health)
        values = dict(zip(_HORD_ROWS, hord, strict=True)) | {
            "conditions_relational": relational, "knowledge": knowledge, "engagement": engagement,
            "openness": openness, "trust": relational, "strong_ties": strong_ties, "memory": s.memory,
            "meeting_time": s.meeting_time, "teacher_leaders": leaders, "bridging_contacts": s.bridging_contacts,
            "stage": self.stage, "formed": self.formed, "decayed": self.decay.state, "eroded": self.erosion.state,
            "teachers_left": s.teachers_left, "principals_left": s.principals_left,
        }
        if values.keys() != set(SCHOOL_MEASURES):
            raise RuntimeError(f"SCHOOL_MEASURES and the observed values differ: declared but not computed "
                               f"{sorted(set(SCHOOL_MEASURES) - values.keys())}, computed but not declared "
                               f"{sorted(values.keys() - set(SCHOOL_MEASURES))}")
        self.table = np.stack([np.asarray(values[name], dtype=float) for name in SCHOOL_MEASURES])
        self.current = dict(zip(SCHOOL_MEASURES, self.table, strict=True))
        return self.current

    def _update_persistence(self, model, health: np.ndarray) -> None:
        if model.steps == 0:
            return  # tick 0 shows the designed start, not a month of the school year
        self.health_sum += health
        self.health_count += 1
        if model.steps % TICKS_PER_YEAR:
            return
        year_mean = self.health_sum / self.health_count
        self.health_sum[:] = 0.0
        self.health_count = 0
        changes = self.judge_year(year_mean, model.p, model.steps)
        for school in np.flatnonzero(changes).tolist():
            model.record_event("decay" if changes[school] == DECAYED else "recovery", (school,))

    def judge_year(self, year_mean: np.ndarray, p, tick: int) -> np.ndarray:
        """Judge one school year's means (stage, formation, decay, erosion); return DECAYED / RECOVERED per school
        whose community decayed or re-formed at ``tick`` (0 = neither)."""
        self.stage[:] = stage_of(year_mean, p)
        forming = ~self.formed & (year_mean >= p.implementing_level)
        self.first_formed_tick[forming] = tick
        self.established[forming] = year_mean[forming]
        formed = self.formed & ~forming
        changes = self.decay.judge(formed, year_mean < p.initiating_level, year_mean >= p.implementing_level,
                                   p.decay_span, tick)
        eroding = year_mean < self.established - p.erosion_drop
        self.erosion.judge(formed, eroding, year_mean >= self.established - p.erosion_recovery_drop, p.decay_span,
                           tick)
        keeps_level = formed & ~self.erosion.state & ~eroding
        self.established[keeps_level] += p.establishing_rate * (year_mean - self.established)[keeps_level]
        return changes


def stage_of(health: np.ndarray, p) -> np.ndarray:
    """The stage number (index into :data:`STAGES`) of each yearly mean ``health``."""
    return np.searchsorted([p.initiating_level, p.implementing_level, p.sustaining_level], health, side="right")


class _Judgement:
    """A yearly two-state judgement with hysteresis: enter the state after ``span`` years of ``leaving`` evidence,
    return after ``span`` years of ``returning`` evidence; years in between reset the count."""

    def __init__(self, n: int):
        self.state = np.zeros(n, dtype=bool)
        self.run = np.zeros(n, dtype=np.int64)
        self.first_change = np.full(n, -1, dtype=np.int64)
        self.first_return = np.full(n, -1, dtype=np.int64)

    def judge(self, eligible, leaving, returning, span: int, tick: int) -> np.ndarray:
        """Judge one year for the ``eligible`` schools; return DECAYED / RECOVERED per school that changed
        (0 = none)."""
        evidence = np.where(self.state, returning, leaving) & eligible
        self.run = np.where(evidence, self.run + 1, 0)
        flips = self.run >= span
        changes = np.where(flips, np.where(self.state, RECOVERED, DECAYED), 0)
        for first, kind in ((self.first_change, DECAYED), (self.first_return, RECOVERED)):
            new = (changes == kind) & (first < 0)
            first[new] = tick
        self.state ^= flips
        self.run[flips] = 0
        return changes


DECAYED, RECOVERED = 1, 2


_HORD_ROWS = ("health", *DIMENSIONS, "conditions_structural")
"""The rows :func:`_hord_dimensions` computes, by name."""


@njit(cache=True)
def _hord_dimensions(table, first, smoothing, lead, relational_share, smoothed_learning, smoothed_sharing, whole_depth,
                     participation, reach, support, distribution, leader_engagement, focus, meeting_time, workload,
                     engagement, openness, relational):
    """Fill one tick's health, Hord's five dimensions and the structural conditions per school (rows ``_HORD_ROWS``)
    and the smoothed dialogue measures.

    Hord's five dimensions (ODD section 6): shared leadership blends the principal's support with teacher
    leaders' engagement (weight ``lead``); shared vision is ``sqrt(focus * engagement)``; collective learning
    and shared practice use the dialogue measures smoothed with weight ``smoothing`` (set to this month's on
    the ``first`` observation); supportive conditions blend relational trust with structural time
    (``relational_share``). Health is their mean.
    """
    for s in range(table.shape[1]):
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


_MEAN_ROWS = [SCHOOL_MEASURES.index(name) for name in _SCHOOL_MEANS]
_FORMED, _DECAYED, _ERODED = (SCHOOL_MEASURES.index(name) for name in _STATES)
_TEACHERS_LEFT, _PRINCIPALS_LEFT = (SCHOOL_MEASURES.index(name) for name in _COUNTS)


def network_summary(table: np.ndarray, teachers_per_school: int) -> np.ndarray:
    """Network-level measures, in the order of ``NETWORK_MEASURES``, from one tick's per-school table."""
    sums = np.add.reduce(table, axis=1)  # the sums np.mean divides (one reduction: this runs every tick)
    means, schools = sums / table.shape[1], table.shape[1]
    summary = np.empty(len(NETWORK_MEASURES))
    summary[:-6] = means[_MEAN_ROWS]
    summary[-6:] = (means[_FORMED], means[_DECAYED], means[_ERODED], sums[_TEACHERS_LEFT],
                    1.0 - sums[_TEACHERS_LEFT] / (teachers_per_school * schools), sums[_PRINCIPALS_LEFT])
    return summary


def school_frame(model) -> pd.DataFrame:
    """Tidy per-school time series: one row per (tick, school), one column per measure."""
    tables = np.stack(model.datacollector.model_vars["schools"])  # (ticks, measures, schools)
    n_ticks, _, n = tables.shape
    ticks = np.repeat(np.arange(n_ticks), n)
    data = {"tick": ticks, "year": ticks // TICKS_PER_YEAR, "school": np.tile(np.arange(n), n_ticks),
            "secondary": np.tile(model.schools.is_secondary, n_ticks)}
    for index, name in enumerate(SCHOOL_MEASURES):
        data[name] = tables[:, index, :].ravel()
    return pd.DataFrame(data)


def network_frame(model) -> pd.DataFrame:
    """Tidy network time series: one row per tick, one column per measure."""
    frame = pd.DataFrame(np.array(model.datacollector.model_vars["network"]), columns=list(NETWORK_MEASURES))
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
