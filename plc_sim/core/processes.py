"""How plc-sim starts and ends processes on every platform.

Workers start by fork where it is safe, else by a fork server, else by spawn (Windows). A server runs in a process
group of its own and is ended with it; Windows has neither process groups nor SIGKILL as POSIX has them, so there a
new process group is asked for by a creation flag and a process is ended by ``TerminateProcess`` (what
``os.kill`` and ``Popen.kill`` do there). The platform is looked up at each call, not at import.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Sequence

CREATE_NEW_PROCESS_GROUP = getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0x200)
"""Windows' creation flag (the same number as the Win32 constant, so it can be named on other platforms too)."""


def windows() -> bool:
    return sys.platform == "win32"


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


def own_group() -> dict:
    """``subprocess.Popen`` options that start a child in a process group of its own, so that a Ctrl+C at the
    terminal reaches only this process (which then stops the child) and :func:`kill_group` ends the child with
    what it started. On Linux the child also dies with this process, however this process ends."""
    if windows():  # preexec_fn and start_new_session are POSIX-only: Popen refuses or ignores them
        return {"creationflags": CREATE_NEW_PROCESS_GROUP}
    return {"start_new_session": True, "preexec_fn": _die_with_parent if sys.platform.startswith("linux") else None}


def _die_with_parent() -> None:  # runs in the child before exec (Linux): a killed parent takes the child along
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def kill_group(process: subprocess.Popen) -> None:
    """End ``process`` at once, with the processes it started in its group (POSIX; on Windows, itself)."""
    if windows():
        process.kill()
    else:
        os.killpg(process.pid, signal.SIGKILL)


def kill(pid: int) -> None:
    """End the process ``pid`` at once: SIGKILL, or on Windows (which has no SIGKILL) ``TerminateProcess``."""
    os.kill(pid, signal.SIGTERM if windows() else signal.SIGKILL)
