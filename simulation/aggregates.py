"""Per-school sums over the member arrays and trust matrices, compiled with numba for speed."""

from __future__ import annotations

import numpy as np
from numba import njit

from simulation.kernels import at


@njit(cache=True, fastmath=True)
def trust_summary(trust, active, strong_threshold):
    """Per school: mean trust among the first ``active`` members, and the share of those ties that are strong.

    The diagonal (self-trust) is zero and is not counted as a tie. ``fastmath`` lets the sum use SIMD lanes
    (twice as fast); the result is the same on every run of one machine, and may differ in the last bit
    between processors with different vector widths.
    """
    n_schools = trust.shape[0]
    pairs = max(active * (active - 1), 1)
    mean, strong = np.zeros(n_schools), np.zeros(n_schools)
    for s in range(n_schools):
        total, count, threshold = 0.0, 0, at(strong_threshold, s)
        for i in range(active):
            for j in range(active):
                tie = trust[s, i, j]
                total += tie
                count += tie >= threshold
        if threshold <= 0.0:
            count -= active  # the zero diagonal is no tie
        mean[s] = total / pairs
        strong[s] = count / pairs
    return mean, strong


@njit(cache=True)
def member_means(knowledge, engagement, openness, is_leader, n_schools, size, active):
    """Per school: mean knowledge, engagement and openness over active members, and the number of leaders."""
    means = np.zeros((3, n_schools))
    leaders = np.zeros(n_schools)
    for s in range(n_schools):
        for g in range(s * size, s * size + active):
            means[0, s] += knowledge[g]
            means[1, s] += engagement[g]
            means[2, s] += openness[g]
            leaders[s] += is_leader[g]
    return means / active, leaders


@njit(cache=True)
def trust_in_team(trust, same_team):
    """Each member's mean trust in her team mates, flat over slots (0 for members outside any team)."""
    n_schools, size, _ = trust.shape
    result = np.zeros(n_schools * size)
    for s in range(n_schools):
        for i in range(size):
            total, count = 0.0, 0
            for j in range(size):
                if same_team[s, i, j]:
                    total += trust[s, i, j]
                    count += 1
            if count > 0:
                result[s * size + i] = total / count
    return result


@njit(cache=True)
def trust_in_colleagues(trust, active):
    """Each member's mean trust in the school's other active members, flat over slots (the collegial climate)."""
    n_schools, size, _ = trust.shape
    result = np.zeros(n_schools * size)
    colleagues = max(active - 1, 1)
    for s in range(n_schools):
        for i in range(size):
            total = 0.0
            for j in range(active):
                total += trust[s, i, j]
            # the zero self-trust of an active member is no colleague; an inactive member has all active ones
            result[s * size + i] = total / (colleagues if i < active else active)
    return result
