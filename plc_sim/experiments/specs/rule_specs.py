"""``[rules]`` in a spec: swap a process of the schedule for a student's (or a built-in) function.

``trust = "my_rules:slow_trust"`` replaces the ``trust`` rule by the function ``slow_trust`` of the module
``my_rules``, found beside the spec file first (so a student's ``my_rules.py`` next to her spec just works),
then on Python's path (``simulation.rules:trust`` names the baseline). The function is imported when the
spec is read, so a wrong name fails before anything runs; the SHA-256 of its module's source is part of the
spec's hash and of the result folder's manifest, so results say which code made them and a changed rule is
not mixed into an earlier sweep. Every replaced rule is checked by the model's invariants as it runs, and runs
under the spec's ``user_function_timeout``; any failure is one line naming the rule, the function and the run.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

from plc_sim.experiments.specs.spec_fields import SpecError
from plc_sim.experiments.specs.user_functions import USER_FUNCTION_TIMEOUT, Guard, resolve, spec_folder
from simulation.invariants import RULE_NAMES, RuleError, resolve_rules
from simulation.parameters import suggest

EXAMPLE = "\"my_rules:slow_trust\" for slow_trust in my_rules.py beside the spec"


@dataclass(frozen=True)
class RuleChoice:
    """Rule ``rule`` replaced by ``target`` (``module:function``), importable from ``folder``."""

    rule: str
    target: str
    folder: str
    sha256: str

    @property
    def where(self) -> str:
        return f"rules.{self.rule}"

    def load(self, guard: Guard) -> Callable:
        """The function, imported under ``guard`` and wrapped so that each call goes through it."""
        function = guard.load(self.where, self.target, self.folder)
        guard.call(self.where, self.target, resolve_rules, {self.rule: function})  # its signature, named as ours

        @functools.wraps(function)
        def guarded(model):
            return guard.call(self.where, self.target, function, model)
        return guarded


def parse_rules(table: dict, source: str, recorded: dict | None = None, timeout: float = USER_FUNCTION_TIMEOUT
                ) -> tuple[RuleChoice, ...]:
    """The ``[rules]`` table: rule name -> ``"module:function"``, each imported (within ``timeout`` seconds) and
    hashed now (or as ``recorded`` in a result folder's manifest)."""
    folder = spec_folder(source)
    choices = []
    for rule, target in table.items():
        where = f"rules.{rule}"
        if rule not in RULE_NAMES:
            raise SpecError(f"{where}: {rule!r} is not a rule{suggest(rule, RULE_NAMES)}; replaceable rules are "
                            f"{', '.join(RULE_NAMES)}")
        _, sha256 = resolve(where, target, folder, EXAMPLE, (recorded or {}).get(rule), timeout)
        choices.append(RuleChoice(rule, target, folder, sha256))
    return tuple(choices)


def chosen_rules(choices: tuple[RuleChoice, ...], guard: Guard) -> dict[str, Callable] | None:
    """The replacement functions by rule name, called through ``guard``, for ``PLCModel(rules=...)`` (None when
    there are none)."""
    return {choice.rule: choice.load(guard) for choice in choices} or None


def broken_rule(error: RuleError, guard: Guard) -> Exception:
    """``error``, raised by the model's checks just after a replaced rule returned, as one line naming the rule
    (the user function ``guard`` called last), its function and the run."""
    if guard.last is None:
        return error
    where, target = guard.last
    words = str(error)
    prefix = f"rule {where.partition('.')[2]!r} "
    return guard.failure(where, target, words[len(prefix):] if words.startswith(prefix) else words)


def rules_record(choices: tuple[RuleChoice, ...]) -> dict[str, dict[str, str]]:
    """What a manifest records of the replaced rules: the function and its module's source hash."""
    return {choice.rule: {"function": choice.target, "sha256": choice.sha256} for choice in choices}
