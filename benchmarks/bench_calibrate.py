"""Calibration throughput: sampled points x replications on 6 schools, as `plc-sim calibrate` measures them.

    .venv/bin/python benchmarks/bench_calibrate.py                   # 4 points of experiments/calibration.toml
    .venv/bin/python benchmarks/bench_calibrate.py --points 1000     # the issue's full figure (hours today)

Runs `experiments/calibration.toml` (4 replications per arm of every pattern, 6 schools) with its `samples`
replaced by ``--points``, with ``--workers`` local processes, into a temporary folder (nothing under results/ is
touched; the report is not drawn). It prints the wall time, the time per point, and, unless all 1,000 points
ran, the time 1,000 points would take at that rate: an EXTRAPOLATION, linear in the points (each point is
independent work; the store writes about 50 batches whatever the number), labelled as such. The bar (issue 21):
1,000 points x 4 replications in <= 20 minutes on two cores. The first points also pay for loading the compiled
kernels in each worker (a few seconds), so a small run slightly overstates the rate.
"""

from __future__ import annotations

import argparse
import re
import tempfile
import time
from pathlib import Path

from plc_sim.calibration.run import run_calibration
from plc_sim.calibration.spec import parse_calibration

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "experiments" / "calibration.toml"
FULL_POINTS = 1000
BAR_SECONDS = 20 * 60


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    text, count = re.subn(r"(?m)^samples = \d+", f"samples = {args.points}", SPEC.read_text(encoding="utf-8"))
    if count != 1:
        raise SystemExit(f"{SPEC}: expected one 'samples = N' line to replace, found {count}")
    spec = parse_calibration(text, source=str(SPEC), default_name="calibration")
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        summary = run_calibration(spec, Path(folder) / "out", workers=args.workers, progress=False, report=False)
        seconds = time.perf_counter() - start
    if not summary.complete:
        raise SystemExit("the calibration did not finish")
    per_point = seconds / args.points
    print(f"{args.points} points x {spec.setting.replications} replications on {spec.setting.n_schools} schools, "
          f"{args.workers} workers: {seconds:.1f} s ({per_point:.2f} s a point)")
    if args.points == FULL_POINTS:
        print(f"{FULL_POINTS} points measured: {seconds / 60:.1f} min (bar <= {BAR_SECONDS // 60} min)")
    else:
        print(f"EXTRAPOLATED to {FULL_POINTS} points at this rate: {per_point * FULL_POINTS / 60:.1f} min "
              f"(bar <= {BAR_SECONDS // 60} min; not measured)")


if __name__ == "__main__":
    main()
