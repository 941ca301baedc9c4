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
    """Measures the schools every tick and judges, once a year, whether each community formed, decayed or recovered.

    Persistence is judged on each school's *yearly mean* health against its own *established level*, not
    on a fixed line: a community *forms* when its yearly mean first reaches ``formation_level`` (its
    established level starts there and follows its yearly means, ``establishing_rate``, while it is
    healthy); it *decays* when its yearly mean stays more than ``decay_drop`` below that level for
    ``decay_span`` years, and *recovers* when it is back within ``recovery_drop`` of it for as long (a
    hysteresis band). A community that never forms is reported as "never formed", not as decayed.
    """

    def __init__(self, model):
        n = model.p.n_schools
        self.smoothed_learning = None
        self.smoothed_participation = None
        self.health_sum = np.zeros(n)
        self.health_count = 0
        self.established = np.full(n, np.nan)  # NaN until the community forms
        self.run = np.zeros(n, dtype=np.int64)  # consecutive yearly means beyond the band
        self.decayed = np.zeros(n, dtype=bool)
        self.first_decay_tick = np.full(n, -1, dtype=np.int64)
        self.first_recovery_tick = np.full(n, -1, dtype=np.int64)
        self.current = {}

    @property
    def formed(self) -> np.ndarray:
        """Whether each community has reached the formation level (in some year so far)."""
        return ~np.isnan(self.established)

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
        self.table = np.empty((len(SCHOOL_MEASURES), p.n_schools))
        _school_table(self.table, first, p.observation_smoothing, p.leader_support_share,
                      p.relational_conditions_share, self.smoothed_learning, self.smoothed_participation,
                      s.whole_school_depth, s.participation, s.reach, s.support, s.distribution, s.leader_engagement,
                      s.focus, s.meeting_time, s.workload, s.memory, s.bridging_contacts, s.teachers_left,
                      s.principals_left, knowledge, engagement, openness, leaders, relational, strong_ties)
        self._update_persistence(model, self.table[0])
        self.table[_DECAYED] = self.decayed
        self.current = dict(zip(SCHOOL_MEASURES, self.table, strict=True))
        return self.current

    def _update_persistence(self, model, health: np.ndarray) -> None:
        if model.steps == 0:
            return  # tick 0 shows the designed start, not a month of the school year
        self.health_sum += health
        self.health_count += 1
        if model.steps % TICKS_PER_YEAR:
            return
        p = model.p
        changes = _judge_year(self.health_sum / self.health_count, p.formation_level, p.decay_drop, p.recovery_drop,
                              p.decay_span, p.establishing_rate, model.steps, self.established, self.run,
                              self.decayed, self.first_decay_tick, self.first_recovery_tick)
        self.health_sum[:] = 0.0
        self.health_count = 0
        for school in np.flatnonzero(changes).tolist():
            model.record_event("decay" if changes[school] == DECAYED else "recovery", (school,))


DECAYED, RECOVERED = 1, 2


@njit(cache=True)
def _school_table(table, first, smoothing, lead, relational_share, smoothed_learning, smoothed_sharing, whole_depth,
                  participation, reach, support, distribution, leader_engagement, focus, meeting_time, workload,
                  memory, bridging, teachers_left, principals_left, knowledge, engagement, openness, leaders,
                  relational, strong_ties):
    """Fill one tick's per-school ``table`` (rows in ``SCHOOL_MEASURES`` order) and the smoothed dialogue measures.

    Hord's five dimensions (ODD section 6): shared leadership blends the principal's support with teacher
    leaders' engagement (weight ``lead``); shared vision is ``sqrt(focus * engagement)``; collective learning
    and shared practice use the dialogue measures smoothed with weight ``smoothing`` (set to this month's on
    the ``first`` observation); supportive conditions blend relational trust with structural time
    (``relational_share``). Health is their mean. The ``decayed`` row is left for the caller.
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
        rest = (relational[s], structural, knowledge[s], engagement[s], openness[s], relational[s], strong_ties[s],
                memory[s], meeting_time[s], leaders[s], bridging[s], 0.0, float(teachers_left[s]),
                float(principals_left[s]))
        for row in range(len(rest)):
            table[6 + row, s] = rest[row]


@njit(cache=True)
def _judge_year(year_mean, formation, drop, recovery_drop, span, rate, tick, established, run, decayed, first_decay,
                first_recovery):
    """Judge one school year per school, in place; return DECAYED/RECOVERED per change (0 = none).

    ``established`` is NaN until a school's yearly mean first reaches ``formation``; after that it follows
    the yearly means (weight ``rate``) while the community is healthy and within the band.
    """
    changes = np.zeros(year_mean.size, np.int64)
    for s in range(year_mean.size):
        y = year_mean[s]
        if np.isnan(established[s]):
            if y >= formation:
                established[s] = y
            continue
        if not decayed[s]:
            if y < established[s] - drop:
                run[s] += 1
            else:
                run[s] = 0
                established[s] += rate * (y - established[s])
            if run[s] >= span:
                decayed[s], run[s], changes[s] = True, 0, DECAYED
                if first_decay[s] < 0:
                    first_decay[s] = tick
        else:
            run[s] = run[s] + 1 if y >= established[s] - recovery_drop else 0
            if run[s] >= span:
                decayed[s], run[s], changes[s] = False, 0, RECOVERED
                if first_recovery[s] < 0:
                    first_recovery[s] = tick
    return changes


_MEAN_ROWS = [SCHOOL_MEASURES.index(name) for name in SCHOOL_MEASURES if name not in _COUNTS]
_DECAYED, _TEACHERS_LEFT, _PRINCIPALS_LEFT = (SCHOOL_MEASURES.index(name) for name in _COUNTS)


def network_summary(table: np.ndarray, teachers_per_school: int) -> np.ndarray:
    """Network-level measures, in the order of ``NETWORK_MEASURES``, from one tick's per-school table."""
    sums = np.add.reduce(table, axis=1)  # the sums np.mean divides (one reduction: this runs every tick)
    means, schools = sums / table.shape[1], table.shape[1]
    summary = np.empty(len(NETWORK_MEASURES))
    summary[:-4] = means[_MEAN_ROWS]
    summary[-4:] = (means[_DECAYED], sums[_TEACHERS_LEFT], 1.0 - sums[_TEACHERS_LEFT] / (teachers_per_school * schools),
                    sums[_PRINCIPALS_LEFT])
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
    """One row per school: whether and when its community decayed and recovered, and whether it ever formed."""
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
        "never_formed": ~obs.formed,
        "ticks_observed": model.steps,
    })
