"""Write the rule documentation from the rule declarations, and check it: one source for every rule's words.

    .venv/bin/python docs/generate_rules.py            # rewrite the generated parts of docs/rules.md and docs/ODD.md
    .venv/bin/python docs/generate_rules.py --check    # exit 1 naming what is out of date or undeclared

Each rule and each piece a rule calls is declared once beside its code (``@declare_rule`` in
``simulation/rules.py``, ``turnover.py``, ``shocks.py``: the parameters it reads, the state it reads and writes,
its ODD subsection title, what it models and an exercise). From those declarations and ``rules.SCHEDULE`` this
script writes, between markers, ``docs/rules.md``'s two tables and ``docs/ODD.md``'s schedule (part 3) and its
parameter table; it numbers part 7's rule headings by their place in the schedule (a scheduled rule with no
subsection yet gets one, holding its docstring, after the rule before it). Elsewhere the docs refer to a rule by
name ("the trust rule"), so adding a rule renumbers nothing by hand.

``--check`` also holds the declarations to the code: every public function of the rule modules is declared,
names only declared parameters, and names every parameter its body reads (``p.NAME``).
"""

from __future__ import annotations

import ast
import contextlib
import inspect
import io
import re
import sys
import textwrap
from pathlib import Path

import numpy as np

from simulation import kernels, rules, shocks, turnover
from simulation.parameters import PARAMETERS, PARAMS_BY_NAME, make_params
from simulation.rule_declaration import DECLARED, section_numbers
from simulation.state import build_members

ROOT = Path(__file__).resolve().parent.parent
RULES_MD, ODD_MD = ROOT / "docs" / "rules.md", ROOT / "docs" / "ODD.md"
RULE_MODULES = (rules, turnover, shocks)
"""Where the rules and the pieces they call live (the schedule is in rules; turnover and shocks beside it)."""

SHAPE_PARAMETERS = {p.name for p in PARAMETERS if p.group == "structure" and p.kind is not float}
"""Sizes of the state (schools, teachers, staff): every rule reads them to shape its arrays; none declares them."""

HEADING = re.compile(r"^#### 7\.[1-9]\d* (\w+)\b.*$", re.M)  # 7.0 (interventions) is not a rule
PART_7_END = re.compile(r"^(---|## |### )", re.M)


def block(name: str) -> re.Pattern:
    """The generated block ``name`` between its markers (the markers kept)."""
    return re.compile(rf"(<!-- {name}: begin[^>]*-->\n).*?(<!-- {name}: end -->)", re.S)


def _codes(names) -> str:
    return ", ".join(f"`{name}`" for name in names) or "none of its own"


def _kernel(declaration) -> str:
    """The kernel's public name in simulation.kernels (``converse`` is compiled from ``_converse``)."""
    if declaration.kernel is None:
        return "none (numpy)"
    return next(f"`kernels.{name}`" for name, value in vars(kernels).items() if value is declaration.kernel)


def rules_table() -> str:
    """docs/rules.md's table of the scheduled rules, in schedule order."""
    sections = section_numbers(rules.SCHEDULE)
    rows = ["| Rule | ODD | Parameters it reads | Kernel | What it models (seed idea) | Suggested exercise |",
            "|---|---|---|---|---|---|"]
    for rule in rules.SCHEDULE:
        d = DECLARED[rule.__name__]
        rows.append(f"| `{d.name}` | {sections[d.name]} | {_codes(d.reads)} | {_kernel(d)} | {d.models} "
                    f"| {d.exercise} |")
    return "\n".join(rows) + "\n"


def pieces_table() -> str:
    """docs/rules.md's table of the pieces the rules call, by the schedule order of their rules."""
    sections = section_numbers(rules.SCHEDULE)
    order = [rule.__name__ for rule in rules.SCHEDULE]
    pieces = sorted((d for d in DECLARED.values() if d.part_of), key=lambda d: order.index(d.part_of))
    rows = ["| Function | ODD | Parameters it reads | Called by | What it does (seed idea) |", "|---|---|---|---|---|"]
    rows += [f"| `{d.name}` | {sections[d.name]} | {_codes(d.reads)} | {d.called_by} | {d.models} |" for d in pieces]
    return "\n".join(rows) + "\n"


