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

SCHOOL_MEASURES = (
    "health", *DIMENSIONS, *CONDITION_HALVES,
    "knowledge", "engagement", "openness", "trust", "strong_ties", "memory", "meeting_time",
    "teacher_leaders", "bridging_contacts", "decayed", "teachers_left", "principals_left",
)
"""Columns of the per-school table, one row per school per tick."""

_COUNTS = ("decayed", "teachers_left", "principals_left")
NETWORK_MEASURES = (*(name for name in SCHOOL_MEASURES if name not in _COUNTS),
                    "decayed_share", "teachers_left", "retention", "principals_left")
"""Columns of the network table: school means, plus counts and shares over all schools."""


class Observer:
    """Measures the schools every tick and tracks when each community decays and recovers.

    A community *decays* when its health stays below ``decay_threshold`` for
    ``decay_span`` consecutive ticks, and *recovers* when, after decaying, it
    stays at or above the threshold for as long.
    """

    def __init__(self, model):
        n = model.p.n_schools
        self.smoothed_learning = None
        self.smoothed_participation = None
        self.run_below = np.zeros(n, dtype=np.int64)
        self.run_above = np.zeros(n, dtype=np.int64)
        self.decayed = np.zeros(n, dtype=bool)
        self.first_decay_tick = np.full(n, -1, dtype=np.int64)
        self.first_recovery_tick = np.full(n, -1, dtype=np.int64)
        self.current = {}

    def observe(self, model) -> dict[str, np.ndarray]:
        """Compute this tick's per-school measures (``SCHOOL_MEASURES``) and update persistence."""
        m, s, p = model.members, model.schools, model.p
        active = active_per_school(p)
        (knowledge, engagement, openness), leaders = member_means(
            m.knowledge, m.engagement, m.openness, m.is_leader, p.n_schools, members_per_school(p), active)
        relational, strong_ties = trust_summary(m.trust, active, p.strong_tie_threshold)
        learning_now = s.talk_depth * s.participation
        if self.smoothed_learning is None:
            self.smoothed_learning, self.smoothed_participation = learning_now, s.participation.copy()
        else:
            w = p.observation_smoothing
            self.smoothed_learning = self.smoothed_learning + w * (learning_now - self.smoothed_learning)
            self.smoothed_participation = (self.smoothed_participation
                                           + w * (s.participation - self.smoothed_participation))
        structural = s.meeting_time * (1.0 - s.workload)
        dims = {
            "shared_leadership": 0.5 * s.support + 0.5 * s.distribution * s.leader_engagement,
            "shared_vision": np.sqrt(s.focus * engagement),
            "collective_learning": self.smoothed_learning,
            "shared_practice": openness * self.smoothed_participation,
            "supportive_conditions": 0.5 * (relational + structural),
        }
        health = sum(dims.values()) / len(dims)
        self._update_persistence(model, health)
        self.table = np.array([
            health, *dims.values(), relational, structural, knowledge, engagement, openness, relational,
            strong_ties, s.memory, s.meeting_time, leaders, s.bridging_contacts, self.decayed,
            s.teachers_left, s.principals_left], dtype=float)
        self.current = dict(zip(SCHOOL_MEASURES, self.table, strict=True))
        return self.current

    def _update_persistence(self, model, health: np.ndarray) -> None:
        changes = _track_persistence(health, model.p.decay_threshold, model.p.decay_span, model.steps,
                                     self.run_below, self.run_above, self.decayed, self.first_decay_tick,
                                     self.first_recovery_tick)
        for school in np.flatnonzero(changes).tolist():
            decayed = changes[school] == DECAYED
            model.record_event("decay" if decayed else "recovery", (school,))


DECAYED, RECOVERED = 1, 2


@njit(cache=True)
def _track_persistence(health, threshold, span, tick, run_below, run_above, decayed, first_decay, first_recovery):
    """Advance each school's runs below and above the threshold, in place; return DECAYED/RECOVERED per change."""
    changes = np.zeros(health.size, np.int64)
    for s in range(health.size):
        if health[s] < threshold:
            run_below[s] += 1
            run_above[s] = 0
        else:
            run_above[s] += 1
            run_below[s] = 0
        if not decayed[s] and run_below[s] >= span:
            decayed[s] = True
            changes[s] = DECAYED
            if first_decay[s] < 0:
                first_decay[s] = tick
        elif decayed[s] and run_above[s] >= span:
            decayed[s] = False
            changes[s] = RECOVERED
            if first_recovery[s] < 0:
                first_recovery[s] = tick
    return changes


_MEAN_ROWS = [SCHOOL_MEASURES.index(name) for name in SCHOOL_MEASURES if name not in _COUNTS]
_DECAYED, _TEACHERS_LEFT, _PRINCIPALS_LEFT = (SCHOOL_MEASURES.index(name) for name in _COUNTS)


def network_summary(table: np.ndarray, teachers_per_school: int) -> np.ndarray:
    """Network-level measures, in the order of ``NETWORK_MEASURES``, from one tick's per-school table."""
    means = table.mean(axis=1)
    teachers_left, principals_left = table[_TEACHERS_LEFT].sum(), table[_PRINCIPALS_LEFT].sum()
    retention = 1.0 - teachers_left / (teachers_per_school * table.shape[1])
    return np.concatenate([means[_MEAN_ROWS], [means[_DECAYED], teachers_left, retention, principals_left]])


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
    """One row per school: whether and when its community decayed and recovered."""
    obs = model.observer
    decay, recover = obs.first_decay_tick, obs.first_recovery_tick
    return pd.DataFrame({
        "school": np.arange(model.p.n_schools),
        "secondary": model.schools.is_secondary,
        "decayed_ever": decay >= 0,
        "first_decay_tick": decay,
        "recovered": recover >= 0,
        "first_recovery_tick": recover,
        "decayed_at_end": obs.decayed,
        "ticks_observed": model.steps,
    })
