"""Benchmark: agent-steps per second of plc-sim vs Mesa's BoltzmannWealth example, and peak memory of a big network.

Both models run in this one process, interleaved in rounds, so the reported ratio is robust to a shared, noisy
machine. Agent-steps are agents x ticks: for plc-sim, every teacher (and support-staff member) of every school;
for BoltzmannWealth, its 800 agents.

    .venv/bin/python benchmarks/bench_model.py            # speed ratio, and memory of 200 x 60 over 240 ticks
    .venv/bin/python benchmarks/bench_model.py --no-memory

Beside the default network: one school of 40 teachers stepped alone, and 64 replications of it stepped as one batch
(``simulation.batch``; each run as it would be alone).
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import statistics
import time

from mesa.examples.basic.boltzmann_wealth_model.model import BoltzmannScenario, BoltzmannWealth

from simulation import PLCModel
from simulation.batch import Batch

BATCH = 64


def steps_per_second(model, ticks: int) -> float:
    """Ticks per second of ``model`` over ``ticks`` steps."""
    start = time.perf_counter()
    for _ in range(ticks):
        model.step()
    return ticks / (time.perf_counter() - start)


def batch_steps_per_second(batch: Batch, ticks: int) -> float:
    """Ticks per second of every run of ``batch`` together over ``ticks`` steps."""
    start = time.perf_counter()
    for _ in range(ticks):
        batch.step()
    return ticks / (time.perf_counter() - start)


def speed(rounds: int, ticks: int) -> None:
    plc = PLCModel(preset="baseline", rng=1)  # the default networked scenario: 20 schools x 40 teachers
    plc_agents = plc.active_slots.size  # teachers (and support staff only when they take part)
    one = PLCModel(preset="baseline", rng=1, n_schools=1)  # one school of 40 teachers, alone
    batch = Batch([PLCModel(preset="baseline", rng=seed, n_schools=1) for seed in range(BATCH)])  # and 64 of them
    one_agents = one.active_slots.size
    boltzmann = BoltzmannWealth(BoltzmannScenario(n=800, width=28, height=28, rng=1))
    steps_per_second(plc, 10)  # warm-up: numba kernels load, caches fill
    steps_per_second(one, 10)
    batch_steps_per_second(batch, 10)
    steps_per_second(boltzmann, 10)
    ours, alone, batched, theirs = [], [], [], []
    for _ in range(rounds):
        ours.append(plc_agents * steps_per_second(plc, ticks))
        alone.append(one_agents * steps_per_second(one, ticks))
        batched.append(BATCH * one_agents * batch_steps_per_second(batch, ticks))
        theirs.append(800 * steps_per_second(boltzmann, ticks // 4))
    print(f"Mesa BoltzmannWealth (800 agents):                  median {statistics.median(theirs):,.0f} agent-steps/s")
    for label, rates, bar in ((f"plc-sim default network ({plc.p.n_schools} schools x {plc.p.teachers_per_school} "
                               f"teachers, {plc_agents} active member agents)", ours, "bar >= 10x"),
                              (f"one school of {one_agents} teachers", alone, "no bar"),
                              (f"one school of {one_agents} teachers as a batch of {BATCH} replications", batched,
                               "bar >= 20x")):
        ratios = [a / b for a, b in zip(rates, theirs, strict=True)]
        print(f"{label}: median {statistics.median(rates):,.0f} agent-steps/s; ratio per agent-step (median of "
              f"{rounds} interleaved rounds): {statistics.median(ratios):.1f}x (min {min(ratios):.1f}x, "
              f"max {max(ratios):.1f}x; {bar})")


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
