"""Write the measured robustness of the calibration into docs/ODD.md, between its 'generated results' markers.

    .venv/bin/plc-sim calibrate experiments/calibration_region.toml
    .venv/bin/plc-sim validate --out results/validation            # the root seed
    .venv/bin/plc-sim validate --seed 7 --out results/validation-seed-7
    .venv/bin/plc-sim validate --seed 11 --out results/validation-seed-11
    .venv/bin/python docs/generate_results.py results/calibration_region results/validation \\
        results/validation-seed-7 results/validation-seed-11

    .venv/bin/plc-sim calibrate experiments/decay_causes.toml
    .venv/bin/python docs/generate_results.py --causes results/decay_causes

The blocks are generated from those result folders, never typed. The region's: a table of each pattern's share of
the region's points where it holds (with a Wilson interval; by the spec's acceptance rule and by the estimates
alone), the share where every pattern holds, and each pattern's verdict at each root seed (with the checks that
fail). The decay causes' (Validation 9): how often patterns 8 and 9
hold over a wide box of the decay causes' settings, and how often each cause can be switched off and leave a third
of the decay rate.
"""

from __future__ import annotations

import json
import re
import sys
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd

from plc_sim.calibration.report import share_ci
from plc_sim.validation.causes import CAUSE_SHARE
from plc_sim.validation.registry import PATTERNS
from plc_sim.validation.resilience import MEMORY_REPLICATION_FACTOR
from plc_sim.validation.trust import TRUST_REPLICATION_FACTOR

ODD = Path(__file__).resolve().parent / "ODD.md"
BLOCK = re.compile(r"(<!-- generated results: begin[^>]*-->\n).*?(<!-- generated results: end -->)", re.S)
CAUSES_BLOCK = re.compile(r"(<!-- generated decay causes: begin[^>]*-->\n).*?(<!-- generated decay causes: end -->)",
                          re.S)


def region_rows(folder: Path, holding: list[str]) -> list[str]:
    """The region's table; ``holding``: the patterns that hold at the defaults (the root seed's verdicts).

    Each share is given twice: by the spec's acceptance rule (the report's verdict) and by the estimates alone (each
    check's estimate inside its bounds), so a reader sees how much of a pattern's failure is imprecision."""
    points, checks = pd.read_csv(folder / "points.csv"), pd.read_csv(folder / "checks.csv")
    spec = tomllib.loads((folder / "spec.toml").read_text(encoding="utf-8"))
    rule = ("every check's whole 95% interval lies inside its bounds, as `plc-sim validate` judges"
            if spec.get("acceptance", "interval") == "interval" else "every check's estimate lies inside its bounds")
    by_estimate = checks.groupby(["run_id", "pattern"])["estimate_inside"].all().unstack()
    rows = [f"Region: {len(points)} Latin-hypercube points within +-10% of every calibrated value "
            f"(`{folder.name}`, its `report.md` has the design), each measured with {spec['setting']['replications']} "
            f"replications per arm ({TRUST_REPLICATION_FACTOR} times as many for pattern 3 and "
            f"{MEMORY_REPLICATION_FACTOR} for pattern 7, whose effects are rare or thin) on "
            f"{spec['setting']['n_schools']} schools and accepted when {rule}.", "",
            "| pattern | points where it holds [95% CI] | by the estimates alone |", "|---|---|---|"]

    def cell(held) -> str:
        share, low, high = share_ci(int(np.sum(held)), len(points))
        return f"{share:.0%} [{low:.0%}, {high:.0%}]"

    for pattern in PATTERNS:
        column = f"pass_{pattern.key}"
        if column in points:
            rows.append(f"| {pattern.number} {pattern.key} | {cell(points[column])} | "
                        f"{cell(by_estimate[pattern.key])} |")
    rows.append(f"| **every pattern** | **{cell(points['accepted'])}** | {cell(by_estimate.all(axis=1))} |")
    rows.append(f"| every pattern that holds at the defaults ({', '.join(holding)}) | "
                f"{cell(points[[f'pass_{key}' for key in holding]].all(axis=1))} | "
                f"{cell(by_estimate[holding].all(axis=1))} |")
    return rows


