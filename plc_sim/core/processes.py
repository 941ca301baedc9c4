"""How plc-sim starts worker processes on every platform: fork where it is safe, else a fork server, else spawn."""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Sequence


def pool_context(preload: Sequence[str] = ()) -> multiprocessing.context.BaseContext:
    """``fork`` when this process runs a single thread, else ``forkserver`` with the modules ``preload`` imported
    once, and ``spawn`` where neither exists (Windows).

    Forked workers start at once with everything imported. Forking a process
    that runs other threads (a notebook kernel, a Dask client) can deadlock, so
    then a fork server, itself single-threaded, forks the workers. With the fork
    server or ``spawn``, a script must guard its top level with
    ``if __name__ == "__main__":``.
    """
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    if "forkserver" not in methods:
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(list(preload))
    return context
