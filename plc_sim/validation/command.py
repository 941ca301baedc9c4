"""``plc-sim validate``: does the model reproduce documented patterns from the PLC literature?

Pattern-oriented modelling (Grimm et al. 2005): a model earns trust by reproducing several patterns observed
in the system it describes. Each pattern of :data:`plc_sim.validation.registry.PATTERNS` is measured with
replications and 95% confidence intervals and held to the direction or range its source documents. The command
prints one table (pattern, source, expectation, measurement, verdict), writes ``results/validation/report.md``
with the same table, one figure per pattern (PNG), ``results.csv`` and ``provenance.json``, and exits with
status 1 when any pattern fails.

``--full`` (the default) is report strength: 60 replications on the default network of 20 schools, about two
minutes on two cores; the test suite judges the patterns there. ``--fast`` is a quick look with fewer replications
on networks of 10 schools: its intervals are too wide for the thinnest effects at the calibrated defaults, so a
check that straddles its bound there is unresolved, not refuted. ``--set NAME=VALUE`` moves a default under every
pattern (a preset or an arm that sets the parameter keeps its own value), e.g. to check a point a calibration
suggested.

    plc-sim validate                 # report strength, results/validation/
    plc-sim validate --fast          # a quick look
    plc-sim validate --only memory   # one pattern (by key or number)
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from pathlib import Path

from plc_sim.core.errors import InputError
from plc_sim.core.files import claim_folder
from plc_sim.core.limits import MAX_SEED
from plc_sim.core.options import bounded_int
from plc_sim.validation.core import FAST, ROOT_SEED, SETTINGS, Expected, PatternResult
from plc_sim.validation.registry import PATTERNS, Pattern, run_patterns, select_patterns
from plc_sim.validation.report import figure_png, table_rows, text_table, write_report
from simulation.parameters import make_params, parse_assignment

__all__ = ["DEFAULT_OUT", "PATTERNS", "Pattern", "PatternResult", "cmd_validate", "register", "run_patterns",
           "select_patterns"]

DEFAULT_OUT = Path("results") / "validation"


# --- the command ----------------------------------------------------------------------------------------------------

def register(subparsers) -> None:
    """Add ``plc-sim validate``."""
    parser = subparsers.add_parser("validate", help=f"check the model against {len(PATTERNS)} documented patterns of "
                                   "the PLC literature; write a report; exit 1 if a pattern fails")
    strength = parser.add_mutually_exclusive_group()
    strength.add_argument("--full", dest="setting", action="store_const", const="full",
                          help=f"report strength (default): {SETTINGS['full'].description}")
    strength.add_argument("--fast", dest="setting", action="store_const", const="fast",
                          help=f"a quick look: {FAST.description}; too few to resolve the thinnest effects")
    parser.set_defaults(setting="full", func=cmd_validate)
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
    parser.add_argument("--set", dest="assignments", action="append", default=[], metavar="NAME=VALUE",
                        help="move a default under every pattern (repeatable), e.g. a point `plc-sim calibrate` "
                             "suggested; a preset or arm that sets the parameter keeps its own value")


def defaults_from(assignments: list[str]) -> dict:
    """The ``--set NAME=VALUE`` pairs as validated defaults (the network size belongs to the setting)."""
    defaults = dict(parse_assignment(text) for text in assignments)
    if "n_schools" in defaults:
        raise InputError("--set: n_schools is the setting's network size; choose --fast or --full instead")
    make_params(defaults)  # every value in range, and the combination allowed, before minutes of work
    return defaults


def cmd_validate(args, expect: Mapping[str, Mapping[str, Expected]] | None = None) -> None:
    """Run the chosen patterns, write the report, print one table of patterns; exit 1 if any pattern fails."""
    setting = dataclasses.replace(SETTINGS[args.setting], seed=args.seed, defaults=defaults_from(args.assignments))
    patterns = select_patterns(args.only)
    overwrite = args.overwrite or args.out == DEFAULT_OUT  # the default folder is plc-sim's own to refresh
    claim_folder(args.out, "validate", overwrite)  # fail before minutes of work, not after
    figures: dict[str, bytes] = {}
    results = run_patterns(setting, patterns, args.workers, expect,
                           done=lambda result: figures.setdefault(result.key, figure_png(result)))
    report = write_report(results, setting, args.out, overwrite, figures)
    print(text_table(table_rows(results)))
    failed = [r for r in results if not r.passed]
    print(f"{len(results) - len(failed)} of {len(results)} patterns pass; report: {report}")
    if failed:
        raise SystemExit(1)
