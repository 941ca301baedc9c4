"""Time each compiled kernel of a tick alone: its arguments taken from a real call, the call repeated many times.

    .venv/bin/python benchmarks/profile_kernels.py                   # the default network, 20 x 40
    .venv/bin/python benchmarks/profile_kernels.py --schools 1 --calls 20000

The baseline preset, seed 1, after ``--warmup`` ticks: each rule with a kernel is called once more with a kernel
that keeps a copy of its arguments, and the kernel is then called ``--calls`` times on that copy (kernels that write
in place keep writing into the copy, so trust and knowledge drift a little; the work per call is the same).
Also timed: the month's draws of the dialogue rule (``model.rng.random``), the measurement's compiled pass
(``Observer.measure``: the trust summary and ``_observe``) and the network summary (``_summarize``). Each figure
is the fastest of five repeats (the least disturbed by other work on a shared machine), in microseconds per call,
called as the rules call them (``kernels.call``: plain tuples, numba's dispatch included).

``--ceiling`` adds up a tick's compiled work and draws (every line above, once each, plus ``school_talk`` and the
trust and networking rules' draws) and sets it against a whole tick and Mesa's BoltzmannWealth, both timed the same
way in this process: the agent-steps a second the model would reach if a tick cost only that sum (no Python around
the kernels, no year end, no Mesa clock), as a ratio to BoltzmannWealth per agent-step. It is the ratio no engine
that keeps each seeded run's draws and arithmetic can pass with today's kernels. ``--runs N`` reads the schools as
N runs of a batch (``simulation.batch``), each a Mesa model whose clock moves every tick: the ceiling with N of
Mesa's clocks (a bare ``mesa.Model``'s step, timed the same way) added to the sum.

    .venv/bin/python benchmarks/profile_kernels.py --ceiling                         # the default network (30x bar)
    .venv/bin/python benchmarks/profile_kernels.py --ceiling --schools 64 --network none --runs 64   # 20x bar
"""

from __future__ import annotations

import argparse
import copy
import time
from dataclasses import dataclass

import numpy as np

from simulation import ParameterError, PLCModel, kernels, rules
from simulation.kernels import Talk
from simulation.measures import NETWORK_MEASURES, _summarize
from simulation.presets import preset_params
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


BOLTZMANN_WARMUP = 250
"""Ticks BoltzmannWealth runs before it is timed: about as many as ``bench_model.py``'s warm-up and rounds."""


def boltzmann_agent_steps(ticks: int) -> float:
    """Agent-steps a second of Mesa's BoltzmannWealth (800 agents, as ``bench_model.py`` runs it): the fastest of five
    repeats of ``ticks`` ticks."""
    from mesa.examples.basic.boltzmann_wealth_model.model import BoltzmannScenario, BoltzmannWealth

    boltzmann = BoltzmannWealth(BoltzmannScenario(n=800, width=28, height=28, rng=1))
    for _ in range(BOLTZMANN_WARMUP):  # its wealth spreads out, and fewer agents have any to give, over the first ticks
        boltzmann.step()
    return 800 / (fastest(boltzmann.step, ticks) / 1e6)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schools", type=int, default=20)
    parser.add_argument("--network", default=None, help="network_type (default: the preset's)")
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--ceiling", action="store_true",
                        help="add up a tick's compiled work and draws; set it against a tick and BoltzmannWealth")
    parser.add_argument("--runs", type=int, default=1, help="with --ceiling: the schools as this many runs of a batch")
    args = parser.parse_args()
    if args.runs != 1 and not args.ceiling:
        parser.error("--runs is read only with --ceiling")
    if args.runs < 1 or args.schools % args.runs:
        parser.error(f"--runs: {args.runs} does not split {args.schools} schools into equal runs; expected a "
                     f"divisor of --schools")
    network = {} if args.network is None else {"network_type": args.network}
    try:
        params = preset_params("baseline", {"n_schools": args.schools, **network})
    except ParameterError as error:
        parser.error(str(error))
    reference = Reference.measured(args.calls) if args.ceiling else None  # before a big model's heap slows it
    model = PLCModel(params=params, rng=1)
    for _ in range(args.warmup):
        model.step()
    print(f"{args.schools} schools x {model.p.teachers_per_school} teachers, us per call (fastest of five repeats "
          f"of {args.calls} calls)")
    tick = {}

    def timed(label: str, call) -> None:
        tick[label] = fastest(call, args.calls)
        print(f"  {label:<32}{tick[label]:>9.2f}")

    for name, kernel_name in RULE_KERNELS:
        if name == "networking" and model.links.shape[0] == 0:
            continue
        kernel = getattr(kernels, kernel_name)
        arguments = captured_arguments(model, getattr(rules, name), kernel)
        timed(f"{name}: {kernel_name}", lambda kernel=kernel, arguments=arguments: kernels.call(kernel, *arguments))
    p = model.p
    draws = 2 * p.n_schools * active_per_school(p) * p.conversations_per_tick + p.n_schools * active_per_school(p)
    rng = copy.deepcopy(model.rng)
    timed(f"dialogue draws ({draws:,})", lambda: rng.random(draws))
    observer = copy.deepcopy(model.observer)
    table, summary = observer.series.next_rows()
    timed("Observer.measure", lambda: observer.measure(model, table, summary, False, True))
    network_row = np.empty(len(NETWORK_MEASURES))
    timed("_summarize", lambda: _summarize(table, network_row, p.teachers_per_school))
    if args.ceiling:
        ceiling(model, tick, timed, args.calls, args.runs, reference)


