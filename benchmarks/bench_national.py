"""Benchmark: a national network (100,000 schools x 40 teachers, 10 school years): wall time, peak memory, and
where a tick goes.

    .venv/bin/python benchmarks/bench_national.py                          # 100,000 schools, 100 ticks
    .venv/bin/python benchmarks/bench_national.py --schools 1000 10000 100000 --ticks 10   # memory against size

Each size runs in a fresh child process (so each peak is its own), from the baseline preset with seed 1. The child
reports the time to build the model, the time of the ticks split by rule and measurement (as
``benchmarks/profile_tick.py`` does, with no warm-up: the first tick includes loading the compiled kernels), and
its peak resident memory (``ru_maxrss``) after building, after the first tick and at the end. With
``PLC_SIM_PARALLEL_SCHOOLS=1`` the children run the parallel kernels (``simulation.PLCModel``). Bars (issue 21):
100 ticks in <= 2 minutes on two cores, peak memory <= 8 GiB.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from profile_tick import print_split, timed_parts  # noqa: E402

from simulation import PLCModel  # noqa: E402


def _peak_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def child(n_schools: int, teachers: int, ticks: int) -> None:
    """Run one size and print its figures as one JSON line."""
    start = time.perf_counter()
    model = PLCModel(preset="baseline", rng=1, n_schools=n_schools, teachers_per_school=teachers)
    build = time.perf_counter() - start
    peaks = {"built": _peak_gib()}
    with timed_parts(model) as totals:
        start = time.perf_counter()
        for tick in range(1, ticks + 1):
            model.step()
            if tick == 1:
                peaks["tick 1"] = _peak_gib()
        whole = time.perf_counter() - start
    peaks[f"tick {ticks}"] = _peak_gib()
    print(json.dumps({"build": build, "whole": whole, "totals": totals, "peaks": peaks,
                      "parallel": model.parallel_schools}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schools", type=int, nargs="+", default=[100_000])
    parser.add_argument("--teachers", type=int, default=40)
    parser.add_argument("--ticks", type=int, default=100)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.schools[0], args.teachers, args.ticks)
        return
    for n in args.schools:
        command = [sys.executable, __file__, "--child", "--schools", str(n), "--teachers", str(args.teachers),
                   "--ticks", str(args.ticks)]
        result = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)
        whole, build = result["whole"], result["build"]
        mode = "parallel" if result["parallel"] else "serial"
        print(f"\n{n:,} schools x {args.teachers} teachers, {args.ticks} ticks ({mode} schools): build {build:.1f} s, "
              f"ticks {whole:.1f} s, total {build + whole:.1f} s (bar <= 120 s); peak memory "
              + ", ".join(f"{gib:.2f} GiB {when}" for when, gib in result["peaks"].items()) + " (bar <= 8 GiB)")
        print_split(f"{n:,} schools, split of the {args.ticks} ticks", result["totals"], whole, args.ticks)


if __name__ == "__main__":
    main()