def seed_rows(folders: list[Path]) -> list[str]:
    tables = {}
    for folder in folders:
        seed = json.loads((folder / "provenance.json").read_text())["setting"]["seed"]
        tables[seed] = pd.read_csv(folder / "results.csv")
    rows = ["", "Root seeds (`plc-sim validate --seed S`, report strength):", "",
            "| pattern | " + " | ".join(f"seed {seed}" for seed in tables) + " |",
            "|---" * (len(tables) + 1) + "|"]
    for pattern in PATTERNS:
        cells = []
        for table in tables.values():
            mine = table[table["pattern"] == pattern.number]
            failed = mine.loc[~mine["passed"], "check"].tolist()
            cells.append("holds" if mine["passed"].all() else "fails: " + ", ".join(failed))
        rows.append(f"| {pattern.number} {pattern.key} | " + " | ".join(cells) + " |")
    return rows


def causes_rows(folder: Path) -> list[str]:
    """How often patterns 8 and 9 hold over the decay causes' box, and each cause's arm at a third of the rate or more.

    An arm's share counts the points where decay happened at the point's defaults (a ratio exists) and the arm ran
    (a cause already off at a point, such as cuts at rate 0, has no arm there).
    """
    points, checks = pd.read_csv(folder / "points.csv"), pd.read_csv(folder / "checks.csv")
    setting = tomllib.loads((folder / "spec.toml").read_text(encoding="utf-8"))["setting"]
    rows = [f"Decay causes: {len(points)} Latin-hypercube points over a wide box of the decay causes' settings "
            f"(`{folder.name}`, its `report.md` has the box), each with {setting['replications']} replications per "
            f"arm on {setting['n_schools']} schools, judged by estimate (the calibration's screen).", "",
            "| outcome | points [95% CI] |", "|---|---|"]
    for key, name in (("steady", "8 steady (sustained 3 years in 5/13 to 2/3)"), ("causes", "9 causes")):
        share, low, high = share_ci(int(points[f"pass_{key}"].sum()), len(points))
        rows.append(f"| {name} holds | {share:.0%} [{low:.0%}, {high:.0%}] |")
    share, low, high = share_ci(int(points["accepted"].sum()), len(points))
    rows.append(f"| **8 and 9 together** | **{share:.0%} [{low:.0%}, {high:.0%}]** |")
    arms = checks[checks["check"].str.startswith("without ") & np.isfinite(checks["effect"])]
    for arm, found in arms.groupby("check", sort=False):
        share, low, high = share_ci(int((found["effect"] > CAUSE_SHARE).sum()), len(found))
        rows.append(f"| {arm}: above a third of the decay rate ({len(found)} points with decay) | {share:.0%} "
                    f"[{low:.0%}, {high:.0%}] |")
    smallest = arms.pivot_table(index="run_id", columns="check", values="effect").dropna().min(axis=1)
    if len(smallest):
        rows += ["", f"Over the {len(smallest)} points where every arm ran and decay happened, the largest value of "
                 f"the smallest arm's ratio is {smallest.max():.2f} (point {smallest.idxmax()})."]
    return rows


def write_block(block: re.Pattern, rows: list[str], name: str) -> None:
    odd = ODD.read_text(encoding="utf-8")
    if not block.search(odd):
        sys.exit(f"docs/ODD.md has lost its '{name}' markers")
    ODD.write_text(block.sub(lambda m: m.group(1) + "\n".join(rows) + "\n" + m.group(2), odd), encoding="utf-8")


def main(region: str, *validations: str) -> None:
    if region == "--causes":
        if len(validations) != 1:
            sys.exit("usage: docs/generate_results.py --causes RESULTS_FOLDER (of plc-sim calibrate "
                     "experiments/decay_causes.toml)")
        write_block(CAUSES_BLOCK, causes_rows(Path(validations[0])), "generated decay causes")
        return
    root = pd.read_csv(Path(validations[0]) / "results.csv")
    holding = [key for key, checks in root.groupby("key", sort=False) if checks["passed"].all()]
    write_block(BLOCK, region_rows(Path(region), holding) + seed_rows([Path(v) for v in validations]),
                "generated results")


if __name__ == "__main__":
    main(*sys.argv[1:])
