"""``plc-sim validate``: does the model reproduce documented patterns from the PLC literature?

Pattern-oriented modelling (Grimm et al. 2005): a model earns trust by reproducing several patterns observed
in the system it describes. Each of the seven patterns of :mod:`plc_sim.validation.patterns` is measured with
replications and 95% confidence intervals and held to the direction or range its source documents; the
command writes ``results/validation/report.md`` with a table, one figure per pattern (PNG), ``results.csv``
and ``provenance.json``, and exits with status 1 when any pattern fails.

``--fast`` (the default, also run by ``tests/test_validation.py``) uses fewer replications on networks of 10
schools; ``--full`` is report strength: more replications on the default network of 20 schools.

    plc-sim validate                 # CI setting, results/validation/
    plc-sim validate --full          # report strength
    plc-sim validate --only memory   # one pattern (by key or number)
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from plc_sim.core.errors import InputError
from plc_sim.core.files import claim_folder, staged_folder, write_json_atomic
from plc_sim.core.provenance import provenance
from plc_sim.validation.core import FAST, ROOT_SEED, SETTINGS, Expected, PatternResult, Runner, Setting
from plc_sim.validation.patterns import (
    pattern_inquiry,
    pattern_memory,
    pattern_networks,
    pattern_subcultures,
    pattern_succession,
    pattern_trust,
    pattern_turnover,
)

DEFAULT_OUT = Path("results") / "validation"


@dataclass(frozen=True)
class Pattern:
    """A registered pattern: its number, key (for ``--only``) and the function that measures it."""

    number: int
    key: str
    measure: Callable[..., PatternResult]


PATTERNS: tuple[Pattern, ...] = (
    Pattern(1, "turnover", pattern_turnover),
    Pattern(2, "succession", pattern_succession),
    Pattern(3, "trust", pattern_trust),
    Pattern(4, "subcultures", pattern_subcultures),
    Pattern(5, "inquiry", pattern_inquiry),
    Pattern(6, "networks", pattern_networks),
    Pattern(7, "memory", pattern_memory),
)

KNOWN_DISAGREEMENTS: dict[str, str] = {
    "succession": (
        "The first half holds: distributed communities keep far more health and almost never decay. The second "
        "half cannot hold in the model as it stands: nothing in it lets a community recover after a succession. "
        "The successor's traits replace the champion's at once and never change while she is in post (ODD, "
        "known limitations), there is no transition to recover from, and the teacher leaders' shared focus can "
        "only fade toward the successor's. So held communities drop and stay down, distributed ones slide slowly "
        "and stay down, and neither gets back to its pre-departure health (0 of the replications in either arm)."),
    "subcultures": (
        "The model gives the opposite: secondary schools are healthier and persist longer than primary schools. "
        "Departments in the model are structure without culture: they concentrate each teacher's talk on a few "
        "colleagues, which builds strong ties, and conversation depth rises with tie strength, so small closed "
        "groups talk deeply; the health index then counts department talk as whole-school collective learning. "
        "Only relational trust is measured over the whole school (primary 0.50, secondary 0.22). Secondary "
        "health even rises as departments close (cross_department_contact 1.0 -> 0.02: health 0.27 -> 0.40). "
        "Nothing models subcultures' own norms and agendas, and primary teachers talk to all 39 colleagues at "
        "random rather than mainly within grade teams (Spillane, Kim & Frank 2012)."),
    "memory": (
        "Turnover erodes health as expected, but memory does not buffer it: its benefit is larger where turnover "
        "is low (interaction about -0.01 in health, -0.03 in knowledge). Memory is built by deep talk, which "
        "turnover destroys (mean memory 0.56 at low vs 0.37 at high turnover), and its main effect on health is "
        "to keep the teacher leaders' focus from fading, which pays off through deep talk between trusting "
        "colleagues: memory and a stable staff are complements in the model. Its substitute channel, newcomers "
        "catching up toward codified knowledge, is small (memory sits near the staff's mean knowledge) and "
        "knowledge is not part of health. Stronger codification, no memory decay, faster catch-up or a "
        "one-off turnover wave instead of sustained turnover all leave the interaction negative."),
}
"""Pattern key -> why the model and the literature disagree, shown in the report when the pattern fails
(docs/ODD.md, section "Validation: where the model and the literature disagree", has the evidence)."""


def select_patterns(only: Sequence[str] | None) -> list[Pattern]:
    """The patterns named in ``only`` (keys or numbers), in report order; all of them when ``only`` is empty."""
    if not only:
        return list(PATTERNS)
    names = {p.key: p for p in PATTERNS} | {str(p.number): p for p in PATTERNS}
    unknown = [name for name in only if name not in names]
    if unknown:
        raise InputError(f"--only: {unknown[0]!r} is not a pattern; choose from "
                         + ", ".join(f"{p.number} {p.key}" for p in PATTERNS))
    chosen = {names[name].number for name in only}
    return [p for p in PATTERNS if p.number in chosen]


def run_patterns(setting: Setting, patterns: Sequence[Pattern], workers: int = 1,
                 expect: Mapping[str, Mapping[str, Expected]] | None = None) -> list[PatternResult]:
    """Measure ``patterns`` at ``setting``; ``expect`` replaces expectations by pattern key and check name."""
    expect = expect or {}
    with Runner(workers) as runner:
        return [pattern.measure(runner, setting, expect=expect.get(pattern.key)) for pattern in patterns]


# --- the report -------------------------------------------------------------------------------------------------

def _number(value: float) -> str:
    if value != value:  # NaN: nothing to measure (e.g. no community decayed)
        return "n/a"
    return f"{value:.0f}" if float(value).is_integer() and abs(value) < 1e9 else f"{value:.3g}"


def _interval(check) -> str:
    return f"{check.effect:.3g} [{check.low:.3g}, {check.high:.3g}]"


def results_table(results: Sequence[PatternResult]) -> pd.DataFrame:
    """One row per check: pattern, check, effect with its 95% CI, expectation, source and verdict."""
    return pd.DataFrame([{
        "pattern": r.number, "key": r.key, "check": c.name, "unit": c.unit, "effect": c.effect,
        "ci_low": c.low, "ci_high": c.high, "expected": c.expected.text, "expected_above": c.expected.above,
        "expected_below": c.expected.below, "passed": c.passed, "pattern_passed": r.passed, "source": r.source,
    } for r in results for c in r.checks])


def figure_name(result: PatternResult) -> str:
    """The file name of a pattern's figure inside ``figures/``."""
    return f"pattern-{result.number}-{result.key}.png"


