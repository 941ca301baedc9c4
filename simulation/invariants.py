"""Swapping in your own rule, safely.

``PLCModel(rules={"trust": my_trust})`` replaces the baseline ``trust`` rule.
The replacement is checked on entry (it must be a callable taking exactly one
argument, the model) and after every call (the state must stay within its
bounds, free of NaN, and the population unchanged). A broken replacement stops
the run with a :class:`RuleError` naming the rule and the invariant it broke.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping

import numpy as np

from simulation import rules as baseline
from simulation.agents import Teacher

RULE_NAMES = tuple(rule.__name__ for rule in baseline.SCHEDULE)


class RuleError(ValueError):
    """A replacement rule that is malformed or broke one of the model's invariants."""


def resolve_rules(replacements: Mapping[str, Callable] | None) -> dict[str, Callable]:
    """Return the schedule's rules by name, with ``replacements`` checked and swapped in."""
    chosen = {rule.__name__: rule for rule in baseline.SCHEDULE}
    for name, rule in (replacements or {}).items():
        if name not in chosen:
            raise RuleError(f"rules: {name!r} is not a rule; replaceable rules are {', '.join(RULE_NAMES)}")
        if not callable(rule):
            raise RuleError(f"rule {name!r}: the replacement must be a function of the model, got {rule!r}")
        try:
            inspect.signature(rule).bind(object())
        except TypeError:
            raise RuleError(f"rule {name!r}: the replacement must take exactly one argument, the model, "
                            f"like simulation.rules.{name}(model); it has signature "
                            f"{inspect.signature(rule)}") from None
        chosen[name] = rule
    return chosen


def _share_arrays(model) -> dict[str, np.ndarray]:
    m, s = model.members, model.schools
    return {
        "knowledge": m.knowledge, "engagement": m.engagement, "openness": m.openness, "trust": m.trust,
        "memory": s.memory, "shared_focus": s.shared_focus, "meeting_time": s.meeting_time,
        "workload": s.workload, "distribution": s.distribution, "principal_support": s.principal_support,
        "principal_focus": s.principal_focus,
    }


def check_invariants(model, rule_name: str) -> None:
    """Raise RuleError if the state breaks an invariant after rule ``rule_name``."""
    for field, array in _share_arrays(model).items():
        if array.shape != model.expected_shapes[field]:
            raise RuleError(f"rule {rule_name!r} broke invariant 'population unchanged': {field} has shape "
                            f"{array.shape}, expected {model.expected_shapes[field]}")
        if np.isnan(array).any():
            raise RuleError(f"rule {rule_name!r} broke invariant 'no NaN': {field} contains NaN")
        low, high = float(array.min(initial=0.0)), float(array.max(initial=0.0))
        if low < 0.0 or high > 1.0:
            raise RuleError(f"rule {rule_name!r} broke invariant '{field} within [0, 1]': "
                            f"found values from {low:.3g} to {high:.3g}")
    expected = model.members.knowledge.size
    present = sum(1 for agent in model.agents if isinstance(agent, Teacher))
    if present != expected:
        raise RuleError(f"rule {rule_name!r} broke invariant 'population unchanged': "
                        f"{present} member agents, expected {expected}")
