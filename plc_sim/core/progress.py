"""Progress bars for long work (tqdm on stderr; quiet when stderr is not a terminal unless forced)."""

from __future__ import annotations

import os
import sys

from tqdm import tqdm

# tqdm's monitor thread (started with the first bar, even a disabled one) outlives the bar, and a process with a
# second thread starts its worker pools through a fork server (plc_sim.core.processes): every later pool then
# paid 2-5 s to start its workers instead of forking them at once (validation starts one pool per pattern).
tqdm.monitor_interval = 0


def progress_bar(total: int, unit: str, desc: str) -> tqdm:
    """A tqdm bar with count, rate and ETA; hidden when stderr is not a terminal, unless PLC_SIM_PROGRESS=1."""
    forced = os.environ.get("PLC_SIM_PROGRESS") == "1"
    return tqdm(total=total, unit=unit, desc=desc, file=sys.stderr, dynamic_ncols=True,
                disable=not (forced or sys.stderr.isatty()), mininterval=0.5)
