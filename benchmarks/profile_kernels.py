"""Time each compiled kernel of a tick alone: its arguments taken from a real call, the call repeated many times.

    .venv/bin/python benchmarks/profile_kernels.py                   # the default network, 20 x 40
    .venv/bin/python benchmarks/profile_kernels.py --schools 1 --calls 20000

The baseline preset, seed 1, after ``--warmup`` ticks: each rule with a kernel is called once more with a kernel
that keeps a copy of its arguments, and the kernel is then called ``--calls`` times on that copy (kernels that write
in place keep writing into the copy, so trust and knowledge drift a little; the work per call is the same).
Also timed: the month's draws of the dialogue rule (``model.rng.random``), the measurement's compiled pass
(``Observer.measure``: the trust summary and ``_observe``) and the network summary (``_summarize``). Each figure
is the fastest of five repeats (the least disturbed by other work on a shared machine), in microseconds per call,
including numba's dispatch (unpacking the named tuples of arrays costs about 1-3 us a call).
"""

from __future__ import annotations

import argparse
import copy
import time

import numpy as np

from simulation import PLCModel, kernels, rules
from simulation.measures import NETWORK_MEASURES, _summarize
from simulation.state import active_per_school

RULE_KERNELS = (("leadership", "share_leadership"), ("dialogue", "converse"), ("learning", "learn"),
                ("trust", "update_trust"), ("engagement", "engage"), ("memory", "codify"), ("networking", "bridge"))
"""Each rule with a kernel, and its kernel's name in :mod:`simulation.kernels`."""


def fastest(call, calls: int) -> float:
    """Microseconds per call of ``call()``: the fastest of five repeats of ``calls`` calls."""
    call()
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(calls):
            call()
        best = min(best, (time.perf_counter() - start) / calls)
    return 1e6 * best


def captured_arguments(model, rule, kernel) -> tuple:
    """The arguments ``rule`` passes ``kernel`` when called on ``model`` now (copied)."""
    kept = []

    def keeping(*args):
        kept.append(copy.deepcopy(args))
        return kernel(*args)

    rule(model, kernel=keeping)
    return kept[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schools", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--calls", type=int, default=2000)
    args = parser.parse_args()
    model = PLCModel(preset="baseline", rng=1, n_schools=args.schools)
    for _ in range(args.warmup):
        model.step()
    print(f"{args.schools} schools x {model.p.teachers_per_school} teachers, us per call (fastest of five repeats "
          f"of {args.calls} calls)")
    for name, kernel_name in RULE_KERNELS:
        if name == "networking" and model.links.shape[0] == 0:
            continue
        kernel = getattr(kernels, kernel_name)
        arguments = captured_arguments(model, getattr(rules, name), kernel)
        seconds = fastest(lambda kernel=kernel, arguments=arguments: kernel(*arguments), args.calls)
        print(f"  {name + ': ' + kernel_name:<32}{seconds:>9.2f}")
    p = model.p
    draws = 2 * p.n_schools * active_per_school(p) * p.conversations_per_tick + p.n_schools * active_per_school(p)
    rng = copy.deepcopy(model.rng)
    print(f"  {f'dialogue draws ({draws:,})':<32}{fastest(lambda: rng.random(draws), args.calls):>9.2f}")
    observer = copy.deepcopy(model.observer)
    table, summary = observer.series.next_rows()
    print(f"  {'Observer.measure':<32}"
          f"{fastest(lambda: observer.measure(model, table, summary, False, True), args.calls):>9.2f}")
    network = np.empty(len(NETWORK_MEASURES))
    print(f"  {'_summarize':<32}{fastest(lambda: _summarize(table, network, p.teachers_per_school), args.calls):>9.2f}")


if __name__ == "__main__":
    main()
