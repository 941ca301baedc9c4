"""The registered validation patterns, how to choose some, and how to measure them at a setting.

``plc-sim validate`` and ``plc-sim calibrate`` both read patterns from here; a test or a study can also hand
:func:`run_patterns` patterns of its own (any :class:`Pattern` whose ``measure`` has the signature of the
``pattern_*`` functions in :mod:`plc_sim.validation.patterns`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial

from plc_sim.core.errors import InputError
from plc_sim.validation.causes import pattern_causes
from plc_sim.validation.core import Expected, PatternResult, Setting, measure_together
from plc_sim.validation.patterns import (
    pattern_inquiry,
    pattern_memory,
    pattern_networks,
    pattern_subcultures,
    pattern_succession,
    pattern_trust,
    pattern_turnover,
)
from plc_sim.validation.steady import pattern_steady


@dataclass(frozen=True)
class Pattern:
    """A registered pattern: its number, key (for ``--only``) and the function that measures it.

    ``measure(runner, setting, expect=None)`` returns a :class:`PatternResult`; it must be a module-level
    function, so a calibration can send it to worker processes. It is called twice (:func:`measure_together`):
    once to learn the tasks of its first ``runner.run``, stopped there, and once with their summaries.
    """

    number: int
    key: str
    measure: Callable[..., PatternResult]


PATTERNS: tuple[Pattern, ...] = (
    Pattern(1, "turnover", pattern_turnover),
    Pattern(2, "succession", pattern_succession),
    Pattern(3, "trust", pattern_trust),
    Pattern(4, "subcultures", pattern_subcultures),
    Pattern(5, "inquiry", pattern_inquiry),
    Pattern(6, "networks", pattern_networks),
    Pattern(7, "memory", pattern_memory),
    Pattern(8, "steady", pattern_steady),
    Pattern(9, "causes", pattern_causes),
)


def select_patterns(only: Sequence[str] | None, field: str = "--only",
                    patterns: Sequence[Pattern] = PATTERNS) -> list[Pattern]:
    """The patterns named in ``only`` (keys or numbers), in report order; all of them when ``only`` is empty.

    An unknown name raises :class:`InputError` naming ``field``.
    """
    if not only:
        return list(patterns)
    names = {p.key: p for p in patterns} | {str(p.number): p for p in patterns}
    unknown = [name for name in only if str(name) not in names]
    if unknown:
        raise InputError(f"{field}: {unknown[0]!r} is not a pattern; choose from "
                         + ", ".join(f"{p.number} {p.key}" for p in patterns))
    chosen = {names[str(name)].number for name in only}
    return [p for p in patterns if p.number in chosen]


def run_patterns(setting: Setting, patterns: Sequence[Pattern], workers: int = 1,
                 expect: Mapping[str, Mapping[str, Expected]] | None = None,
                 progress: bool = True, done: Callable[[PatternResult], None] | None = None) -> list[PatternResult]:
    """Measure ``patterns`` at ``setting``, every pattern's runs in one queue (:func:`measure_together`); ``expect``
    replaces expectations by pattern key and check name; ``done(result)`` is called as each pattern finishes."""
    expect = expect or {}
    measures = [partial(_measure, pattern, setting, expect.get(pattern.key)) for pattern in patterns]
    return measure_together(measures, workers, progress,
                            done=None if done is None else lambda _, result: done(result))


def run_points(settings: Sequence[Setting], patterns: Sequence[Pattern]) -> list[list[PatternResult]]:
    """:func:`run_patterns` at each of ``settings`` (a calibration's points), in this process, every point's runs in
    one queue: runs of points that differ only in rates step in shared batches
    (:func:`plc_sim.validation.core.batched`), each as it would alone."""
    measures = [partial(_measure, pattern, setting, None) for setting in settings for pattern in patterns]
    results = measure_together(measures, workers=1, progress=False)
    return [results[k * len(patterns):(k + 1) * len(patterns)] for k in range(len(settings))]


def _measure(pattern: Pattern, setting: Setting, expect: Mapping[str, Expected] | None, runner) -> PatternResult:
    return pattern.measure(runner, setting, expect=expect)
