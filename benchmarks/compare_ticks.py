"""Compare the tick time of two source trees of plc-sim, stepped in lockstep, on a shared and noisy machine.

    git worktree add /tmp/before <commit>                  # or: git archive <commit> | tar -x -C /tmp/before
    .venv/bin/python benchmarks/compare_ticks.py /tmp/before .

Each tree runs the default network (baseline preset, seed 1) in its own process, importing ``simulation`` from that
tree. The two take turns: a block of ``--ticks`` ticks in one, then a block in the other (who goes first alternates),
so each pair of blocks meets the same load. Reported: the median over pairs of the first tree's time over the
second's (above 1: the second is faster), in wall time and in the process's CPU time (which leaves out the time the
machine gave to other work), and each tree's median CPU time a tick. ``bench_model.py``'s ratio to BoltzmannWealth
moves by 2x from run to run at a load of 4 or more; this pairing moved by about 3%.
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
    print(time.perf_counter() - wall, time.thread_time() - cpu, flush=True)
"""


def start(tree: Path, ticks: int) -> subprocess.Popen:
    """A process stepping the default network of ``tree``'s ``simulation``, one block of ``ticks`` per line read."""
    environment = dict(os.environ, PYTHONPATH=str(tree))
    worker = subprocess.Popen([sys.executable, "-c", WORKER, str(ticks)], cwd=tree, env=environment,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    if worker.stdout.readline().strip() != "ready":
        raise SystemExit(f"compare_ticks: the model of {tree} did not start")
    return worker


def block(worker: subprocess.Popen) -> tuple[float, float]:
    """Wall and CPU seconds of one block."""
    worker.stdin.write("go\n")
    worker.stdin.flush()
    wall, cpu = worker.stdout.readline().split()
    return float(wall), float(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("first", type=Path, help="a source tree (the one before)")
    parser.add_argument("second", type=Path, help="another source tree (the one after)")
    parser.add_argument("--pairs", type=int, default=400)
    parser.add_argument("--ticks", type=int, default=20, help="ticks a block (20: two year ends in each)")
    args = parser.parse_args()
    for tree in (args.first, args.second):
        if not (tree / "simulation" / "model.py").is_file():
            raise SystemExit(f"compare_ticks: {tree} is not a plc-sim source tree (no simulation/model.py)")
    first, second = start(args.first.resolve(), args.ticks), start(args.second.resolve(), args.ticks)
    wall, cpu, cpu_first, cpu_second = [], [], [], []
    for pair in range(args.pairs):
        order = (first, second) if pair % 2 == 0 else (second, first)
        times = {worker: block(worker) for worker in order}
        wall.append(times[first][0] / times[second][0])
        cpu.append(times[first][1] / times[second][1])
        cpu_first.append(1e6 * times[first][1] / args.ticks)
        cpu_second.append(1e6 * times[second][1] / args.ticks)
    for worker in (first, second):
        worker.stdin.close()
        worker.wait()
    print(f"{args.pairs} pairs of blocks of {args.ticks} ticks; first / second, median over pairs: "
          f"wall {statistics.median(wall):.3f}, CPU {statistics.median(cpu):.3f}")
    print(f"CPU us a tick, median: first {statistics.median(cpu_first):.1f}, "
          f"second {statistics.median(cpu_second):.1f}")


if __name__ == "__main__":
    main()
