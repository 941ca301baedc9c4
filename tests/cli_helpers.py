"""``plc-sim`` called in the test's own process, through the function the console script calls.

A ``plc-sim`` subprocess spends about 2.6 s importing mesa, numba, scipy and matplotlib before it reads its first
argument. Tests whose claim is the command's answer to some input (its exit status, its lines on stdout and
stderr, the files it leaves) call :func:`plc_sim` here, which gives the same answer without that start;
``tests/test_cli.py`` and the tests that start ``python -m plc_sim.cli`` keep the command as a user starts it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import os
from pathlib import Path


@dataclasses.dataclass(frozen=True)
class Done:
    """What a call left: as :class:`subprocess.CompletedProcess` names it."""

    returncode: int
    stdout: str
    stderr: str


def plc_sim(*args: str, cwd: Path) -> Done:
    """Run ``plc-sim ARGS`` from ``cwd`` in this process: its exit status (argparse's and a command's own
    ``SystemExit`` included) and what it printed."""
    from plc_sim.cli import main

    out, err = io.StringIO(), io.StringIO()
    before = Path.cwd()
    os.chdir(cwd)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(list(args))
            except SystemExit as exit_:  # argparse's refusals; validate's 1 when a pattern fails
                code = 0 if exit_.code is None else exit_.code
    finally:
        os.chdir(before)
    return Done(code, out.getvalue(), err.getvalue())
