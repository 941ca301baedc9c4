"""Write the measured robustness of the calibration into docs/ODD.md, between its 'generated results' markers.

    .venv/bin/plc-sim calibrate experiments/calibration_region.toml
    .venv/bin/plc-sim validate --out results/validation            # the root seed
    .venv/bin/plc-sim validate --seed 7 --out results/validation-seed-7
    .venv/bin/plc-sim validate --seed 11 --out results/validation-seed-11
    .venv/bin/python docs/generate_results.py results/calibration_region results/validation \\
        results/validation-seed-7 results/validation-seed-11

The block is generated from those result folders, never typed: a table of each pattern's share of the region's
points where it holds (with a Wilson interval), the share where every pattern holds, and each pattern's verdict at
each root seed (with the checks that fail).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pandas as pd

from plc_sim.calibration.report import share_ci
from plc_sim.validation.registry import PATTERNS

ODD = Path(__file__).resolve().parent / "ODD.md"
BLOCK = re.compile(r"(<!-- generated results: begin[^>]*-->\n).*?(<!-- generated results: end -->)", re.S)


def region_rows(folder: Path, holding: list[str]) -> list[str]:
    """The region's table; ``holding``: the patterns that hold at the defaults (the root seed's verdicts)."""
    points = pd.read_csv(folder / "points.csv")
    rows = [f"Region: {len(points)} Latin-hypercube points within +-10% of every calibrated value "
            f"(`{folder.name}`, its `report.md` has the design).", "",
            "| pattern | points where it holds [95% CI] |", "|---|---|"]
    for pattern in PATTERNS:
        column = f"pass_{pattern.key}"
        if column in points:
            share, low, high = share_ci(int(points[column].sum()), len(points))
            rows.append(f"| {pattern.number} {pattern.key} | {share:.0%} [{low:.0%}, {high:.0%}] |")
    share, low, high = share_ci(int(points["accepted"].sum()), len(points))
    rows.append(f"| **every pattern** | **{share:.0%} [{low:.0%}, {high:.0%}]** |")
    every_holding = points[[f"pass_{key}" for key in holding]].all(axis=1)
    share, low, high = share_ci(int(every_holding.sum()), len(points))
    rows.append(f"| every pattern that holds at the defaults ({', '.join(holding)}) | {share:.0%} [{low:.0%}, "
                f"{high:.0%}] |")
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


def main(region: str, *validations: str) -> None:
    root = pd.read_csv(Path(validations[0]) / "results.csv")
    holding = [key for key, checks in root.groupby("key", sort=False) if checks["passed"].all()]
    text = "\n".join(region_rows(Path(region), holding) + seed_rows([Path(v) for v in validations])) + "\n"
    odd = ODD.read_text(encoding="utf-8")
    if not BLOCK.search(odd):
        sys.exit("docs/ODD.md has lost its 'generated results' markers")
    ODD.write_text(BLOCK.sub(lambda m: m.group(1) + text + m.group(2), odd), encoding="utf-8")


if __name__ == "__main__":
    main(*sys.argv[1:])
