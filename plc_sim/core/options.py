"""Command-line argument types shared by every sub-command (the CLI and the commands of validation and app)."""

from __future__ import annotations

import argparse


def bounded_int(name: str, low: int, high: int):
    """An argparse type: an integer from ``low`` to ``high``, with an error naming ``name``."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name}: {text!r} is not allowed; expected an integer from "
                                             f"{low} to {high}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{name}: {value} is not allowed; expected an integer from "
                                             f"{low} to {high}")
        return value
    return parse
