"""Swapping in your own rule, safely.

``PLCModel(rules={"trust": my_trust})`` replaces the baseline ``trust`` rule.
The replacement is checked on entry (it must be a callable taking exactly one
argument, the model) and after every call: it returns nothing (rules write in
place), draws no global random numbers (``np.random``, ``random``), and leaves
every state array a numpy array of its shape and type, free of NaN, with shares
within 0..1, the population unchanged and this month's conversations
consistent. A broken replacement stops the run with a :class:`RuleError`
naming the rule, the invariant it broke and how to fix it.
"""

from __future__ import annotations

import dataclasses
import inspect
import random
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
_DERIVED_SHARES = ("support", "focus", "leader_engagement", "talk_depth", "whole_school_depth", "reach",
                   "participation", "principal_standing", "cross_contact")


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


def state_shapes(model) -> dict[str, tuple[tuple[int, ...], str]]:
    """Shape and dtype kind of every state array (``members.NAME``, ``schools.NAME``), as the model built them."""
    return {name: (array.shape, array.dtype.kind) for name, array in _state_arrays(model).items()}


def _state_arrays(model) -> dict:
    """Every field of ``model.members`` and ``model.schools`` by its dotted name (whatever a rule put there)."""
    return {f"{owner}.{field.name}": getattr(state, field.name)
            for owner, state in (("members", model.members), ("schools", model.schools))
            for field in dataclasses.fields(state)}


def _shares(model) -> dict[str, np.ndarray]:
    """The state that must stay within 0..1, by name."""
    m, s = model.members, model.schools
    return {
        "knowledge": m.knowledge, "engagement": m.engagement, "openness": m.openness, "trust": m.trust,
        "memory": s.memory, "shared_focus": s.shared_focus, "meeting_time": s.meeting_time,
        "workload": s.workload, "distribution": s.distribution, "principal_support": s.principal_support,
        "principal_focus": s.principal_focus, **{name: getattr(s, name) for name in _DERIVED_SHARES},
    }


def call_checked(model, rule_name: str, rule: Callable) -> None:
    """Call a replaced rule and check what it did: no return value, no global random numbers, every invariant."""
    numpy_before, python_before = np.random.get_state(), random.getstate()
    result = rule(model)
    if result is not None:
        raise RuleError(f"rule {rule_name!r} returned a {type(result).__name__}, which the model ignores; a rule "
                        "changes the model's arrays in place and returns nothing: write into them "
                        "(model.members.trust[...] = new, np.clip(a, 0, 1, out=a)) instead of returning them")
    numpy_after = np.random.get_state()
    if (numpy_after[2] != numpy_before[2] or not np.array_equal(numpy_after[1], numpy_before[1])
            or random.getstate() != python_before):
        raise RuleError(f"rule {rule_name!r} drew from the global random numbers (np.random or random), so the same "
                        "seed no longer gives the same run; draw from the model's generator instead: "
                        "model.rng.random(n), model.rng.normal(mean, sd, n), model.rng.integers(low, high, n)")
    check_invariants(model, rule_name)


def check_invariants(model, rule_name: str) -> None:
    """Raise RuleError if the state breaks an invariant after rule ``rule_name``."""
    for name, value in _state_arrays(model).items():
        _check_array(rule_name, name, value, *model.expected_shapes[name])
    for field, value in _shares(model).items():
        _check_range(rule_name, field, value)
    _check_population(model, rule_name)
    _check_meetings(model, rule_name)


def _check_array(rule_name: str, name: str, value, shape: tuple[int, ...], kind: str) -> None:
    """A state field is still a numpy array of its shape and kind, free of NaN."""
    if not isinstance(value, np.ndarray):
        raise RuleError(f"rule {rule_name!r} broke invariant 'state stays numpy arrays': {name} is a "
                        f"{type(value).__name__}; write into the array in place ({name}[...] = values) or convert "
                        "with np.asarray(values, dtype=float)")
    if value.shape != shape:
        raise RuleError(f"rule {rule_name!r} broke invariant 'shape unchanged': {name} has shape {value.shape}, "
                        f"expected {shape}; write into the array in place ({name}[...] = ...) instead of replacing "
                        "it with one of another shape (members are replaced, never added or removed)")
    if value.dtype.kind in "fc" and np.isnan(value).any():
        raise RuleError(f"rule {rule_name!r} broke invariant 'no NaN': {name} contains NaN "
                        f"({int(np.isnan(value).sum())} of {value.size} values); look for 0/0 or a mean of nothing, "
                        "e.g. guard a division with np.divide(a, b, out=np.zeros_like(a), where=b > 0)")
    if value.dtype.kind != kind and not (kind in "iu" and value.dtype.kind in "iu"):
        raise RuleError(f"rule {rule_name!r} broke invariant 'types unchanged': {name} has dtype {value.dtype}, "
                        f"expected {_KINDS.get(kind, kind)}; write values into the existing array in place")


_KINDS = {"b": "bool", "i": "integers", "u": "integers", "f": "floats"}


def _check_range(rule_name: str, field: str, value) -> None:
    array = np.asarray(value, dtype=float)
    low, high = float(array.min(initial=0.0)), float(array.max(initial=0.0))
    if low < -_ROUNDING or high > 1.0 + _ROUNDING:
        raise RuleError(f"rule {rule_name!r} broke invariant '{field} within [0, 1]': "
                        f"found values from {low:.3g} to {high:.3g}; clip with np.clip(a, 0, 1, out=a)")


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
    depth = np.asarray(talk.depth, dtype=float)
    if np.isnan(depth).any():
        raise RuleError(f"rule {rule_name!r} broke invariant 'no NaN': meetings.depth contains NaN")
    _check_range(rule_name, "meetings.depth", depth)