def summary(function) -> str:
    """The first line of a rule's docstring."""
    return inspect.getdoc(function).splitlines()[0]


def schedule_list() -> str:
    """ODD part 3's numbered list of the processes, in schedule order."""
    sections = section_numbers(rules.SCHEDULE)
    items = [textwrap.fill(f"{number}. `{rule.__name__}` ({sections[rule.__name__]}): {summary(rule)}", width=116,
                           subsequent_indent="   ")
             for number, rule in enumerate(rules.SCHEDULE, start=1)]
    return "\n".join(items) + "\n"


def heading(rule) -> str:
    d = DECLARED[rule.__name__]
    module = rule.__module__.rsplit(".", 1)[-1]
    title = f": {d.title}" if d.title else ""
    return f"#### {section_numbers(rules.SCHEDULE)[d.name]} {d.name}{title} (`{module}.{d.name}`)"


def new_section(rule) -> str:
    """The body of a scheduled rule's subsection that the ODD does not have yet: its docstring and declaration."""
    d = DECLARED[rule.__name__]
    lines = [rule.undocumented_doc, "", f"Parameters: {_codes(d.reads)}."]
    lines += [f"{label}: {text}." for label, text in (("State read", d.state_read), ("State written", d.state_written))
              if text]
    return "\n" + "\n".join(lines) + "\n\n"


def numbered_part_7(odd: str) -> str:
    """``odd`` with part 7's rule subsections in schedule order under generated headings; new rules get one."""
    first = HEADING.search(odd)
    if first is None:
        raise SystemExit("docs/ODD.md has no rule subsection '#### 7.N name' in part 7")
    end = PART_7_END.search(odd, first.start())
    end = end.start() if end else len(odd)
    region = odd[first.start():end]
    starts = [match.start() for match in HEADING.finditer(region)] + [len(region)]
    bodies = {}
    for start, stop in zip(starts, starts[1:], strict=False):
        chunk = region[start:stop]
        name = HEADING.match(chunk).group(1)
        bodies[name] = chunk.split("\n", 1)[1] if "\n" in chunk else "\n"
    scheduled = [rule.__name__ for rule in rules.SCHEDULE]
    unknown = sorted(set(bodies) - set(scheduled))
    if unknown:
        raise SystemExit(f"docs/ODD.md part 7 describes {unknown}, which are not in rules.SCHEDULE")
    parts = []
    for rule in rules.SCHEDULE:
        body = bodies.get(rule.__name__) or new_section(rule)
        parts.append(heading(rule) + "\n" + body)
    return odd[:first.start()] + "".join(parts) + odd[end:]


TEAMS_EXAMPLE = {"n_schools": 2, "school_type": "mixed", "teachers_per_school": 6, "support_staff": 2,
                 "grade_teams": 3, "departments": 2, "include_support_staff": True}
"""A primary school (school 0) and a secondary school (school 1), small enough to draw every pair."""


def teams_picture() -> str:
    """``members.same_team`` and ``members.same_group`` of a small primary and secondary school, drawn from the
    model's own arrays ('#': true)."""
    p = make_params(TEAMS_EXAMPLE)
    members = build_members(p, np.random.default_rng(0), np.arange(p.n_schools) % 2 == 1)
    names = [f"T{i + 1}" for i in range(p.teachers_per_school)] + [f"S{i + 1}" for i in range(p.support_staff)]
    header = "    " + "".join(f"{name:>3}" for name in names)
    lines = ["```text"]
    for school, kind, groups in ((0, "Primary school", f"{p.grade_teams} grade teams"),
                                 (1, "Secondary school", f"{p.departments} departments")):
        lines += [f"{kind}: teachers T1-T{p.teachers_per_school} in {groups}, support staff S1-S{p.support_staff} "
                  "(included)", "", f"{'same_team: who meets as a team':<{len(header) + 4}}"
                  "same_group: own conversation group", f"{header}    {header}"]
        for i, name in enumerate(names):
            team = "".join(f"{'#' if cell else '.':>3}" for cell in members.same_team[school, i])
            group = "".join(f"{'#' if cell else '.':>3}" for cell in members.same_group[school, i])
            lines.append(f"{name:<4}{team}    {name:<4}{group}")
        lines.append("")
    return "\n".join(lines[:-1] + ["```"]) + "\n"


