"""``plc-sim robustness``: which policy holds up across the uncertain conditions of a sweep."""

from __future__ import annotations

from pathlib import Path

from plc_sim.cli.discover import sweep_folder

DEFAULT_OUTCOMES = "persisting_share,final_health"
DEFAULT_SATISFICE = ("persisting_share>=0.5",)


def register(subparsers) -> None:
    """Add ``plc-sim robustness``."""
    parser = subparsers.add_parser("robustness", help="robustness of policies across uncertain conditions: "
                                   "satisficing share and maximum regret, ranked")
    parser.add_argument("sweep", type=Path, help="a sweep's result folder (results/NAME) or its spec (.toml)")
    parser.add_argument("--levers", default=None, help="comma-separated factors that are policies (default: the "
                        "spec's [levers]); every other varied factor is an uncertainty")
    parser.add_argument("--outcomes", default=DEFAULT_OUTCOMES, help="comma-separated run measures (the spec's own "
                        f"[outcomes] too) for regret, each NAME, max:NAME or min:NAME (default {DEFAULT_OUTCOMES})")
    parser.add_argument("--satisfice", action="append", default=None, metavar="NAME>=VALUE",
                        help="a criterion a policy should meet (repeatable; default persisting_share>=0.5)")
    parser.add_argument("--out", type=Path, default=None, help="output folder (default SWEEP/robustness)")
    parser.set_defaults(func=cmd_robustness)


def cmd_robustness(args) -> None:
    from plc_sim.experiments.analysis.results import load_sweep
    from plc_sim.experiments.analysis.robustness import Criterion, Objective, summary_sentence, sweep_robustness

    objectives = [Objective.parse(text) for text in args.outcomes.split(",") if text.strip()]
    criteria = [Criterion.parse(text) for text in (args.satisfice or DEFAULT_SATISFICE)]
    levers = [name.strip() for name in args.levers.split(",") if name.strip()] if args.levers else None
    data = load_sweep(sweep_folder(args.sweep))
    table, levers, folder = sweep_robustness(data, levers, objectives, criteria, args.out)
    print(summary_sentence(table, levers, objectives, criteria))
    for note in table.attrs["notes"]:
        print(note)
    print(f"results: {folder}/ (summary.md, robustness.png, robustness.csv)")
