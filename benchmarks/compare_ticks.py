"""Compare the tick time of two source trees of plc-sim, stepped in lockstep, on a shared and noisy machine.

    git worktree add /tmp/before <commit>                  # or: git archive <commit> | tar -x -C /tmp/before
    .venv/bin/python benchmarks/compare_ticks.py /tmp/before .

Each tree runs the default network (baseline preset, seed 1) in its own process, importing ``simulation`` from that
tree. The two take turns: a block of ``--ticks`` ticks in one, then a block in the other (who goes first alternates),
so each pair of blocks meets the same load. Reported: the median over pairs of the first tree's time over the
second's (above 1: the second is faster), in wall time and in the process's CPU time (which leaves out the time the
machine gave to other work), and each tree's median CPU time a tick. ``bench_model.py``'s ratio to BoltzmannWealth
moves by 2x from run to run at a load of 4 or more; this pairing moved by about 3%.

``--pattern KEY`` compares what ``plc-sim validate`` spends its time on instead: each tree plans that validation
pattern at report strength and groups its runs into batches as its own ``validation.core.batched`` does; a block
is one batch of 8 runs (``validation.core.run_indexed``: building, stepping and summarizing them), the batches
taken in turn. The trees' batches need not hold the same runs (a tree may join arms that another keeps apart), so
the figure is each tree's CPU time per run-tick (summed over its blocks) and their ratio.

    .venv/bin/python benchmarks/compare_ticks.py /tmp/before . --pattern causes --pairs 16
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

WORKER = """
import sys, time
from simulation import PLCModel
model = PLCModel(preset="baseline", rng=1)
for _ in range(30):
    model.step()
ticks = int(sys.argv[1])
print("ready", flush=True)
for _ in sys.stdin:
    wall, cpu = time.perf_counter(), time.thread_time()
    for _ in range(ticks):
        model.step()
    print(time.perf_counter() - wall, time.thread_time() - cpu, ticks, flush=True)
"""

VALIDATION_WORKER = """
import sys, time
from plc_sim.validation import core
from plc_sim.validation.registry import _measure, select_patterns
planner = core._Planner()
try:
    _measure(select_patterns([sys.argv[1]])[0], core.SETTINGS["full"], None, planner)
except core._Planned:
    pass
units = [unit for unit in core.batched(planner.tasks, 2) if len(unit) == 8]
core.run_indexed(units[0][:2])
print("ready", flush=True)
for block, _ in enumerate(sys.stdin):
    unit = units[block % len(units)]
    wall, cpu = time.perf_counter(), time.thread_time()
    core.run_indexed(unit)
    print(time.perf_counter() - wall, time.thread_time() - cpu, len(unit) * unit[0][1].ticks, flush=True)
"""


def start(tree: Path, ticks: int, pattern: str | None = None) -> subprocess.Popen:
    """A process stepping the default network of ``tree``'s ``simulation``, one block of ``ticks`` per line read (or,
    with ``pattern``, one batch of that validation pattern's runs a block)."""
    environment = dict(os.environ, PYTHONPATH=str(tree))
    code, argument = (WORKER, str(ticks)) if pattern is None else (VALIDATION_WORKER, pattern)
    worker = subprocess.Popen([sys.executable, "-c", code, argument], cwd=tree, env=environment,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    if worker.stdout.readline().strip() != "ready":
        raise SystemExit(f"compare_ticks: the model of {tree} did not start")
    return worker


def block(worker: subprocess.Popen) -> tuple[float, float, int]:
    """Wall and CPU seconds of one block, and its run-ticks."""
    worker.stdin.write("go\n")
    worker.stdin.flush()
    wall, cpu, run_ticks = worker.stdout.readline().split()
    return float(wall), float(cpu), int(run_ticks)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("first", type=Path, help="a source tree (the one before)")
    parser.add_argument("second", type=Path, help="another source tree (the one after)")
    parser.add_argument("--pairs", type=int, default=400)
    parser.add_argument("--ticks", type=int, default=20, help="ticks a block (20: two year ends in each)")
    parser.add_argument("--pattern", help="blocks of this validation pattern's batches instead (a key: causes, ...)")
    args = parser.parse_args()
    for tree in (args.first, args.second):
        if not (tree / "simulation" / "model.py").is_file():
            raise SystemExit(f"compare_ticks: {tree} is not a plc-sim source tree (no simulation/model.py)")
    first, second = (start(tree.resolve(), args.ticks, args.pattern) for tree in (args.first, args.second))
    blocks: dict[subprocess.Popen, list[tuple[float, float, int]]] = {first: [], second: []}
    for pair in range(args.pairs):
        for worker in (first, second) if pair % 2 == 0 else (second, first):
            blocks[worker].append(block(worker))
    for worker in (first, second):
        worker.stdin.close()
        worker.wait()
    # each block's times per run-tick (a tick of the one run, or of a batch's runs), so blocks of other sizes pair
    wall, cpu = ([(a[k] / a[2]) / (b[k] / b[2]) for a, b in zip(blocks[first], blocks[second], strict=True)]
                 for k in (0, 1))
    what = f"one batch of {args.pattern}" if args.pattern else f"{args.ticks} ticks"
    print(f"{args.pairs} pairs of blocks of {what}; first / second a run-tick, median over pairs: "
          f"wall {statistics.median(wall):.3f}, CPU {statistics.median(cpu):.3f}")
    print("CPU us a run-tick, median over blocks: " + ", ".join(
        f"{name} {statistics.median(1e6 * b[1] / b[2] for b in blocks[worker]):.1f}"
        for name, worker in (("first", first), ("second", second))))


if __name__ == "__main__":
    main()
