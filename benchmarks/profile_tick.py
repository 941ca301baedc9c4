"""Profile one tick: the share of its time spent in each rule of the schedule and in each measurement.

    .venv/bin/python benchmarks/profile_tick.py                      # 1, 20 and 2,000 schools of 40 teachers
    .venv/bin/python benchmarks/profile_tick.py --schools 20 --ticks 200

Each size runs in its own model (same process, one after the other) from the baseline preset, seed 1. After
``--warmup`` ticks (numba kernels load, caches fill), every rule of ``model.rules`` (the schedule, turnover last),
``Observer.observe`` (every measure and the network summary, in one compiled pass) and ``DataCollector.collect``
is wrapped in a ``time.perf_counter``
timer for ``--ticks`` ticks; ``model.step()`` itself is timed too, and what it spends outside the timed parts
(the loop, interventions, error handling, the timers themselves) is reported as "rest". On a shared machine the
absolute times move with the load; the shares within one run are what to compare.
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict
from contextlib import contextmanager

from simulation import PLCModel


def _timed(totals: dict[str, float], name: str, function):
    def timed(*args, **kwargs):
        start = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            totals[name] += time.perf_counter() - start
    return timed


@contextmanager
def timed_parts(model):
    """Time every rule of ``model`` and its measurement and collection while the block runs; yield seconds by
    part."""
    totals: dict[str, float] = defaultdict(float)
    rules, observe, collect = model.rules, model.observer.observe, model.datacollector.collect
    model.rules = {name: _timed(totals, name, rule) for name, rule in rules.items()}
    model.observer.observe = _timed(totals, "Observer.observe", observe)
    model.datacollector.collect = _timed(totals, "DataCollector.collect", collect)
    try:
        yield totals
    finally:
        model.rules, model.observer.observe, model.datacollector.collect = rules, observe, collect


def print_split(title: str, totals: dict[str, float], whole: float, ticks: int) -> None:
    """Print ms per tick and share of ``whole`` (seconds of the timed ``model.step()`` calls) for each part."""
    parts = dict(totals, rest=whole - sum(totals.values()))
    print(f"\n{title}: {1000 * whole / ticks:.2f} ms per tick")
    print(f"{'part':<24}{'ms/tick':>10}{'share':>8}")
    for name, seconds in parts.items():
        print(f"{name:<24}{1000 * seconds / ticks:>10.3f}{seconds / whole:>8.1%}")


def report(n_schools: int, teachers: int, warmup: int, ticks: int) -> None:
    model = PLCModel(preset="baseline", rng=1, n_schools=n_schools, teachers_per_school=teachers)
    for _ in range(warmup):
        model.step()
    with timed_parts(model) as totals:
        start = time.perf_counter()
        for _ in range(ticks):
            model.step()
        whole = time.perf_counter() - start
    mode = "parallel" if model.parallel_schools else "serial"
    print_split(f"{n_schools:,} schools x {teachers} teachers ({mode} schools): {ticks} ticks after {warmup} warm-up "
                "ticks",
                totals, whole, ticks)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schools", type=int, nargs="+", default=[1, 20, 2000])
    parser.add_argument("--teachers", type=int, default=40)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--ticks", type=int, default=None,
                        help="ticks timed per size (default: 2000 at 1 school, 500 at 20, 50 at 2,000 or more)")
    args = parser.parse_args()
    for n in args.schools:
        ticks = args.ticks or (2000 if n < 10 else 500 if n < 1000 else 50)
        report(n, args.teachers, args.warmup, ticks)


if __name__ == "__main__":
    main()
