"""Observation: the PLC health index, Hord's dimensions, persistence, and tidy tables.

Each school's health is the mean of five dimensions on 0..1, measurable
proxies of Hord's dimensions as assessed by the PLCA-R (Hipp & Huffman), which
splits supportive conditions into relationships and structures; both halves
are reported. ODD section 6 (observation) gives the formulas.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from simulation.parameters import TICKS_PER_YEAR
from simulation.state import active_per_school

DIMENSIONS = (
    "shared_leadership",
    "shared_vision",
    "collective_learning",
    "shared_practice",
    "supportive_conditions",
)
"""Hord's five dimensions, in the order of the PLCA-R."""

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
        self.first_decay_tick = np.full(n, -1)
        self.first_recovery_tick = np.full(n, -1)
        self.current = {}

    def observe(self, model) -> dict[str, np.ndarray]:
        """Compute this tick's per-school measures and update persistence."""
        m, s, p = model.members, model.schools, model.p
        n, active = p.n_schools, active_per_school(p)
        by_school = lambda a: a.reshape(n, -1)[:, :active]  # noqa: E731
        engagement = by_school(m.engagement).mean(axis=1)
        openness = by_school(m.openness).mean(axis=1)
        learning_now = s.talk_depth * s.participation
        w = p.observation_smoothing
        if self.smoothed_learning is None:
            self.smoothed_learning, self.smoothed_participation = learning_now, s.participation.copy()
        else:
            self.smoothed_learning = self.smoothed_learning + w * (learning_now - self.smoothed_learning)
            self.smoothed_participation = (self.smoothed_participation
                                           + w * (s.participation - self.smoothed_participation))
        trust_block = m.trust[:, :active, :active]
        pairs = max(active * (active - 1), 1)
        relational = trust_block.sum(axis=(1, 2)) / pairs
        structural = s.meeting_time * (1.0 - s.workload)
        dims = {
            "shared_leadership": 0.5 * s.support + 0.5 * s.distribution * s.leader_engagement,
            "shared_vision": np.sqrt(s.focus * engagement),
            "collective_learning": self.smoothed_learning,
            "shared_practice": openness * self.smoothed_participation,
            "supportive_conditions": 0.5 * (relational + structural),
        }
        health = np.mean([dims[d] for d in DIMENSIONS], axis=0)
        self._update_persistence(model, health)
        is_leader = by_school(m.is_leader)
        self.current = {
            "health": health, **dims,
            "conditions_relational": relational, "conditions_structural": structural,
            "knowledge": by_school(m.knowledge).mean(axis=1), "engagement": engagement, "openness": openness,
            "trust": relational,
            "strong_ties": (trust_block >= p.strong_tie_threshold).sum(axis=(1, 2)) / pairs,
            "memory": s.memory.copy(), "meeting_time": s.meeting_time.copy(),
            "teacher_leaders": is_leader.sum(axis=1).astype(float),
            "bridging_contacts": s.bridging_contacts.copy(),
            "decayed": self.decayed.astype(float),
            "teachers_left": s.teachers_left.copy(), "principals_left": s.principals_left.copy(),
        }
        return self.current

    def _update_persistence(self, model, health: np.ndarray) -> None:
        p, tick = model.p, model.steps
        below = health < p.decay_threshold
        self.run_below = np.where(below, self.run_below + 1, 0)
        self.run_above = np.where(below, 0, self.run_above + 1)
        decays = ~self.decayed & (self.run_below >= p.decay_span)
        recovers = self.decayed & (self.run_above >= p.decay_span)
        self.first_decay_tick = np.where(decays & (self.first_decay_tick < 0), tick, self.first_decay_tick)
        self.first_recovery_tick = np.where(recovers & (self.first_recovery_tick < 0), tick,
                                            self.first_recovery_tick)
        self.decayed = (self.decayed | decays) & ~recovers
        for school in np.flatnonzero(decays):
            model.record_event("decay", np.array([school]), "The community decayed")
        for school in np.flatnonzero(recovers):
            model.record_event("recovery", np.array([school]), "The community recovered")


def network_summary(measures: dict[str, np.ndarray], teachers_per_school: int) -> dict[str, float]:
    """Network-level measures from one tick's per-school measures."""
    summary = {name: float(measures[name].mean()) for name in SCHOOL_MEASURES if name not in _COUNTS}
    teachers_left = float(measures["teachers_left"].sum())
    summary["decayed_share"] = float(measures["decayed"].mean())
    summary["teachers_left"] = teachers_left
    summary["retention"] = 1.0 - teachers_left / (teachers_per_school * measures["health"].size)
    summary["principals_left"] = float(measures["principals_left"].sum())
    return summary


def school_frame(model) -> pd.DataFrame:
    """Tidy per-school time series: one row per (tick, school), one column per measure."""
    snapshots = model.datacollector.model_vars["schools"]
    n = model.p.n_schools
    ticks = np.repeat(np.arange(len(snapshots)), n)
    data = {"tick": ticks, "year": ticks // TICKS_PER_YEAR,
            "school": np.tile(np.arange(n), len(snapshots)),
            "secondary": np.tile(model.schools.is_secondary, len(snapshots))}
    for name in SCHOOL_MEASURES:
        data[name] = np.concatenate([snap[name] for snap in snapshots])
    return pd.DataFrame(data)


def network_frame(model) -> pd.DataFrame:
    """Tidy network time series: one row per tick, one column per measure."""
    frame = model.datacollector.get_model_vars_dataframe().drop(columns=["schools"])
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
