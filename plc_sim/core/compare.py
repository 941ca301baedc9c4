"""Compare a change to the model with the baseline on the same seeds: the paired interval students and docs use.

:func:`compare_with_baseline` runs the baseline and the changed model once per seed (seed ``k`` builds the same
schools, people and network in both, so the differences come from the change), takes one measure from each run
and gives the mean of each arm and of the seed-by-seed difference with t-intervals from :mod:`plc_sim.core.stats`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from plc_sim.core.stats import CONFIDENCE, mean_ci
from simulation import PLCModel, network_frame
from simulation.invariants import RULE_NAMES
from simulation.parameters import PARAMS_BY_NAME


@dataclass(frozen=True)
class Comparison:
    """The baseline and the changed model on the same seeds: one value per seed each, and their intervals."""

    measure: str
    seeds: tuple[int, ...]
    baseline: np.ndarray
    changed: np.ndarray
    confidence: float = CONFIDENCE

    @property
    def difference(self) -> tuple[float, float, float]:
        """Mean and t-interval of the paired difference, changed minus baseline, seed by seed."""
        return mean_ci(self.changed - self.baseline, self.confidence)

    def __str__(self) -> str:
        level = f"{self.confidence:.0%}"
        rows = (("baseline", mean_ci(self.baseline, self.confidence)),
                ("changed", mean_ci(self.changed, self.confidence)), ("paired difference", self.difference))
        return "\n".join([f"{self.measure}, {len(self.seeds)} seeds, mean [{level} interval]:"]
                         + [f"  {label:<18} {mean:.4f} [{low:.4f}, {high:.4f}]" for label, (mean, low, high) in rows])


def split_change(change: Mapping[str, Any]) -> tuple[dict[str, Callable], dict[str, Any]]:
    """``change`` as (rule replacements, parameter overrides): its keys are rule names or parameter names."""
    unknown = sorted(set(change) - set(RULE_NAMES) - set(PARAMS_BY_NAME))
    if unknown:
        raise ValueError(f"compare_with_baseline: {unknown[0]!r} is neither a rule ({', '.join(RULE_NAMES)}) nor a "
                         "parameter (plc-sim params)")
    rules = {name: value for name, value in change.items() if name in RULE_NAMES}
    return rules, {name: value for name, value in change.items() if name not in rules}


def compare_with_baseline(change: Mapping[str, Any], seeds: Iterable[int] = range(10), *,
                          measure: str | Callable[[PLCModel], float] = "health", ticks: int = 240,
                          window: int = 10, **settings) -> Comparison:
    """Run the baseline and the model with ``change`` on the same ``seeds``; compare ``measure`` seed by seed.

    ``change``: rule replacements by rule name (``{"trust": my_trust}``, as ``PLCModel(rules=...)``), parameter
    overrides by parameter name (``{"trust_decay_rate": 0.0}``), or both. ``measure``: a column of
    ``network_frame`` (``"trust"``, ``"health"``, ...), averaged over the last ``window`` ticks of ``ticks`` (a
    school year's mean by default: steadier than one month's value), or a function of the finished model.
    ``settings`` (a preset, sizes, parameters) apply to both arms.
    """
    rules, overrides = split_change(change)
    seeds = tuple(int(seed) for seed in seeds)
    if len(seeds) < 2:
        raise ValueError("compare_with_baseline: seeds must hold at least two seeds for an interval")

    def value(seed: int, changed: bool) -> float:
        model = PLCModel(rng=seed, rules=rules if changed else None, **{**settings, **(overrides if changed else {})})
        for _ in range(ticks):
            model.step()
        if callable(measure):
            return float(measure(model))
        return float(network_frame(model)[measure].iloc[-window:].mean())

    name = measure if isinstance(measure, str) else getattr(measure, "__name__", "measure")
    return Comparison(name, seeds, np.array([value(seed, False) for seed in seeds]),
                      np.array([value(seed, True) for seed in seeds]))
