"""Benchmark: agent-steps per second of plc-sim vs Mesa's BoltzmannWealth example, and peak memory of a big network.

Both models run in this one process, interleaved in rounds, so the reported ratio is robust to a shared, noisy
machine. Agent-steps are agents x ticks: for plc-sim, every teacher (and support-staff member) of every school;
for BoltzmannWealth, its 800 agents.

    .venv/bin/python benchmarks/bench_model.py            # speed ratio, and memory of 200 x 60 over 240 ticks
    .venv/bin/python benchmarks/bench_model.py --no-memory
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import statistics
import time

from mesa.examples.basic.boltzmann_wealth_model.model import BoltzmannScenario, BoltzmannWealth

from simulation import PLCModel


def steps_per_second(model, ticks: int) -> float:
    """Ticks per second of ``model`` over ``ticks`` steps."""
    start = time.perf_counter()
    for _ in range(ticks):
        model.step()
    return ticks / (time.perf_counter() - start)


def speed(rounds: int, ticks: int) -> None:
    plc = PLCModel(preset="baseline", rng=1)  # the default networked scenario: 20 schools x 40 teachers
    plc_agents = plc.active_slots.size  # teachers (and support staff only when they take part)
    boltzmann = BoltzmannWealth(BoltzmannScenario(n=800, width=28, height=28, rng=1))
    steps_per_second(plc, 10)  # warm-up: numba kernels load, caches fill
    steps_per_second(boltzmann, 10)
    ours, theirs = [], []
    for _ in range(rounds):
        ours.append(plc_agents * steps_per_second(plc, ticks))
        theirs.append(800 * steps_per_second(boltzmann, ticks // 4))
    ratios = [a / b for a, b in zip(ours, theirs, strict=True)]
    print(f"plc-sim default network ({plc.p.n_schools} schools x {plc.p.teachers_per_school} teachers, "
          f"{plc_agents} active member agents): median {statistics.median(ours):,.0f} agent-steps/s")
    print(f"Mesa BoltzmannWealth (800 agents):                  median {statistics.median(theirs):,.0f} agent-steps/s")
    print(f"ratio per agent-step (median of {rounds} interleaved rounds): {statistics.median(ratios):.1f}x "
          f"(min {min(ratios):.1f}x, max {max(ratios):.1f}x; bar >= 10x)")


def _big_run(ticks: int) -> None:
    model = PLCModel(rng=1, n_schools=200, teachers_per_school=60)
    for _ in range(ticks):
        model.step()


def memory(ticks: int) -> None:
    """Peak resident memory of a 200-school x 60-teacher run, measured in a fresh child process."""
    context = multiprocessing.get_context("spawn")
    start = time.perf_counter()
    child = context.Process(target=_big_run, args=(ticks,))
    child.start()
    child.join()
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(f"200 schools x 60 teachers, {ticks} ticks: {time.perf_counter() - start:.1f} s, "
          f"peak memory {peak_kib / 1024**2:.2f} GiB (bar <= 2 GiB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--ticks", type=int, default=200)
    parser.add_argument("--memory-ticks", type=int, default=240)
    parser.add_argument("--no-memory", action="store_true")
    args = parser.parse_args()
    speed(args.rounds, args.ticks)
    if not args.no_memory:
        memory(args.memory_ticks)


if __name__ == "__main__":
    main()
