"""The validation report, generated from measurements only: a terminal table, ``report.md``, ``results.csv``.

Every number in the report comes from the :class:`PatternResult` objects of this run; why a check fails is
said from its own interval and expectation (below, above, or not yet settled), never from text typed in
earlier.
"""

from __future__ import annotations

import dataclasses
import io
import math
import shutil
import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from plc_sim.core.files import staged_folder, write_json_atomic
from plc_sim.core.provenance import provenance
from plc_sim.validation.core import Check, PatternResult, Setting


def interval(check: Check) -> str:
    """``effect [low, high]`` with three significant digits."""
    return f"{check.effect:.3g} [{check.low:.3g}, {check.high:.3g}]"


def _number(value: float) -> str:
    if value != value:  # NaN: nothing to measure (e.g. no community decayed)
        return "n/a"
    return f"{value:.0f}" if float(value).is_integer() and abs(value) < 1e9 else f"{value:.3g}"


def verdict(check: Check) -> str:
    """``pass``, or ``FAIL:`` and where the interval lies against the expected bounds (short, for a table)."""
    if check.passed:
        return "pass"
    above, below = check.expected.above, check.expected.below
    if not (math.isfinite(check.low) and math.isfinite(check.high)):
        return "FAIL: no interval"
    if above is not None and check.high <= above:
        return f"FAIL: below {above:g}"
    if below is not None and check.low >= below:
        return f"FAIL: above {below:g}"
    return f"FAIL: straddles {above if above is not None and check.low <= above else below:g}"


def why(check: Check) -> str:
    """Why a failed check fails, in words, from its interval and expectation alone (no typed-in numbers)."""
    short = verdict(check)[6:]
    if short == "no interval":
        return "no finite interval (too few events at this setting)"
    where, bound = short.split(" ", 1)
    if where == "straddles":
        return f"the interval straddles {bound}: not settled at this setting (more replications may settle it)"
    return f"the whole interval lies at or {where} {bound}"


def _marked(check: Check) -> str:
    """The verdict for Markdown: a failure in bold."""
    text = verdict(check)
    return text if check.passed else "**FAIL**" + text[4:]


# --- the terminal table ------------------------------------------------------------------------------------------

TABLE_COLUMNS = ("#", "pattern", "source", "expected", "measured (95% CI)", "verdict")
TABLE_SHARES = (0.0, 0.16, 0.24, 0.2, 0.22, 0.18)
"""Share of the terminal's width each column gets (``#`` is two characters)."""


def table_rows(results: Sequence[PatternResult]) -> list[tuple[str, ...]]:
    """One row per check; a pattern's number, title and source only on its first row."""
    rows = []
    for r in results:
        for i, c in enumerate(r.checks):
            first = i == 0
            rows.append((str(r.number) if first else "", r.title if first else "", r.source if first else "",
                         c.expected.text, f"{c.name}: {interval(c)} {c.unit}", verdict(c)))
    return rows


def text_table(rows: Sequence[Sequence[str]], headers: Sequence[str] = TABLE_COLUMNS,
               width: int | None = None) -> str:
    """A plain-text table whose cells wrap inside columns that fit ``width`` (default: the terminal's)."""
    width = max(100, width or shutil.get_terminal_size((140, 24)).columns)
    gaps = 2 * (len(headers) - 1)
    widths = [2] + [max(8, int((width - 2 - gaps) * share)) for share in TABLE_SHARES[1:]]
    lines = []
    for index, row in enumerate([headers, *rows]):
        if index == 1 or (index > 1 and row[0]):
            lines.append("-" * min(width, sum(widths) + gaps))
        cells = [textwrap.wrap(str(cell), w) or [""] for cell, w in zip(row, widths, strict=True)]
        for depth in range(max(len(cell) for cell in cells)):
            parts = [(cell[depth] if depth < len(cell) else "").ljust(w) for cell, w in zip(cells, widths,
                                                                                          strict=True)]
            lines.append("  ".join(parts).rstrip())
    return "\n".join(lines)


