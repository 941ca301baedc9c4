"""Docking: the memory submodel reproduces March (1991) qualitatively, with every other process switched off.

March, "Exploration and exploitation in organizational learning" (Organization Science 2(1)): an organizational
code learns from the individuals who know more than it (rate p2) while individuals are socialized to the code
(rate p1). His results: (1) slow socialization ends with better code knowledge than fast socialization,
because it keeps the diversity the code learns from; (2) when socialization is fast, moderate turnover
improves the code, because newcomers bring back diversity.

Here the model's own memory kernel (``simulation.kernels.codify``, the ``memory`` rule's hot loop) is run on a
single school with full participation and depth (codification at its full rate), no catch-up, no induction, no
decay, and nothing else: no talk, learning, trust, engagement, leadership or networking. Turnover replaces each
member with a newcomer from the starting distribution with the given chance each period. Knowledge is a scalar
here (March's beliefs are vectors), so this is qualitative docking, not replication.
"""

from __future__ import annotations

import numpy as np
import pytest

from simulation.kernels import MemoryRates, MemoryState, codify

MEMBERS, PERIODS, SEEDS = 50, 60, 20
CODE_LEARNING = 0.5  # March's p2
SLOW, FAST = 0.02, 0.5  # March's p1


def final_code(socialization: float, turnover: float, seed: int, code_learning: float = CODE_LEARNING) -> float:
    """The code's knowledge after PERIODS periods of the memory submodel alone (and turnover)."""
    rng = np.random.default_rng(seed)
    knowledge = np.clip(rng.normal(0.4, 0.15, MEMBERS), 0, 1)
    openness, tenure = np.full(MEMBERS, 0.5), np.full(MEMBERS, 10.0)
    memory, full = np.zeros(1), np.ones(1)
    rates = MemoryRates(codification=code_learning, decay=0.0, catchup=0.0, catchup_years=0.0,
                        socialization=socialization, induct=False)
    for _ in range(PERIODS):
        codify(MemoryState(knowledge, openness, tenure, memory, full, full), MEMBERS, MEMBERS, rates)
        leaving = rng.random(MEMBERS) < turnover
        knowledge[leaving] = np.clip(rng.normal(0.4, 0.15, leaving.sum()), 0, 1)
    return float(memory[0])


def paired(first: dict, second: dict) -> np.ndarray:
    return np.array([final_code(**first, seed=k) - final_code(**second, seed=k) for k in range(SEEDS)])


def interval(values: np.ndarray) -> tuple[float, float]:
    half = 2.093 * values.std(ddof=1) / np.sqrt(values.size)  # t(0.975, 19)
    return float(values.mean() - half), float(values.mean() + half)


def test_slow_socialization_ends_with_better_code_than_fast():
    low, _ = interval(paired({"socialization": SLOW, "turnover": 0.0}, {"socialization": FAST, "turnover": 0.0}))
    assert low > 0


@pytest.mark.parametrize("turnover", [0.02, 0.05])
def test_moderate_turnover_improves_the_code_when_socialization_is_fast(turnover):
    low, _ = interval(paired({"socialization": FAST, "turnover": turnover}, {"socialization": FAST, "turnover": 0.0}))
    assert low > 0


def test_the_docking_can_fail_without_the_codes_learning_from_its_superior_members():
    """If the code learned from no one (p2 = 0), socialization speed could not matter: the effect is the mechanism's."""
    difference = paired({"socialization": SLOW, "turnover": 0.0, "code_learning": 0.0},
                        {"socialization": FAST, "turnover": 0.0, "code_learning": 0.0})
    assert np.all(difference == 0)
