"""Progress bars for long work (tqdm on stderr; quiet when stderr is not a terminal unless forced)."""

from __future__ import annotations

import os
import sys

from tqdm import tqdm


def progress_bar(total: int, unit: str, desc: str) -> tqdm:
    """A tqdm bar with count, rate and ETA; hidden when stderr is not a terminal, unless PLC_SIM_PROGRESS=1."""
    forced = os.environ.get("PLC_SIM_PROGRESS") == "1"
    return tqdm(total=total, unit=unit, desc=desc, file=sys.stderr, dynamic_ncols=True,
                disable=not (forced or sys.stderr.isatty()), mininterval=0.5)
