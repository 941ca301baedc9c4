"""``plc-sim report``: every experiment's figures and tables in one Markdown and HTML report."""

from __future__ import annotations

from pathlib import Path

from plc_sim.experiments.analysis.report import write_report
from plc_sim.experiments.execution.store import RESULTS_ROOT


def register(subparsers) -> None:
    """Add ``plc-sim report``."""
    parser = subparsers.add_parser("report", help="gather every experiment's figures and tables into "
                                   "results/report.md and results/report.html")
    parser.add_argument("--results", type=Path, default=RESULTS_ROOT, help="folder of experiment results "
                        "(default results)")
    parser.add_argument("--format", choices=("md", "html", "both"), default="both", help="default both")
    parser.add_argument("--refresh", action="store_true", help="redraw every figure and table from the data first")
    parser.set_defaults(func=cmd_report)


def cmd_report(args) -> None:
    formats = ("md", "html") if args.format == "both" else (args.format,)
    for path in write_report(args.results, formats, args.refresh):
        print(f"report: {path}")
