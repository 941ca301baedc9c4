"""Synthetic validation patterns with a known answer, for tests of the calibration machinery.

Each is a real :class:`Pattern`: it builds its arm with ``setting.params()``, runs short models on the runner
(so worker processes, seeds and a point's defaults are all exercised) and reads back what the model ran with.
They are module-level, so worker processes can receive them.
"""

from __future__ import annotations

import time

import numpy as np

from plc_sim.validation.core import Check, Expected, PatternResult, arm_tasks, by_arm
from plc_sim.validation.registry import Pattern

WINDOW = (0.3, 0.6)
"""The window pattern holds only where trust_growth_rate lies strictly inside this interval."""
TICKS = 2
WIDTH = 0.05
"""Half-width of the wide window pattern's interval."""


def read_growth(model) -> float:
    """What the model in the worker ran with, plus its mean trust (so the summary depends on the run)."""
    return float(model.p.trust_growth_rate), float(model.network_now["trust"])


def measure_window(runner, setting, expect=None) -> PatternResult:
    """Holds exactly when the point's trust_growth_rate lies inside ``WINDOW`` (as the models saw it)."""
    tasks = arm_tasks({"only": setting.params()}, setting.seeds(90), TICKS, read_growth)
    runs = by_arm(tasks, runner.run(tasks, "window"))["only"]
    seen = np.array([growth for growth, _ in runs])
    check = Check("growth rate seen by the models", float(seen.mean()), float(seen.min()), float(seen.max()),
                  "per conversation", Expected(f"inside {WINDOW}", above=WINDOW[0], below=WINDOW[1]))
    return PatternResult(90, "window", "A window on trust growth", "Holds inside a known interval.", "a test",
                         "one short run per replication", (check,), figure=None,
                         context={"mean trust": float(np.mean([trust for _, trust in runs]))})


def measure_wide_window(runner, setting, expect=None) -> PatternResult:
    """The window pattern measured imprecisely: its interval reaches ``WIDTH`` either side of the estimate."""
    result = measure_window(runner, setting, expect)
    check = result.checks[0]
    wide = Check(check.name, check.effect, check.effect - WIDTH, check.effect + WIDTH, check.unit, check.expected)
    return PatternResult(92, "wide", "A wide window", result.claim, result.source, result.design, (wide,), None)


def measure_slow_window(runner, setting, expect=None) -> PatternResult:
    """The window pattern, slowed down so a test can kill a calibration part way."""
    time.sleep(0.4)
    return measure_window(runner, setting, expect)


def measure_always(runner, setting, expect=None) -> PatternResult:
    """Holds everywhere: a pattern that never constrains."""
    check = Check("always", 1.0, 1.0, 1.0, "", Expected("> 0", above=0.0))
    return PatternResult(91, "always", "Always holds", "", "a test", "", (check,), figure=None)


WINDOW_PATTERN = Pattern(90, "window", measure_window)
WIDE_PATTERN = Pattern(92, "wide", measure_wide_window)
SLOW_WINDOW_PATTERN = Pattern(90, "window", measure_slow_window)
ALWAYS_PATTERN = Pattern(91, "always", measure_always)
