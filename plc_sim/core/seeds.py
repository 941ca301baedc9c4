"""Seeds of replications, derived once for every tool (sweeps and validation).

Replication ``k`` gets the same seed at every design point or condition (common
random numbers), so differences between points are not noise from different
random streams. Seeds come from ``numpy.random.SeedSequence(root, spawn_key=(k,))``,
which gives independent streams for different ``k`` and the same stream for the
same ``(root, k)`` on any machine and in any process.
"""

from __future__ import annotations

import numpy as np

SAMPLER_KEY = 2**32 - 1
"""First spawn key of the streams that sample designs: never a replication number, so never a replication's seed."""


def replication_seed(root: int, replication: int) -> int:
    """The seed (a non-negative int64) of replication ``replication`` under the master seed ``root``."""
    state = np.random.SeedSequence(root, spawn_key=(replication,)).generate_state(2, np.uint32)
    return int((int(state[0]) << 31) ^ int(state[1]))


def replication_seeds(root: int, n: int) -> list[int]:
    """The seeds of replications ``0 .. n-1`` under the master seed ``root``."""
    return [replication_seed(root, k) for k in range(n)]


def sampler_seed(root: int, index: int) -> int:
    """A seed for sampling design number ``index`` (Latin hypercube, Sobol, Morris), independent of replications."""
    state = np.random.SeedSequence(root, spawn_key=(SAMPLER_KEY, index)).generate_state(1, np.uint32)
    return int(state[0])
