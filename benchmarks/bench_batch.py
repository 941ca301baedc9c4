"""Benchmark: batched replications (simulation.batch) against the same runs stepped one at a time.

For each network size, the same 64 seeded runs of the default parameters are stepped alone and in batches of each
size, in interleaved rounds (alone, then each batch size, then alone again ...); the figure is the median time per
run and tick over the rounds, and the ratio to stepping alone in the same round.

    .venv/bin/python benchmarks/bench_batch.py                       # 1, 6 and 20 schools; batches of 4-64
    .venv/bin/python benchmarks/bench_batch.py --schools 1 --batch 64 --rounds 9
    .venv/bin/python benchmarks/bench_batch.py --points                # every run at a parameter point of its own

``--points`` gives each run its own parameter point (:data:`RATES`, drawn per seed from their declared ranges, as a
calibration samples them), so a batch joins runs that differ in rates (``simulation.batch.VARYING``).
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from simulation import PLCModel
from simulation.batch import step_models
from simulation.parameters import PARAMS_BY_NAME

RATES = ("trust_growth_rate", "breach_loss", "vulnerability_threshold", "subgroup_discount", "succession_ramp_years",
         "codification_rate", "typical_satisfaction", "typical_health", "policy_churn_rate", "initiative_displacement",
         "initiative_diversion", "principal_trait_sd")
"""The rates ``--points`` draws for each run: those ``experiments/calibration.toml`` samples."""


def point(seed: int) -> dict[str, float]:
    """Run ``seed``'s own values of :data:`RATES`, drawn uniformly from their declared ranges."""
    draw = np.random.default_rng(seed)
    return {name: float(draw.uniform(PARAMS_BY_NAME[name].low, PARAMS_BY_NAME[name].high)) for name in RATES}


def per_run_tick(n_schools: int, runs: int, ticks: int, batch_size: int, points: bool = False) -> float:
    """Microseconds per run and tick of ``runs`` runs for ``ticks`` ticks (batch size 0: one at a time), each at
    its own parameter point if ``points``."""
    models = [PLCModel(rng=seed, n_schools=n_schools, **(point(seed) if points else {})) for seed in range(runs)]
    start = time.perf_counter()
    if batch_size == 0:
        for model in models:
            for _ in range(ticks):
                model.step()
    else:
        step_models(models, ticks, batch_size=batch_size)
    return (time.perf_counter() - start) * 1e6 / (runs * ticks)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schools", type=int, nargs="+", default=[1, 6, 20])
    parser.add_argument("--batch", type=int, nargs="+", default=[4, 16, 64])
    parser.add_argument("--runs", type=int, default=64)
    parser.add_argument("--ticks", type=int, default=120)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--points", action="store_true", help="each run at a parameter point of its own")
    args = parser.parse_args()
    step_models([PLCModel(rng=seed, n_schools=2) for seed in range(2)], 13)  # kernels loaded, both paths warm
    for n_schools in args.schools:
        alone, batched = [], {size: [] for size in args.batch}
        for _ in range(args.rounds):
            alone.append(per_run_tick(n_schools, args.runs, args.ticks, 0, args.points))
            for size in args.batch:
                batched[size].append(per_run_tick(n_schools, args.runs, args.ticks, size, args.points))
        cells = [f"alone {statistics.median(alone):.0f} us"]
        for size, times in batched.items():
            ratios = [a / b for a, b in zip(alone, times, strict=True)]
            cells.append(f"batch {size}: {statistics.median(times):.0f} us ({statistics.median(ratios):.2f}x, "
                         f"min {min(ratios):.2f}, max {max(ratios):.2f})")
        print(f"{n_schools} schools, {args.runs} runs{' at their own points' if args.points else ''} x {args.ticks} "
              "ticks, per run and tick, median of "
              f"{args.rounds} rounds: " + "; ".join(cells), flush=True)


if __name__ == "__main__":
    main()
