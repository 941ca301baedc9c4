"""``plc-sim sweep``: run an experiment spec, resumably, on local processes or a Dask cluster; draw its figures."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

from plc_sim.core.errors import InputError
from plc_sim.core.options import bounded_int
from plc_sim.experiments.execution.store import default_out
from plc_sim.experiments.execution.sweep import SweepSummary, default_workers, run_sweep
from plc_sim.experiments.specs.spec import Spec, load_spec

TIMING_TICKS = 12
"""Ticks of the one run a dry run times, to estimate how long the whole experiment takes."""


def register(subparsers) -> None:
    """Add ``plc-sim sweep``."""
    sweep = subparsers.add_parser("sweep", help="run an experiment spec (experiments/*.toml), resumably, on local "
                                  "processes or a Dask cluster; write Parquet results, figures and tables")
    add_sweep_arguments(sweep)
    sweep.add_argument("--no-figures", action="store_true", help="skip figures and tables after the sweep")
    sweep.set_defaults(func=cmd_sweep)


def add_sweep_arguments(parser) -> None:
    """Options shared by ``sweep`` and ``sensitivity``."""
    parser.add_argument("spec", type=Path, help="experiment spec (TOML), e.g. experiments/default.toml")
    parser.add_argument("--workers", type=bounded_int("--workers", 1, 1024), default=None,
                        help="local worker processes (default: all cores; 1 runs in this process)")
    parser.add_argument("--scheduler", default=None, metavar="ADDRESS",
                        help="run on an existing Dask cluster, e.g. tcp://HOST:8786")
    parser.add_argument("--out", type=Path, default=None, help="result folder (default results/NAME)")
    parser.add_argument("--restart", action="store_true", help="discard this experiment's stored results first")
    parser.add_argument("--batch-size", type=bounded_int("--batch-size", 1, 100_000), default=None,
                        help="runs per Parquet batch (default: about 50 batches per sweep)")
    parser.add_argument("--dry-run", action="store_true",
                        help="validate the spec, show the plan and an estimate of its time; run nothing")


def check_scheduler(address: str | None) -> None:
    if address is not None and "://" not in address:
        raise InputError(f"--scheduler: {address!r} is not an address; expected e.g. tcp://host:8786")


def execute_spec(args, check=None, then=None) -> tuple[Spec, SweepSummary | None]:
    """Load the spec, ``check`` it, and run it from parsed ``args`` (shared by ``sweep`` and ``sensitivity``).

    ``then(folder)`` runs after a complete sweep, while its folder is still locked (see ``run_sweep``).
    """
    spec = load_spec(args.spec)
    if check is not None:
        check(spec)
    check_scheduler(args.scheduler)
    if args.scheduler is not None and args.workers is not None:
        raise InputError("--workers and --scheduler: choose one (the cluster decides how many workers)")
    if args.dry_run:
        print(spec.describe())
        print("\n".join(spec.plan_lines()))
        print(estimate_line(spec, args.workers or (None if args.scheduler else default_workers())))
        print(f"results would go to {args.out or default_out(spec)}/")
        return spec, None
    summary = run_sweep(spec, args.out, workers=args.workers, scheduler=args.scheduler, restart=args.restart,
                        batch_size=args.batch_size, then=then)
    print("\n".join(summary.lines(spec)))
    return spec, summary


def estimate_line(spec: Spec, workers: int | None) -> str:
    """The experiment's estimated time, from the first run (its first point) timed now for a few ticks."""
    from plc_sim.experiments.execution.execute import run_one

    task = spec.first_task()
    ticks = min(spec.ticks, TIMING_TICKS)
    run_one(replace(task, ticks=1))  # the first run may compile the kernels; time the next
    started = time.perf_counter()
    run_one(replace(task, ticks=ticks))
    per_tick = (time.perf_counter() - started) / ticks
    per_run = per_tick * spec.ticks
    total = per_run * spec.run_count / (workers or 1)
    on = f"{workers} worker{'s' if workers != 1 else ''}" if workers else "one Dask worker (divide by their number)"
    return (f"estimated time: {spec.run_count:,} runs x {per_run:.3g} s per run (measured now: {per_tick * 1000:.3g} "
            f"ms per tick) on {on} = about {_duration(total)}")


def _duration(seconds: float) -> str:
    for unit, size in (("days", 86_400), ("hours", 3_600), ("minutes", 60)):
        if seconds >= 2 * size:
            return f"{seconds / size:.1f} {unit}"
    return f"{seconds:.0f} seconds"


def cmd_sweep(args) -> None:
    draw = None
    if not args.no_figures:
        from plc_sim.experiments.analysis.figures import experiment_outputs

        draw = experiment_outputs
    spec, summary = execute_spec(args, then=draw)
    if summary is None:
        return
    print(f"results: {summary.folder}/ (manifest.json, points.parquet, batches/*/runs|series|schools.parquet)")
    if summary.outputs is not None:
        print("\n".join(summary.outputs.lines()))