@dataclass
class Reference:
    """What the ceiling is set against: BoltzmannWealth's agent-steps a second and Mesa's clock (a bare
    ``mesa.Model``'s ``step()``, whose own step does nothing), in microseconds a tick."""

    boltzmann: float
    clock: float

    @classmethod
    def measured(cls, calls: int) -> Reference:
        import mesa

        class Bare(mesa.Model):
            def step(self) -> None:
                pass

        return cls(boltzmann_agent_steps(max(calls // 40, 50)), fastest(Bare(rng=1).step, calls))

    def slower(self, other: Reference) -> Reference:
        """The slower BoltzmannWealth and the faster clock of two measurements: the more generous ceiling."""
        return Reference(min(self.boltzmann, other.boltzmann), min(self.clock, other.clock))


def ceiling(model, tick: dict[str, float], timed, calls: int, runs: int, before: Reference) -> None:
    """Print the sum of a tick's compiled work and draws, a whole tick, and the ratio to BoltzmannWealth per agent-step
    that the sum alone would allow; with ``runs`` above 1, also with one Mesa clock per run. BoltzmannWealth and the
    clock are timed before the model is built and again after; the more generous of the two is used."""
    talk, m, p = model.meetings, model.members, model.p  # this month's conversations
    rng = copy.deepcopy(model.rng)
    extra = {
        "dialogue: school_talk": lambda: kernels.call(
            kernels.school_talk, Talk.of(talk), m.school, p.n_schools, active_per_school(p), p.subgroup_discount),
        f"trust draws ({2 * talk.a.size:,})": lambda: rng.random(2 * talk.a.size),
    }
    if model.links.shape[0]:
        extra[f"networking draws ({model.links.shape[0]:,})"] = lambda: rng.random(model.links.shape[0])
    for label, call in extra.items():
        timed(label, call)
    compiled = sum(tick.values())
    whole = fastest(model.step, max(calls // 20, 1))
    after = Reference.measured(calls)
    reference = before.slower(after)
    agents = model.active_slots.size

    def ratio(us_a_tick: float) -> str:
        return f"{agents / us_a_tick * 1e6:,.0f} agent-steps/s, {agents / us_a_tick * 1e6 / reference.boltzmann:.1f}x"

    print(f"\nMesa BoltzmannWealth: {before.boltzmann:,.0f} agent-steps/s before the model was built, "
          f"{after.boltzmann:,.0f} after; Mesa's clock {before.clock:.2f} us and {after.clock:.2f} us a tick")
    print(f"a whole tick (fastest of five repeats of {max(calls // 20, 1)} ticks): {whole:.1f} us: {ratio(whole)}")
    print(f"a tick's compiled work and draws, added up: {compiled:.1f} us ({compiled / whole:.0%} of the tick); "
          f"the ceiling, a tick costing only that: {ratio(compiled)} BoltzmannWealth per agent-step")
    if runs > 1:
        with_clocks = compiled + runs * reference.clock
        print(f"as {runs} runs of {p.n_schools // runs} school(s), each with its Mesa clock ({with_clocks:.1f} us a "
              f"tick): {ratio(with_clocks)} BoltzmannWealth per agent-step")


if __name__ == "__main__":
    main()
