"""Swapping in your own rule, safely.

``PLCModel(rules={"trust": my_trust})`` replaces the baseline ``trust`` rule.
The replacement is checked on entry (it must be a callable taking exactly one
argument, the model) and after every call (the state must stay within its
bounds, free of NaN, the population unchanged, and this month's conversations
consistent). A broken replacement stops the run with a :class:`RuleError`
naming the rule and the invariant it broke.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping

import numpy as np

from simulation import rules as baseline
from simulation.agents import Principal, Teacher
from simulation.parameters import suggest

RULE_NAMES = tuple(rule.__name__ for rule in baseline.SCHEDULE)

# Shares computed with a few multiplications can land one rounding step outside 0..1 without anything being
# wrong; a broken rule misses by far more than this.
_ROUNDING = 1e-9

# Derived per-school shares that rules recompute every month (their shape is one value per school).
_DERIVED_SHARES = ("support", "focus", "leader_engagement", "talk_depth", "participation")


class RuleError(ValueError):
    """A replacement rule that is malformed or broke one of the model's invariants."""


def resolve_rules(replacements: Mapping[str, Callable] | None) -> dict[str, Callable]:
    """Return the schedule's rules by name, with ``replacements`` checked and swapped in."""
    chosen = {rule.__name__: rule for rule in baseline.SCHEDULE}
    if replacements is None:
        return chosen
    if not isinstance(replacements, Mapping):
        raise RuleError(f"rules: expected a dict of rule name -> function, e.g. {{'trust': my_trust}}; "
                        f"got {replacements!r}")
    for name, rule in replacements.items():
        if name not in chosen:
            raise RuleError(f"rules: {name!r} is not a rule{suggest(name, RULE_NAMES)}; "
                            f"replaceable rules are {', '.join(RULE_NAMES)}")
        if not callable(rule):
            raise RuleError(f"rule {name!r}: the replacement must be a function of the model, got {rule!r}")
        _check_signature(name, rule)
        chosen[name] = rule
    return chosen


def _check_signature(name: str, rule: Callable) -> None:
    """Raise RuleError unless ``rule`` can be called with the model as its only argument."""
    try:
        signature = inspect.signature(rule)
    except (TypeError, ValueError):
        return  # some compiled callables hide their signature; the call itself will tell
    try:
        signature.bind(object())
    except TypeError:
        raise RuleError(f"rule {name!r}: the replacement must take exactly one argument, the model, "
                        f"like simulation.rules.{name}(model); it has signature {signature}") from None


def _share_arrays(model) -> dict[str, np.ndarray]:
    """The state that must stay within 0..1, by name."""
    m, s = model.members, model.schools
    return {
        "knowledge": m.knowledge, "engagement": m.engagement, "openness": m.openness, "trust": m.trust,
        "memory": s.memory, "shared_focus": s.shared_focus, "meeting_time": s.meeting_time,
        "workload": s.workload, "distribution": s.distribution, "principal_support": s.principal_support,
        "principal_focus": s.principal_focus, **{name: getattr(s, name) for name in _DERIVED_SHARES},
    }


def check_invariants(model, rule_name: str) -> None:
    """Raise RuleError if the state breaks an invariant after rule ``rule_name``."""
    per_school = (model.p.n_schools,)
    for field, value in _share_arrays(model).items():
        _check_share(rule_name, field, value, model.expected_shapes.get(field, per_school))
    _check_population(model, rule_name)
    _check_meetings(model, rule_name)


def _check_share(rule_name: str, field: str, value, expected_shape: tuple[int, ...]) -> None:
    array = np.asarray(value, dtype=float)
    if array.shape != expected_shape:
        raise RuleError(f"rule {rule_name!r} broke invariant 'population unchanged': {field} has shape "
                        f"{array.shape}, expected {expected_shape}")
    low, high = float(array.min(initial=0.0)), float(array.max(initial=0.0))  # NaN anywhere makes both NaN
    if np.isnan(low) or np.isnan(high):
        raise RuleError(f"rule {rule_name!r} broke invariant 'no NaN': {field} contains NaN "
                        f"({int(np.isnan(array).sum())} of {array.size} values)")
    if low < -_ROUNDING or high > 1.0 + _ROUNDING:
        raise RuleError(f"rule {rule_name!r} broke invariant '{field} within [0, 1]': "
                        f"found values from {low:.3g} to {high:.3g}")


def _check_population(model, rule_name: str) -> None:
    expected_members, expected_principals = model.members.knowledge.size, model.p.n_schools
    # Mesa keeps one set of agents per class; SupportStaff is a kind of Teacher.
    counts = {cls: len(agents) for cls, agents in model.agents_by_type.items()}
    members = sum(n for cls, n in counts.items() if issubclass(cls, Teacher))
    principals = sum(n for cls, n in counts.items() if issubclass(cls, Principal))
    if members != expected_members or principals != expected_principals:
        raise RuleError(f"rule {rule_name!r} broke invariant 'population unchanged': {members} member and "
                        f"{principals} principal agents, expected {expected_members} and {expected_principals}")


def _check_meetings(model, rule_name: str) -> None:
    """This month's conversations pair two members of the same school, with a depth in 0..1."""
    talk, school_of = model.meetings, model.members.school
    a, b, school = (np.asarray(x) for x in (talk.a, talk.b, talk.school))
    broken = ""
    if len({a.size, b.size, school.size, np.size(talk.depth)}) != 1:
        broken = "a, b, school and depth have different lengths"
    elif not all(np.issubdtype(x.dtype, np.integer) for x in (a, b, school)):
        broken = "a, b and school must be whole-number slots and schools"
    elif a.size and (min(a.min(), b.min()) < 0 or max(a.max(), b.max()) >= school_of.size):
        broken = "a member slot is out of range"
    elif np.any(school_of[a] != school) or np.any(school_of[b] != school):
        broken = "a conversation crosses schools"
    if broken:
        raise RuleError(f"rule {rule_name!r} broke invariant 'conversations within a school': {broken}")
    _check_share(rule_name, "meetings.depth", talk.depth, (a.size,))
