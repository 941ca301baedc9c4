"""Profile of ``plc-sim validate``: where its wall time goes, pattern by pattern, and how busy the workers are.

Runs the patterns as the command does (``run_patterns``, then ``write_report`` into a temporary folder; it runs
against the tree before one queue too, ``PYTHONPATH=that/tree``) with timers
around each worker batch (building the models, stepping them, summarizing them, pickling the summaries) and around
each pattern's statistics and figure in this process, and the report. Batches are told apart by their seeds (each
pattern draws its own).

    .venv/bin/python benchmarks/profile_validate.py                 # report strength, 2 workers
    .venv/bin/python benchmarks/profile_validate.py --fast --only memory
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import pickle
import tempfile
import time
from pathlib import Path

from plc_sim.validation import core
from plc_sim.validation import report as report_module
from plc_sim.validation.core import SETTINGS
from plc_sim.validation.registry import run_patterns, select_patterns
from simulation import PLCModel
from simulation.batch import step_models

LOG = Path(tempfile.mkdtemp(prefix="profile_validate_")) / "batches.jsonl"
PARTS = ("build", "step", "summarize", "pickle")


def timed_run_indexed(items):
    """``core.run_indexed`` with a timer around each of its parts, logged to :data:`LOG` (one line a batch)."""
    marks = [time.perf_counter()]
    models = [PLCModel(params=task.params, rng=task.seed) for _, task in items]
    marks.append(time.perf_counter())
    step_models(models, items[0][1].ticks, batch_size=len(items))
    marks.append(time.perf_counter())
    pairs = [(index, task.summarize(model)) for (index, task), model in zip(items, models, strict=True)]
    marks.append(time.perf_counter())
    size = len(pickle.dumps(pairs))
    marks.append(time.perf_counter())
    record = {"seed": items[0][1].seed, "runs": len(items), "start": marks[0], "end": marks[-1], "bytes": size}
    record |= {part: marks[i + 1] - marks[i] for i, part in enumerate(PARTS)}
    with open(LOG, "a") as log:
        log.write(json.dumps(record) + "\n")
    return pairs


def timed(pattern, calls: dict, seeds: dict):
    """``pattern`` whose every ``measure`` call is timed into ``calls[key]``, its tasks' seeds kept in ``seeds``."""
    plain, key = pattern.measure, pattern.key

    def measure(runner, setting, expect=None):
        spans = calls.setdefault(key, [])
        spans.append((time.perf_counter(), None))
        try:
            return plain(runner, setting, expect=expect)
        finally:
            seeds.update({task.seed: key for task in getattr(runner, "tasks", ())})  # a planning call's tasks
            spans[-1] = (spans[-1][0], time.perf_counter())

    return dataclasses.replace(pattern, measure=measure)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fast", action="store_true")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--only", action="append", default=[])
    args = parser.parse_args()
    setting = SETTINGS["fast" if args.fast else "full"]
    core.run_indexed = timed_run_indexed
    calls: dict[str, list] = {}
    seeds: dict[int, str] = {}
    plain_run = core.Runner.run

    def run(self, tasks, desc):  # a runner per pattern (the tree before one queue): its tasks' seeds
        seeds.update({task.seed: next(reversed(calls)) for task in tasks})
        return plain_run(self, tasks, desc)

    core.Runner.run = run
    patterns = [timed(pattern, calls, seeds) for pattern in select_patterns(args.only)]
    load = os.getloadavg()[0]
    began = time.perf_counter()
    figures: dict[str, bytes] = {}
    if hasattr(report_module, "figure_png"):  # as the command does: each figure drawn as its pattern finishes
        results = run_patterns(setting, patterns, args.workers, progress=False,
                               done=lambda result: figures.setdefault(result.key, report_module.figure_png(result)))
    else:  # the tree before: every figure drawn by write_report
        results = run_patterns(setting, patterns, args.workers, progress=False)
    measured = time.perf_counter()
    drawn = {"figures": figures} if figures else {}
    report_module.write_report(results, setting, LOG.parent / "report", **drawn)
    ended = time.perf_counter()
    batches = [json.loads(line) for line in LOG.read_text().splitlines()]
    print(f"{setting.name}, {args.workers} workers, load {load:.1f} -> {os.getloadavg()[0]:.1f}, "
          f"{os.environ.get('PROFILE_LABEL', '')}")
    report(batches, calls, seeds, began, measured, ended, args.workers)


def report(batches, calls, seeds, began, measured, ended, workers) -> None:
    """Print the shares: per pattern (worker time, when its runs were back, its statistics and figure), per part of a
    batch, and the workers' idle time."""
    wall = ended - began
    busy = sum(b["end"] - b["start"] for b in batches)
    print(f"wall {wall:.1f} s; {len(batches)} batches, {sum(b['runs'] for b in batches)} runs; workers busy "
          f"{busy:.1f} s of {workers} x {wall:.1f} s ({busy / (workers * wall):.0%}); the last batch ended "
          f"{ended - max(b['end'] for b in batches):.1f} s before the end")
    print(f"{'pattern':<16}{'batches':>8}{'worker s':>10}{'share':>7}{'runs back at s':>16}{'stats+figure s':>16}")
    for key, spans in calls.items():
        own = [b for b in batches if seeds.get(b["seed"]) == key]
        seconds = sum(b["end"] - b["start"] for b in own)
        back = max((b["end"] for b in own), default=spans[-1][0])
        print(f"{key:<16}{len(own):8d}{seconds:10.1f}{seconds / busy:7.0%}{back - began:16.1f}"
              f"{spans[-1][1] - max(back, spans[-1][0]):16.2f}")
    print(f"{'report':<16}{'':8}{'':10}{'':7}{'':16}{ended - measured:16.2f}  (figures saved, after every pattern)")
    print("inside the batches: " + ", ".join(f"{part} {sum(b[part] for b in batches):.1f} s "
                                            f"({sum(b[part] for b in batches) / busy:.0%})" for part in PARTS)
          + f"; {sum(b['bytes'] for b in batches) / 1e6:.1f} MB of summaries")


if __name__ == "__main__":
    main()
