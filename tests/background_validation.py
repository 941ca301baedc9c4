"""The report-strength validation measured on the second core while the rest of the suite runs.

Most of the suite runs in one process on one core. ``tests/test_validation.py``'s ``full_results`` (all patterns at
``plc-sim validate --full``, about 150 s of CPU) is the suite's biggest single cost, so when it is among the
collected tests, ``tests/conftest.py`` starts this file as a script as soon as collection ends. It runs at the
lowest CPU priority (``SCHED_IDLE``: only when a core would otherwise be idle, so the timed tests keep their
cores) and writes each pattern's result as it finishes. When the fixture is first needed, it stops the script and
measures in-process only the patterns not yet written. Every pattern draws from its own seeds whatever runs before
it, and the summaries are the same on any number of workers, so the results are those of one
``run_patterns(FULL, PATTERNS)`` call.
"""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from plc_sim.core.processes import own_group

WORKERS = 2
"""Worker processes, as ``plc-sim validate`` uses by default on two cores."""

SUFFIX = ".pattern.pickle"


def lowest_priority() -> None:
    """Run only on a core nothing else wants (the pool's forked workers inherit it)."""
    if hasattr(os, "SCHED_IDLE"):
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    else:
        os.nice(19)


class Background:
    """The script running in ``folder``, in a process group of its own."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.log = open(folder / "background.log", "w")  # noqa: SIM115 - open for the script's whole life
        self.process = subprocess.Popen([sys.executable, __file__, str(folder)], stdout=self.log,
                                        stderr=subprocess.STDOUT, env={**os.environ, "MPLBACKEND": "Agg"},
                                        **own_group())  # ends with the suite, however the suite ends

    def finish(self) -> dict:
        """Stop the script (and its workers) and return the results it wrote, by pattern key."""
        self.stop()
        results = {}
        for path in sorted(self.folder.glob(f"*{SUFFIX}")):
            with open(path, "rb") as file:
                result = pickle.load(file)
            results[result.key] = result
        return results

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)  # its own group: the script and its pool's workers
            self.process.wait()
        self.log.close()


BACKGROUND = pytest.StashKey[Background]()
"""Where the session keeps the running :class:`Background` (set only when ``full_results`` is collected)."""


def measure(folder: Path) -> None:
    """Measure every pattern at report strength, writing each result (atomically) as it is done."""
    from plc_sim.validation import command as validation
    from plc_sim.validation.core import FULL

    for pattern in validation.PATTERNS:
        (result,) = validation.run_patterns(FULL, [pattern], workers=WORKERS, progress=False)
        part = folder / f".{pattern.key}.part"
        part.write_bytes(pickle.dumps(result))
        os.replace(part, folder / f"{pattern.number}-{pattern.key}{SUFFIX}")


if __name__ == "__main__":
    lowest_priority()
    measure(Path(sys.argv[1]))
