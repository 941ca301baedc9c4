"""The report-strength validation measured on the second core while the rest of the suite runs.

Most of the suite runs in one process on one core. ``tests/test_validation.py``'s ``full_results`` (all patterns at
``plc-sim validate --full``, about 150 s of CPU) is the suite's biggest single cost, so when it is among the
collected tests, ``tests/conftest.py`` starts this file as a script as soon as collection ends. It runs at the
lowest CPU priority (``SCHED_IDLE``: only when a core would otherwise be idle, so the timed tests keep their
cores) and writes each pattern's result as it finishes (the patterns' runs in one queue, in pattern order). When
the fixture is first needed, it stops the script and measures in-process only the patterns not yet written. Every
pattern draws from its own seeds whatever runs before it, and the summaries are the same on any number of workers,
so the results are those of one ``run_patterns(FULL, PATTERNS)`` call.
"""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
from pathlib import Path

import pytest

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
    """The script measuring in ``folder``: a session of its own, and not a child of the suite's process (tests check
    that the commands they run leave no child process behind). If the suite is killed outright, the script ends
    by itself once it has measured every pattern."""

    def __init__(self, folder: Path):
        self.folder = folder
        with open(folder / "background.log", "w") as log:
            starter = subprocess.run([sys.executable, __file__, str(folder)], stdout=subprocess.PIPE, stderr=log,
                                     env={**os.environ, "MPLBACKEND": "Agg"}, text=True, timeout=60, check=True)
        self.pid = int(starter.stdout)

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
        """End the script's process group (the script and its pool's workers), if the script still runs: the
        group is known by the script's own process id, looked up first so that no other process is touched."""
        try:
            ours = Path(__file__).name.encode() in Path(f"/proc/{self.pid}/cmdline").read_bytes() \
                and os.getpgid(self.pid) == self.pid
        except OSError:
            return
        if ours:
            os.killpg(self.pid, signal.SIGKILL)


BACKGROUND = pytest.StashKey[Background]()
"""Where the session keeps the running :class:`Background` (set only when ``full_results`` is collected)."""


def measure(folder: Path) -> None:
    """Measure every pattern at report strength, writing each result (atomically) as it is done."""
    from plc_sim.validation import command as validation
    from plc_sim.validation.core import FULL

    def write(result) -> None:
        part = folder / f".{result.key}.part"
        part.write_bytes(pickle.dumps(result))
        os.replace(part, folder / f"{result.number}-{result.key}{SUFFIX}")

    validation.run_patterns(FULL, validation.PATTERNS, workers=WORKERS, progress=False, done=write)


if __name__ == "__main__":
    measurer = os.fork()
    if measurer:  # the starter: say who measures, and end, so the measurer is nobody's child in the suite
        print(measurer, flush=True)
        os._exit(0)
    os.setsid()
    os.dup2(2, 1)  # the log; the starter's stdout is read to its end
    lowest_priority()
    measure(Path(sys.argv[1]))