def report_markdown(results: Sequence[PatternResult], setting: Setting, record: dict) -> str:
    """The Markdown report: summary table, then per pattern its claim, design, checks, figure and notes."""
    passed = sum(r.passed for r in results)
    git = record.get("git", {})
    lines = [
        "# plc-sim validation report",
        "",
        f"{passed} of {len(results)} patterns pass. Setting **{setting.name}**: {setting.description}; root seed "
        f"{setting.seed}. Generated {record['created']} from git commit {git.get('commit') or 'unknown'}"
        f"{' (uncommitted changes)' if git.get('dirty') else ''}; regenerate with `plc-sim validate"
        f"{' --full' if setting.name == 'full' else ''}`.",
        "",
        "Every interval is a 95% confidence interval across replications. Replication *k* of a pattern uses the same "
        "seed in every arm (common random numbers), so arms are compared by paired differences within a "
        "replication. A check passes when its whole interval lies inside the expected interval.",
        "",
        "| # | pattern | check | measured (95% CI) | unit | expected | result |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        for c in r.checks:
            lines.append(f"| {r.number} | {r.title} | {c.name} | {_interval(c)} | {c.unit} | {c.expected.text} | "
                         f"{'pass' if c.passed else '**FAIL**'} |")
    for r in results:
        lines += ["", f"## {r.number}. {r.title}: {'pass' if r.passed else 'FAIL'}", "",
                  f"**Pattern.** {r.claim}", "", f"**Source.** {r.source}", "", f"**Design.** {r.design}", "",
                  "| check | measured (95% CI) | unit | expected | result |", "|---|---|---|---|---|"]
        lines += [f"| {c.name} | {_interval(c)} | {c.unit} | {c.expected.text} | "
                  f"{'pass' if c.passed else '**FAIL**'} |" for c in r.checks]
        if r.context:
            lines += ["", "Context: " + "; ".join(f"{name} {_number(value)}" for name, value in r.context.items())
                      + "."]
        lines += ["", f"![Pattern {r.number}](figures/{figure_name(r)})"]
        if not r.passed and r.key in KNOWN_DISAGREEMENTS:
            lines += ["", f"**Where the model and the literature disagree.** {KNOWN_DISAGREEMENTS[r.key]} (Numbers at "
                      "report strength; evidence and what would change it: docs/ODD.md, section \"Validation: where "
                      "the model and the literature disagree\".)"]
        lines += [f"\n{note}" for note in r.notes]
    return "\n".join(lines) + "\n"


def write_report(results: Sequence[PatternResult], setting: Setting, out: Path, overwrite: bool = False) -> Path:
    """Write report.md, figures/, results.csv and provenance.json into ``out`` atomically; return report.md."""
    out = Path(out)
    try:
        with staged_folder(out, "validate", overwrite) as staging:
            (staging / "figures").mkdir()
            for result in results:
                result.figure.savefig(staging / "figures" / figure_name(result), dpi=110)
            record = provenance(command="validate", setting=dataclasses.asdict(setting),
                                patterns=[r.key for r in results], passed={r.key: r.passed for r in results})
            results_table(results).to_csv(staging / "results.csv", index=False, float_format="%.6g")
            (staging / "report.md").write_text(report_markdown(results, setting, record), encoding="utf-8")
            write_json_atomic(staging / "provenance.json", record)
    finally:
        for result in results:
            plt.close(result.figure)
    return out / "report.md"


# --- the command ----------------------------------------------------------------------------------------------------

def register(subparsers) -> None:
    """Add ``plc-sim validate``."""
    from plc_sim.core.limits import MAX_SEED
    from plc_sim.core.options import bounded_int

    parser = subparsers.add_parser("validate", help="check the model against seven documented patterns of the PLC "
                                   "literature; write a report; exit 1 if a pattern fails")
    strength = parser.add_mutually_exclusive_group()
    strength.add_argument("--fast", dest="setting", action="store_const", const="fast",
                          help=f"CI setting (default): {FAST.description}")
    strength.add_argument("--full", dest="setting", action="store_const", const="full",
                          help=f"report strength: {SETTINGS['full'].description}")
    parser.set_defaults(setting="fast", func=cmd_validate)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"report folder (default {DEFAULT_OUT}); a new "
                        "or empty folder, or an earlier report's folder")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace an earlier report in --out (the default folder is always replaced)")
    parser.add_argument("--only", action="append", default=[], metavar="PATTERN",
                        help="measure only this pattern, by key or number (repeatable): "
                             + ", ".join(f"{p.number} {p.key}" for p in PATTERNS))
    parser.add_argument("--workers", type=bounded_int("--workers", 1, 256), default=min(2, os.cpu_count() or 1),
                        help="worker processes (default: up to 2)")
    parser.add_argument("--seed", type=bounded_int("--seed", 0, MAX_SEED), default=ROOT_SEED,
                        help=f"root seed of every replication (default {ROOT_SEED})")


def cmd_validate(args, expect: Mapping[str, Mapping[str, Expected]] | None = None) -> None:
    """Run the chosen patterns, write the report, print one line per pattern; exit 1 if any pattern fails."""
    setting = dataclasses.replace(SETTINGS[args.setting], seed=args.seed)
    patterns = select_patterns(args.only)
    overwrite = args.overwrite or args.out == DEFAULT_OUT  # the default folder is plc-sim's own to refresh
    claim_folder(args.out, "validate", overwrite)  # fail before minutes of work, not after
    results = run_patterns(setting, patterns, args.workers, expect)
    report = write_report(results, setting, args.out, overwrite)
    for r in results:
        verdict = "pass" if r.passed else "FAIL"
        detail = "; ".join(f"{c.name} {_interval(c)} ({'ok' if c.passed else 'expected ' + c.expected.text})"
                           for c in r.checks)
        print(f"{verdict:4}  {r.number} {r.key}: {detail}")
    failed = [r for r in results if not r.passed]
    print(f"{len(results) - len(failed)} of {len(results)} patterns pass; report: {report}")
    if failed:
        raise SystemExit(1)
