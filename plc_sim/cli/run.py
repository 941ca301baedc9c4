"""``plc-sim params``, ``plc-sim presets`` and ``plc-sim run``: the model's own commands."""

from __future__ import annotations

from pathlib import Path

from plc_sim.core.files import claim_folder
from plc_sim.core.limits import MAX_SEED, MAX_TICKS
from plc_sim.core.options import bounded_int
from plc_sim.core.progress import progress_bar
from simulation.interventions import INTERVENTIONS, SYNTAX_HELP, parse_intervention
from simulation.parameters import PARAMETERS, TICKS_PER_YEAR, parse_assignment
from simulation.presets import PRESETS, preset_params


def register(subparsers) -> None:
    """Add the model's own commands: params, presets, run."""
    params = subparsers.add_parser("params", help="list every parameter: default, range, unit, meaning, source")
    params.add_argument("--markdown", action="store_true", help="print a Markdown table")
    params.set_defaults(func=cmd_params)
    presets = subparsers.add_parser("presets", help="list the named presets and what each shows")
    presets.set_defaults(func=cmd_presets)
    run = subparsers.add_parser("run", help="run one model and write tidy data, provenance and a chart")
    run.add_argument("--preset", default="baseline", help=f"one of: {', '.join(PRESETS)}")
    run.add_argument("--set", dest="assignments", action="append", default=[], metavar="NAME=VALUE",
                     help="override a parameter (repeatable); `plc-sim params` lists them")
    run.add_argument("--ticks", type=bounded_int("--ticks", 1, MAX_TICKS), default=240,
                     help=f"ticks to run; one tick is a school month, {TICKS_PER_YEAR} make a year (default 240)")
    run.add_argument("--seed", type=bounded_int("--seed", 0, MAX_SEED), default=0, help="random seed (default 0)")
    run.add_argument("--out", type=Path, default=None,
                     help="output folder (default results/runs/PRESET-seedS, refreshed on each run); a new or empty "
                     "folder, or an earlier run's folder with --overwrite")
    run.add_argument("--overwrite", action="store_true", help="replace an earlier `plc-sim run` result in --out")
    run.add_argument("--intervention", dest="interventions", action="append", default=[], metavar="SPEC",
                     help=f"a policy intervention (repeatable): {SYNTAX_HELP}; years and schools count from 1; "
                     f"kinds: {', '.join(INTERVENTIONS)}")
    run.set_defaults(func=cmd_run)


def cmd_params(args) -> None:
    if args.markdown:
        print("| name | type | default | allowed | unit | meaning | source |")
        print("|---|---|---|---|---|---|---|")
        for p in PARAMETERS:
            print(f"| `{p.name}` | {p.kind.__name__} | {p.default} | {p.allowed()} | {p.unit} | {p.meaning} "
                  f"| {p.source} |")
        return
    group = None
    for p in PARAMETERS:
        if p.group != group:
            group = p.group
            print(f"\n[{group}]")
        unit = f" {p.unit}" if p.unit else ""
        print(f"  {p.name} = {p.default!r}{unit}   ({p.allowed()})\n      {p.meaning}. Source: {p.source}.")


def cmd_presets(args) -> None:
    for preset in PRESETS.values():
        changes = ", ".join(f"{k}={v}" for k, v in preset.overrides.items()) or "defaults"
        print(f"{preset.name}\n    {preset.story}\n    [{changes}]")


def cmd_run(args) -> None:
    from plc_sim.experiments.execution.single_run import (  # the model: loaded when used
        simulate,
        summary_lines,
        write_run,
    )

    params = preset_params(args.preset, dict(parse_assignment(a) for a in args.assignments))
    # Checked against the run's length and network before anything is written.
    interventions = [parse_intervention(text, ticks=args.ticks, n_schools=params.n_schools)
                     for text in args.interventions]
    out = args.out or Path("results") / "runs" / f"{args.preset}-seed{args.seed}"
    overwrite = args.overwrite or args.out is None  # the default folder is plc-sim's own to refresh
    claim_folder(out, "run", overwrite)  # before the work, not after
    with progress_bar(total=args.ticks, unit="tick", desc=f"{args.preset} seed {args.seed}") as bar:
        model = simulate(params, args.seed, args.ticks, progress=lambda _: bar.update(1), interventions=interventions)
    write_run(model, out, args.preset, args.ticks, overwrite)
    print("\n".join(summary_lines(model)))
    print(f"results: {out}/ (network.parquet/.csv, schools.parquet/.csv, persistence, events, chart.png, "
          f"provenance.json)")
