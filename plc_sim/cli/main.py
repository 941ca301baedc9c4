"""The ``plc-sim`` command line.

Every sub-command registers itself from its own module (``register(subparsers)``)
and sets ``func``; bad input of any kind ends in one line on stderr and exit 2.
"""

from __future__ import annotations

import argparse
import errno
import importlib
import sys

from plc_sim.core.errors import USER_ERRORS

COMMAND_MODULES = ("plc_sim.cli.run", "plc_sim.cli.sweep", "plc_sim.cli.sensitivity", "plc_sim.cli.report",
                   "plc_sim.app.command", "plc_sim.workshop.command", "plc_sim.validation.command",
                   "plc_sim.calibration.command", "plc_sim.cli.discover", "plc_sim.cli.robustness")
"""Modules whose ``register`` adds sub-commands, in the order of ``plc-sim --help``."""

STORAGE_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.EFBIG}
"""Errors of the place results go (full, read-only, forbidden): reported as one line, like bad input."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one clear line, exit status 2
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="plc-sim", description="Simulate professional learning communities in networks of "
                     "schools: run presets, sweep parameters, analyse sensitivity, report, and demo the app.")
    subparsers = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        args.func(args)
    except USER_ERRORS as error:
        print(f"plc-sim: error: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        if error.errno not in STORAGE_ERRORS:
            raise
        where = f" {error.filename}" if error.filename else ""
        print(f"plc-sim: error: cannot write{where} ({error.strerror}); what was written before is kept",
              file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("plc-sim: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `plc-sim params | head`
        sys.stderr.close()
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
