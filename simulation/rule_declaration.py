"""The declaration of a rule: what it reads and writes, its ODD subsection, and the words the docs show for it.

Each rule (and each piece a rule calls) is declared once, beside its code, with :func:`declare_rule`. Its ODD
section number is not written anywhere by hand: it is the rule's place in :data:`simulation.rules.SCHEDULE`
(part 7 of ``docs/ODD.md``; a piece has the number of the rule it is part of), and :func:`document` appends the
numbered clause (``ODD 7.N. Reads: ... State read: ... State written: ...``) to each docstring when the schedule
is built. ``docs/generate_rules.py`` writes the tables of ``docs/rules.md`` and the numbered headings of
``docs/ODD.md`` from the same declarations, so adding a rule renumbers nothing by hand.
"""

from __future__ import annotations

import inspect
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass

ODD_PART = 7
"""The ODD part that describes the rules, one subsection per scheduled rule (7.1, 7.2, ...)."""


@dataclass(frozen=True)
class RuleDeclaration:
    """One rule or piece: its function, the parameters it reads, the state it reads and writes, and its words.

    ``title``: the ODD subsection's title (scheduled rules). ``models``: what it models, with the seed idea (one
    or two sentences, for the tables of ``docs/rules.md``). ``exercise``: a suggested exercise (scheduled rules).
    ``part_of``: for a piece, the scheduled rule whose subsection describes it; ``called_by``: who calls it.
    ``kernel``: the compiled kernel of :mod:`simulation.kernels` that does its hot loop, if any (by default the
    default of the rule's ``kernel`` argument).
    """

    function: Callable
    reads: tuple[str, ...]
    models: str
    title: str = ""
    state_read: str = ""
    state_written: str = ""
    exercise: str = ""
    part_of: str = ""
    called_by: str = ""
    kernel: Callable | None = None

    @property
    def name(self) -> str:
        return self.function.__name__

    @property
    def section_rule(self) -> str:
        """The scheduled rule whose ODD subsection describes this one (itself for a scheduled rule)."""
        return self.part_of or self.name


DECLARED: dict[str, RuleDeclaration] = {}
"""Every declared rule and piece by name, in the order they were declared."""


def declare_rule(*, reads: Sequence[str] = (), **words) -> Callable[[Callable], Callable]:
    """Declare the decorated function as a rule or piece (the fields of :class:`RuleDeclaration`)."""
    def register(function: Callable) -> Callable:
        parameters = inspect.signature(function).parameters
        if "kernel" in parameters and "kernel" not in words:  # a rule's kernel is its ``kernel`` argument's default
            words["kernel"] = parameters["kernel"].default
        declaration = RuleDeclaration(function=function, reads=tuple(reads), **words)
        DECLARED[declaration.name] = declaration
        function.declaration = declaration
        return function
    return register


def section_numbers(schedule: Sequence[Callable]) -> dict[str, str]:
    """The ODD subsection number ('7.N') of every declared rule and piece under ``schedule``."""
    own = {rule.__name__: f"{ODD_PART}.{number}" for number, rule in enumerate(schedule, start=1)}
    return {name: own[declaration.section_rule] for name, declaration in DECLARED.items()
            if declaration.section_rule in own}


def generated_clause(declaration: RuleDeclaration, section: str) -> str:
    """The docstring's generated paragraph: ODD section, parameters read, state read and written."""
    where = f"ODD {section}" + (f" (part of the {declaration.part_of} rule)" if declaration.part_of else "")
    lines = [f"{where}. Reads: {', '.join(declaration.reads) or 'no parameter of its own'}."]
    if declaration.state_read:
        lines.append(f"State read: {declaration.state_read}.")
    if declaration.state_written:
        lines.append(f"State written: {declaration.state_written}.")
    return "\n".join(textwrap.fill(line, width=116) for line in lines)


def document(schedule: Sequence[Callable]) -> None:
    """Append each declared function's generated clause to its docstring (once)."""
    for name, section in section_numbers(schedule).items():
        declaration = DECLARED[name]
        function = declaration.function
        if getattr(function, "documented_as", None) == section:
            continue
        base = getattr(function, "undocumented_doc", None) or inspect.cleandoc(function.__doc__ or "")
        function.undocumented_doc = base
        function.__doc__ = f"{base}\n\n{generated_clause(declaration, section)}\n"
        function.documented_as = section
