"""``plc-sim sensitivity``: a Morris or Sobol design run as a sweep, then ranked sensitivity indices."""

from __future__ import annotations

from plc_sim.cli.sweep import add_sweep_arguments, execute_spec
from plc_sim.experiments.analysis.sensitivity import require_sensitivity, sensitivity_outputs


def register(subparsers) -> None:
    """Add ``plc-sim sensitivity``."""
    parser = subparsers.add_parser("sensitivity", help="global sensitivity (SALib Morris screening and Sobol "
                                   "indices) of health and persistence; e.g. experiments/sensitivity.toml")
    add_sweep_arguments(parser)
    parser.set_defaults(func=cmd_sensitivity)


def cmd_sensitivity(args) -> None:
    spec, summary = execute_spec(args, check=require_sensitivity, then=sensitivity_outputs)
    if summary is None or not summary.complete:
        return
    print(f"results: {summary.folder}/")
    print("\n".join(summary.outputs.lines()))
