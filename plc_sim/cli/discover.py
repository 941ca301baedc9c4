"""``plc-sim discover``: scenario discovery (PRIM and CART) on a finished sweep."""

from __future__ import annotations

import argparse
from pathlib import Path

from plc_sim.core.errors import InputError


def register(subparsers) -> None:
    """Add ``plc-sim discover``."""
    parser = subparsers.add_parser("discover", help="scenario discovery: under which conditions does an outcome "
                                   "happen (PRIM and CART over a sweep's factors and levers)")
    parser.add_argument("sweep", type=Path, help="a sweep's result folder (results/NAME) or its spec (.toml)")
    parser.add_argument("--outcome", default="persists", help="persists (each community never decayed; default), "
                        "decays (it did), or a run measure such as final_health or one of the spec's own [outcomes], "
                        "with --threshold")
    parser.add_argument("--threshold", type=_number("--threshold"), default=None,
                        help="the level of a run measure that counts as the outcome (at least; --below: at most)")
    parser.add_argument("--below", action="store_true", help="the outcome is the measure at most --threshold")
    parser.add_argument("--box", type=int, default=None, metavar="ID",
                        help="choose this box of the peeling trajectory (default: the densest with enough coverage)")
    parser.add_argument("--min-coverage", type=_number("--min-coverage", 0.0, 1.0), default=0.5,
                        help="least coverage of the default box (0..1, default 0.5)")
    parser.add_argument("--out", type=Path, default=None, help="output folder (default SWEEP/discover-OUTCOME)")
    parser.set_defaults(func=cmd_discover)


def _number(name: str, low: float = float("-inf"), high: float = float("inf")):
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = float("nan")
        if not low <= value <= high:  # NaN fails too
            raise argparse.ArgumentTypeError(f"{name}: {text!r} is not allowed; expected a number"
                                             + (f" from {low:g} to {high:g}" if high < float("inf") else ""))
        return value
    return parse


def sweep_folder(path: Path) -> Path:
    """A sweep's result folder, from the folder itself or from its spec."""
    if path.suffix == ".toml":
        from plc_sim.experiments.execution.store import default_out
        from plc_sim.experiments.specs.spec import load_spec

        path = default_out(load_spec(path))
    if not (path / "manifest.json").exists():
        raise InputError(f"sweep: {path} holds no sweep results (run `plc-sim sweep SPEC` first)")
    return path


def cmd_discover(args) -> None:
    from plc_sim.experiments.analysis.discover_output import run_discovery
    from plc_sim.experiments.analysis.results import load_sweep

    data = load_sweep(sweep_folder(args.sweep))
    found, case_set, folder = run_discovery(data, args.outcome, args.threshold, args.below, args.box,
                                            args.min_coverage, args.out)
    print(found.summary(case_set.what, case_set.unit))
    print(f"results: {folder}/ (summary.md, peeling.html, peeling.png, box_limits.png, limits.csv, trajectory.csv, "
          "cart.csv)")
    print(f"to choose another box: open {folder}/peeling.html in a browser; it shows each box and the command "
          "that gives it")
