"""The rule documentation comes from the rule declarations: it is up to date, and adding a rule renumbers it.

``docs/generate_rules.py`` writes docs/rules.md's tables and docs/ODD.md's schedule, numbered rule headings and
parameter table from ``@declare_rule`` and ``rules.SCHEDULE``; ``simulation.rule_declaration.document`` numbers
the docstrings. The last test adds a rule to a copy of the package, as a student would (the rule, its kernel, its
parameter), runs the generator and then the doc checks of the suite against the copy.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from simulation import rules

ROOT = Path(__file__).resolve().parents[1]


def _generator():
    spec = importlib.util.spec_from_file_location("generate_rules", ROOT / "docs" / "generate_rules.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_rule_docs_are_up_to_date_and_declarations_match_the_code():
    """Regenerate with `.venv/bin/python docs/generate_rules.py` after changing a rule's declaration."""
    assert _generator().check() == []


def test_a_declaration_that_misses_a_parameter_the_code_reads_is_named(monkeypatch):
    generator = _generator()
    declaration = rules.trust.declaration
    monkeypatch.setattr(rules.trust, "declaration", dataclasses.replace(declaration, reads=declaration.reads[:-1]))
    assert generator.declaration_problems() == [
        f"simulation.rules.trust reads ['{declaration.reads[-1]}'] but its declaration does not name them"]


def test_numbers_are_generated_not_written():
    """No source or doc outside the generated parts spells a rule's ODD number: they refer to rules by name."""
    spelled = re.compile(r"ODD 7\.[1-9]|\(7\.[1-9]\)|\bas in 7\.[1-9]")
    texts = [*ROOT.glob("simulation/*.py"), *ROOT.glob("plc_sim/**/*.py"), *ROOT.glob("tests/*.py"),
             *ROOT.glob("docs/*.md"), *ROOT.glob("experiments/*.md"), *ROOT.glob("notebooks/*.ipynb")]
    found = [f"{path.relative_to(ROOT)}: {match.group(0)}" for path in texts if path.name != Path(__file__).name
             for match in spelled.finditer(path.read_text(encoding="utf-8"))
             if not _generated_line(path, match)]
    assert not found, found


def _generated_line(path: Path, match: re.Match) -> bool:
    text = match.string
    line = text[text.rfind("\n", 0, match.start()) + 1:text.find("\n", match.end())]
    return path.name == "ODD.md" and (line.startswith("#### ") or re.match(r"\d+\. `\w+` \(7\.\d+\)", line))


# --- adding a rule touches the rule, its kernel and its parameters, and nothing else by hand ----------------------

KERNEL = '''

@njit(cache=True)
def spread_word(talk, engagement, rate):
    """Each conversation moves its partners' engagement ``rate`` of the way toward each other's."""
    for c in range(talk.a.size):
        i, j = talk.a[c], talk.b[c]
        gap = engagement[j] - engagement[i]
        engagement[i] += rate * gap
        engagement[j] -= rate * gap
'''

RULE = '''

@declare_rule(
    title="colleagues' moods spread in conversation",
    kernel=kernels.spread_word,
    reads=("gossip_rate",),
    state_read="model.meetings", state_written="members.engagement",
    models="In each conversation the partners' engagement moves toward each other's (emotional contagion).",
    exercise="Let only deep talk spread engagement.")
def gossip(model) -> None:
    """Engagement spreads in conversation: partners close ``gossip_rate`` of their gap (Barsade 2002)."""
    kernels.spread_word(Talk.of(model.meetings), model.members.engagement, model.p.gossip_rate)


# --- turnover'''

PARAMETER = '''    _p("gossip_rate", float, 0.0, "Share of the engagement gap two colleagues close in a conversation",
       "engagement", unit="per conversation", low=0.0, high=0.5),
)
'''


def _add_a_rule(copy: Path) -> list[Path]:
    """Edit the copy as a student adds a rule: the kernel, the rule (declared, in the schedule), its parameter."""
    kernels, rules_py, parameters = (copy / "simulation" / name for name in ("kernels.py", "rules.py", "parameters.py"))
    kernels.write_text(kernels.read_text(encoding="utf-8") + KERNEL, encoding="utf-8")
    text = rules_py.read_text(encoding="utf-8").replace("\n\n# --- turnover", RULE, 1)
    rules_py.write_text(text.replace("trust, engagement, memory", "trust, gossip, engagement, memory", 1),
                        encoding="utf-8")
    text = parameters.read_text(encoding="utf-8")
    end = text.index("\n)\n", text.index("PARAMETERS: tuple[Param, ...] = ("))
    parameters.write_text(text[:end + 1] + PARAMETER + text[end + 3:], encoding="utf-8")
    return [kernels, rules_py, parameters]


def _run(copy: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(copy), "NUMBA_CACHE_DIR": str(copy / "numba-cache")}
    return subprocess.run([sys.executable, *args], cwd=copy, env=env, capture_output=True, text=True, timeout=300)


def test_adding_a_rule_touches_only_the_rule_its_kernel_and_its_parameter(tmp_path):
    copy = tmp_path / "repo"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for folder in ("simulation", "docs", "tests"):
        shutil.copytree(ROOT / folder, copy / folder, ignore=ignore)
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    before = {path: path.read_bytes() for path in copy.rglob("*") if path.is_file()}
    edited = _add_a_rule(copy)

    stale = _run(copy, "docs/generate_rules.py", "--check")
    assert stale.returncode == 1 and "docs/rules.md is out of date" in stale.stdout, stale.stdout + stale.stderr
    written = _run(copy, "docs/generate_rules.py")
    assert written.returncode == 0, written.stderr

    changed = sorted(path.relative_to(copy).as_posix() for path in copy.rglob("*")
                     if path.is_file() and "numba-cache" not in path.parts and path.read_bytes() != before.get(path))
    assert changed == sorted([*(p.relative_to(copy).as_posix() for p in edited), "docs/ODD.md", "docs/rules.md"])
    odd = (copy / "docs" / "ODD.md").read_text(encoding="utf-8")
    assert "#### 7.6 gossip: colleagues' moods spread in conversation (`rules.gossip`)" in odd
    assert "#### 7.7 engagement:" in odd and "#### 7.10 turnover:" in odd, "the rules after it are renumbered"
    assert "6. `gossip` (7.6): Engagement spreads in conversation: partners close" in odd
    assert "| `gossip_rate` | float | 0.0 |" in odd
    rules_md = (copy / "docs" / "rules.md").read_text(encoding="utf-8")
    assert "| `gossip` | 7.6 | `gossip_rate` | `kernels.spread_word` |" in rules_md
    assert "| `succeed_principals` | 7.2 |" in rules_md and "| `replace_members` | 7.10 |" in rules_md

    checks = _run(copy, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-x",
                  "tests/test_rule_docs.py::test_generated_rule_docs_are_up_to_date_and_declarations_match_the_code",
                  "tests/test_rule_docs.py::test_numbers_are_generated_not_written",
                  "tests/test_model.py::test_schedule_rules_carry_their_odd_sections_and_the_odd_describes_them",
                  "tests/test_parameters.py::test_odd_parameter_table_matches_the_declaration",
                  "tests/test_rules_students.py::test_every_scheduled_rule_states_its_odd_section_and_a_source")
    assert checks.returncode == 0, checks.stdout[-3000:] + checks.stderr[-2000:]
    docstring = _run(copy, "-c", "from simulation import rules; print(rules.engagement.__doc__)")
    assert "ODD 7.7. Reads: engagement_base" in docstring.stdout, docstring.stderr
