"""``[rules]`` in a spec: swap a process of the schedule for a student's (or a built-in) function.

``trust = "my_rules:slow_trust"`` replaces the ``trust`` rule by the function ``slow_trust`` of the module
``my_rules``, found beside the spec file first (so a student's ``my_rules.py`` next to her spec just works),
then on Python's path (``simulation.rules:trust`` names the baseline). The function is imported when the
spec is read, so a wrong name fails before anything runs; the SHA-256 of its module's source is part of the
spec's hash and of the result folder's manifest, so results say which code made them and a changed rule is
not mixed into an earlier sweep. Every replaced rule is checked by the model's invariants as it runs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from plc_sim.experiments.spec_fields import SpecError
from plc_sim.experiments.user_functions import import_function, resolve, spec_folder
from simulation.invariants import RULE_NAMES
from simulation.parameters import suggest

EXAMPLE = "\"my_rules:slow_trust\" for slow_trust in my_rules.py beside the spec"


@dataclass(frozen=True)
class RuleChoice:
    """Rule ``rule`` replaced by ``target`` (``module:function``), importable from ``folder``."""

    rule: str
    target: str
    folder: str
    sha256: str

    def load(self) -> Callable:
        """The function, imported (with ``folder`` on Python's path)."""
        return import_function(self.target, self.folder)


def parse_rules(table: dict, source: str, recorded: dict | None = None) -> tuple[RuleChoice, ...]:
    """The ``[rules]`` table: rule name -> ``"module:function"``, each imported and hashed now (or as
    ``recorded`` in a result folder's manifest)."""
    folder = spec_folder(source)
    choices = []
    for rule, target in table.items():
        where = f"rules.{rule}"
        if rule not in RULE_NAMES:
            raise SpecError(f"{where}: {rule!r} is not a rule{suggest(rule, RULE_NAMES)}; replaceable rules are "
                            f"{', '.join(RULE_NAMES)}")
        _, sha256 = resolve(where, target, folder, EXAMPLE, (recorded or {}).get(rule))
        choices.append(RuleChoice(rule, target, folder, sha256))
    return tuple(choices)


def chosen_rules(choices: tuple[RuleChoice, ...]) -> dict[str, Callable] | None:
    """The replacement functions by rule name, for ``PLCModel(rules=...)`` (None when there are none)."""
    return {choice.rule: choice.load() for choice in choices} or None


def rules_record(choices: tuple[RuleChoice, ...]) -> dict[str, dict[str, str]]:
    """What a manifest records of the replaced rules: the function and its module's source hash."""
    return {choice.rule: {"function": choice.target, "sha256": choice.sha256} for choice in choices}
