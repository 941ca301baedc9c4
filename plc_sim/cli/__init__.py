"""The ``plc-sim`` command line: one sub-command per tool, bad input as one line and exit status 2."""

from plc_sim.cli.main import main

__all__ = ["main"]
