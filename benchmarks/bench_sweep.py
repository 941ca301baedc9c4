"""Time the full leadership x social-capital experiment with 1 and 2 workers, and print the speed-up.

    .venv/bin/python benchmarks/bench_sweep.py              # the full experiment (1210 runs), 1 then 2 workers
    .venv/bin/python benchmarks/bench_sweep.py --quick      # one replication per grid point (121 runs)
    .venv/bin/python benchmarks/bench_sweep.py --repeat 3   # alternate 1 and 2 workers three times; best times

Targets (issue 3): the full experiment (>= 11 x 11 grid, 10 replications, 240 ticks, default network) in five
minutes or less on two cores, and two workers at least 1.8 times as fast as one. Each sweep writes into a
temporary folder, so nothing under results/ is touched; the data of every worker count are checked to be
identical. On a shared machine other programs slow the timings down: for each sweep the script prints how many
processor-seconds the whole machine spent (from /proc/stat) and how many the sweep's runs used, so the rest is
what other programs took. Repeats (alternating worker counts) and best-of timings reduce that noise.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from plc_sim.experiments.execution.datasets import read_tables
from plc_sim.experiments.execution.sweep import run_sweep
from plc_sim.experiments.specs.spec import load_spec, parse_spec

ROOT = Path(__file__).resolve().parent.parent
FULL_SPEC = ROOT / "experiments" / "leadership_social_capital.toml"
TARGET_SECONDS = 300.0
TARGET_SPEEDUP = 1.8


def machine_busy_seconds() -> float:
    """Processor-seconds every core of this machine has spent busy since boot (Linux /proc/stat)."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    except OSError:
        return float("nan")
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="one replication per grid point instead of ten")
    parser.add_argument("--spec", type=Path, default=FULL_SPEC, help="experiment spec (default: the full one)")
    parser.add_argument("--workers", default="1,2", help="comma-separated worker counts (default 1,2)")
    parser.add_argument("--repeat", type=int, default=1, help="rounds over the worker counts (default 1)")
    args = parser.parse_args()
    spec = load_spec(args.spec)
    if args.quick:
        text = re.sub(r"(?m)^replications\s*=.*$", "replications = 1", spec.text)
        spec = parse_spec(text, source=f"{spec.source} (one replication)", default_name=spec.name)
    counts = [int(w) for w in args.workers.split(",")]
    print(f"{spec.name}: {spec.describe()}")
    print(f"cores available: {len(os.sched_getaffinity(0))}; load average before: "
          f"{', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    os.environ.setdefault("PLC_SIM_PROGRESS", "1")
    scratch = Path(tempfile.mkdtemp(prefix="bench_sweep_"))
    timings: dict[int, list[float]] = {w: [] for w in counts}
    tables = {}
    try:
        for round_ in range(args.repeat):
            for workers in counts:
                out = scratch / f"w{workers}-{round_}"
                busy, started, own = machine_busy_seconds(), time.perf_counter(), time.process_time()
                summary = run_sweep(spec, out, workers=workers)
                wall = time.perf_counter() - started
                # The parent's own work (collecting results, writing batches); with 1 worker it also ran the runs.
                parent = time.process_time() - own - (summary.cpu_seconds if workers == 1 else 0.0)
                others = machine_busy_seconds() - busy - summary.cpu_seconds - parent
                timings[workers].append(wall)
                tables.setdefault(workers, read_tables(out))
                shutil.rmtree(out)
                per_run = 1000 * summary.cpu_seconds / spec.run_count
                print(f"{workers} worker(s): {wall:.1f} s for {spec.run_count} runs ({spec.run_count / wall:.2f} "
                      f"runs/s); runs used {summary.cpu_seconds:.1f} processor-s ({per_run:.0f} ms per run), the "
                      f"sweep's parent {parent:.1f}; other programs used about {max(others, 0):.1f} processor-s "
                      f"meanwhile", flush=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    first = counts[0]
    for workers in counts[1:]:
        for name in tables[first]:
            pd.testing.assert_frame_equal(tables[first][name], tables[workers][name], check_exact=True)
    print(f"data identical for {', '.join(map(str, counts))} worker(s): yes")
    print(f"load average after: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    best = {w: min(t) for w, t in timings.items()}
    if args.repeat > 1:
        print("best of " + str(args.repeat) + ": " + ", ".join(f"{w} worker(s) {t:.1f} s" for w, t in best.items()))
    if 1 in best and 2 in best:
        speedup = best[1] / best[2]
        print(f"speed-up 2 workers vs 1: {speedup:.2f}x (target >= {TARGET_SPEEDUP}x): "
              f"{'met' if speedup >= TARGET_SPEEDUP else 'NOT met'}")
    if 2 in best and not args.quick and args.spec == FULL_SPEC:
        print(f"full experiment on 2 workers: {best[2]:.1f} s (target <= {TARGET_SECONDS:.0f} s): "
              f"{'met' if best[2] <= TARGET_SECONDS else 'NOT met'}")
    return 0


if __name__ == "__main__":  # the process pool's forkserver re-imports this module: keep the guard
    sys.exit(main())
