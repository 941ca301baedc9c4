"""``plc-sim calibrate SPEC``: which values of the uncertain parameters let every validation pattern hold at once?

    plc-sim calibrate experiments/calibration.toml               # results/calibration/report.md
    plc-sim calibrate experiments/calibration.toml --dry-run     # check the spec, show the plan
    plc-sim calibrate experiments/calibration.toml --workers 2   # again after an interruption: resumes

See :mod:`plc_sim.calibration.spec` for the spec and :mod:`plc_sim.calibration.report` for the method.
"""

from __future__ import annotations

from pathlib import Path

from plc_sim.calibration.run import run_calibration
from plc_sim.calibration.spec import load_calibration
from plc_sim.core.options import bounded_int
from plc_sim.experiments.execution.store import default_out
from plc_sim.experiments.execution.sweep import default_workers


def register(subparsers) -> None:
    """Add ``plc-sim calibrate``."""
    parser = subparsers.add_parser("calibrate", help="sample uncertain parameters over their declared ranges and "
                                   "keep the points where every validation pattern holds (resumable); write "
                                   "results/NAME/report.md")
    parser.add_argument("spec", type=Path, help="calibration spec (TOML), e.g. experiments/calibration.toml")
    parser.add_argument("--workers", type=bounded_int("--workers", 1, 1024), default=None,
                        help="local worker processes, each measuring whole points (default: all cores)")
    parser.add_argument("--out", type=Path, default=None, help="result folder (default results/NAME)")
    parser.add_argument("--restart", action="store_true", help="discard this calibration's stored points first")
    parser.add_argument("--dry-run", action="store_true", help="check the spec and show the plan; run nothing")
    parser.set_defaults(func=cmd_calibrate)


def cmd_calibrate(args) -> None:
    spec = load_calibration(args.spec)
    out = args.out or default_out(spec)
    if args.dry_run:
        print(spec.describe())
        print(f"results would go to {out}/")
        return
    summary = run_calibration(spec, out, workers=args.workers or default_workers(), restart=args.restart)
    print(summary.line())
    if summary.complete:
        print(f"report: {out / 'report.md'}")