def parameter_table() -> str:
    """The output of ``plc-sim params --markdown``: every declared parameter."""
    from plc_sim.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        main(["params", "--markdown"])
    return out.getvalue()


def _fill(text: str, name: str, content: str, path: Path) -> str:
    pattern = block(name)
    if not pattern.search(text):
        raise SystemExit(f"{path.relative_to(ROOT)} has lost its '{name}' markers")
    return pattern.sub(lambda m: m.group(1) + content + m.group(2), text)


def generated() -> dict[Path, str]:
    """The text docs/rules.md and docs/ODD.md should have."""
    rules_md = RULES_MD.read_text(encoding="utf-8")
    rules_md = _fill(rules_md, "rules table", rules_table(), RULES_MD)
    rules_md = _fill(rules_md, "pieces table", pieces_table(), RULES_MD)
    rules_md = _fill(rules_md, "teams picture", teams_picture(), RULES_MD)
    odd = ODD_MD.read_text(encoding="utf-8")
    odd = _fill(odd, "schedule", schedule_list(), ODD_MD)
    odd = _fill(odd, "parameter table", parameter_table(), ODD_MD)
    return {RULES_MD: rules_md, ODD_MD: numbered_part_7(odd)}


# --- the declarations against the code --------------------------------------------------------------------------

def public_functions() -> dict:
    """Every public function of the rule modules, by name."""
    return {name: f for module in RULE_MODULES for name, f in inspect.getmembers(module, inspect.isfunction)
            if f.__module__ == module.__name__ and not name.startswith("_")}


def parameters_read_by(function) -> set[str]:
    """Parameters that ``function``'s own body reads as ``p.NAME`` or ``model.p.NAME`` (sizes left out), and the
    private functions of its module that it calls by name (a rule's rates, built once per parameter set)."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    names = set()
    module = inspect.getmodule(function)
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id.startswith("_")
                and inspect.isfunction(helper := getattr(module, node.func.id, None))):
            names |= parameters_read_by(inspect.unwrap(helper))
        if isinstance(node, ast.Attribute) and node.attr in PARAMS_BY_NAME:
            owner = node.value
            if (isinstance(owner, ast.Name) and owner.id == "p") or (isinstance(owner, ast.Attribute)
                                                                      and owner.attr == "p"):
                names.add(node.attr)
    return names - SHAPE_PARAMETERS


def declaration_problems() -> list[str]:
    """Where a declaration and its code disagree, one line each."""
    problems = []
    for name, function in public_functions().items():
        declaration = getattr(function, "declaration", None)
        if declaration is None:
            problems.append(f"{function.__module__}.{name} has no @declare_rule declaration")
            continue
        undeclared = [item for item in declaration.reads if item not in PARAMS_BY_NAME]
        if undeclared:
            problems.append(f"{function.__module__}.{name} declares reads {undeclared}, which are not parameters")
        missing = parameters_read_by(function) - set(declaration.reads)
        if missing:
            problems.append(f"{function.__module__}.{name} reads {sorted(missing)} but its declaration does not "
                            "name them")
        if declaration.part_of and declaration.part_of not in {rule.__name__ for rule in rules.SCHEDULE}:
            problems.append(f"{function.__module__}.{name} is part of {declaration.part_of!r}, not a scheduled rule")
    for rule in rules.SCHEDULE:
        if getattr(rule, "declaration", None) is None:
            problems.append(f"scheduled rule {rule.__name__} has no @declare_rule declaration")
    return problems


def check() -> list[str]:
    """Everything out of date or undeclared, one line each (empty: all in step)."""
    problems = declaration_problems()
    if problems:
        return problems
    for path, text in generated().items():
        if path.read_text(encoding="utf-8") != text:
            problems.append(f"{path.relative_to(ROOT)} is out of date: run .venv/bin/python docs/generate_rules.py")
    return problems


def main(argv: list[str]) -> int:
    if argv == ["--check"]:
        problems = check()
        print("\n".join(problems) or "rule documentation in step with the declarations")
        return 1 if problems else 0
    if argv:
        print("usage: generate_rules.py [--check]", file=sys.stderr)
        return 2
    problems = declaration_problems()
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 1
    for path, text in generated().items():
        if path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