# --- files ---------------------------------------------------------------------------------------------------

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


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def report_markdown(results: Sequence[PatternResult], setting: Setting, record: dict) -> str:
    """The Markdown report: one summary table, then per pattern its claim, design, checks, figure and notes."""
    passed = sum(r.passed for r in results)
    git = record.get("git", {})
    lines = [
        "# plc-sim validation report", "",
        f"{passed} of {len(results)} patterns pass. Setting **{setting.name}**: {setting.description}; root seed "
        f"{setting.seed}. Generated {record['created']} from git commit {git.get('commit') or 'unknown'}"
        f"{' (uncommitted changes)' if git.get('dirty') else ''}; regenerate with `plc-sim validate"
        f"{' --full' if setting.name == 'full' else ''}`.", "",
        "Every interval is a 95% confidence interval across replications. Replication *k* of a pattern uses the same "
        "seed in every arm (common random numbers), so arms are compared by paired differences within a "
        "replication. A check passes when its whole interval lies inside the expected interval.", "",
        "| " + " | ".join(TABLE_COLUMNS) + " |", "|---" * len(TABLE_COLUMNS) + "|",
    ]
    rows = table_rows(results)
    checks = [c for r in results for c in r.checks]
    lines += ["| " + " | ".join([*map(_cell, row[:-1]), _marked(c)]) + " |" for row, c in zip(rows, checks,
                                                                                        strict=True)]
    for r in results:
        lines += ["", f"## {r.number}. {r.title}: {'pass' if r.passed else 'FAIL'}", "",
                  f"**Pattern.** {r.claim}", "", f"**Source.** {r.source}", "", f"**Design.** {r.design}", "",
                  "| check | measured (95% CI) | unit | expected | result |", "|---|---|---|---|---|"]
        lines += [f"| {c.name} | {interval(c)} | {c.unit} | {_cell(c.expected.text)} | {_marked(c)} |"
                  for c in r.checks]
        if r.context:
            lines += ["", "Context: " + "; ".join(f"{name} {_number(value)}" for name, value in r.context.items())
                      + "."]
        lines += ["", f"![Pattern {r.number}](figures/{figure_name(r)})"]
        failed = [c for c in r.checks if not c.passed]
        if failed:
            lines += ["", "**Where the model and the literature disagree.** " + " ".join(
                f"{c.name}: measured {interval(c)}, expected {c.expected.text}: {why(c)}." for c in failed)]
        lines += [f"\n{note}" for note in r.notes]
    return "\n".join(lines) + "\n"


def figure_png(result: PatternResult) -> bytes:
    """A pattern's figure as the report's PNG file holds it."""
    image = io.BytesIO()
    result.figure.savefig(image, format="png", dpi=110)
    return image.getvalue()


def write_report(results: Sequence[PatternResult], setting: Setting, out: Path, overwrite: bool = False,
                 figures: Mapping[str, bytes] | None = None) -> Path:
    """Write report.md, figures/, results.csv and provenance.json into ``out`` atomically; return report.md.

    ``figures``: PNG files already drawn (:func:`figure_png`), by pattern key; the others are drawn here. Drawing
    each as its pattern finishes, while the workers run the next, takes the figures off the end of the command.
    """
    out, figures = Path(out), figures or {}
    with staged_folder(out, "validate", overwrite) as staging:
        (staging / "figures").mkdir()
        for result in results:
            png = figures[result.key] if result.key in figures else figure_png(result)
            (staging / "figures" / figure_name(result)).write_bytes(png)
        record = provenance(command="validate", setting=dataclasses.asdict(setting),
                            patterns=[r.key for r in results], passed={r.key: r.passed for r in results})
        results_table(results).to_csv(staging / "results.csv", index=False, float_format="%.6g")
        (staging / "report.md").write_text(report_markdown(results, setting, record), encoding="utf-8")
        write_json_atomic(staging / "provenance.json", record)
    return out / "report.md"
