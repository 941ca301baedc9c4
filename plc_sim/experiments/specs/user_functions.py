"""A spec's ``module:function`` references: checked, imported and hashed when the spec is read, called under a
time limit in the runs.

``"my_rules:slow_trust"`` names the function ``slow_trust`` of the module ``my_rules``, found beside the spec
file first (so a student's ``my_rules.py`` next to her spec just works), then on Python's path. When the spec is
read, the function is imported in a child process (so a wrong name fails before anything runs, and a module
that hangs, exits or fails on import ends in one line without touching the reader); the SHA-256 of its
module's source goes into the spec's hash and the result folder's manifest, so results say which code made
them. ``[rules]`` (:mod:`plc_sim.experiments.specs.rule_specs`) and ``[outcomes]``
(:mod:`plc_sim.experiments.specs.outcome_specs`) use it.

In a run, every call of a user function (its import included) goes through a :class:`Guard`: whatever it raises,
``SystemExit`` included, becomes one :class:`UserFunctionError` naming the spec field, the function and the run.
Together a run's user functions may take ``user_function_timeout`` seconds (a spec field). In a sweep's worker
process each call posts its deadline in :class:`Deadlines`; the sweep ends a worker whose function overran and
reports it in one line, since a function stuck in a loop (or one that catches every exception) cannot be
stopped from inside.
"""

from __future__ import annotations

import ctypes
import hashlib
import importlib
import inspect
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

from plc_sim.core.errors import InputError
from plc_sim.core.processes import kill, pool_context
from plc_sim.experiments.specs.spec_fields import SpecError

USER_FUNCTION_TIMEOUT = 180
"""Seconds a run's user functions may take together, imports included, unless the spec sets
``user_function_timeout``."""
MAX_USER_FUNCTION_TIMEOUT = 86_400
TIMEOUT_FIELD = "user_function_timeout"


class UserFunctionError(InputError):
    """A spec's user function failed in a run: the message names the field, the function and the run."""


def spec_folder(source: str) -> str:
    """The folder a spec's own modules are imported from: the spec file's, or the working folder."""
    return str(Path(source).resolve().parent) if source and not source.startswith("<") else str(Path.cwd())


def import_function(target: str, folder: str) -> Callable:
    """The function ``target`` (``module:function``), imported with ``folder`` on Python's path."""
    if folder not in sys.path:
        sys.path.insert(0, folder)
    module_name, _, function = target.partition(":")
    return getattr(importlib.import_module(module_name), function)


def resolve(where: str, target, folder: str, example: str, recorded: dict | None = None,
            timeout: float = USER_FUNCTION_TIMEOUT) -> tuple[tuple[str, ...] | None, str]:
    """The argument names of the function ``target`` names and its module's SHA-256, or a SpecError at ``where``.

    The function is imported in a child process given ``timeout`` seconds. ``recorded`` (a result folder's
    manifest entry for it: ``function`` and ``sha256``) is taken as it is, without importing anything, so a
    finished sweep can be analysed after its module has changed or moved (the argument names are then None).
    """
    if not isinstance(target, str) or target.count(":") != 1 or not all(target.split(":")):
        raise SpecError(f"{where}: {target!r} is not allowed; expected \"module:function\", e.g. {example}")
    if recorded is not None and recorded.get("function") == target:
        return None, recorded["sha256"]
    module_name = target.partition(":")[0]
    answer = _in_child(_inspect, (target, folder), timeout)
    if answer is _ENDED:
        raise SpecError(f"{where}: importing {module_name!r} ended its process without a word (os._exit or a "
                        f"crash)")
    if answer is None:
        raise SpecError(f"{where}: importing {module_name!r} did not finish within {TIMEOUT_FIELD} = {timeout} s; "
                        f"a module should only define its functions when imported")
    if isinstance(answer, str):
        raise SpecError(f"{where}: {answer}")
    return answer


def _inspect(target: str, folder: str) -> tuple[tuple[str, ...], str] | str:
    """In a child process: the function's argument names and its module's SHA-256, or what is wrong, in words."""
    module_name, function_name = target.split(":")
    if folder not in sys.path:
        sys.path.insert(0, folder)
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        return f"cannot import {module_name!r} ({error})"
    except BaseException as error:  # noqa: BLE001 - whatever the module does on import, SystemExit included
        return f"importing {module_name!r} {_raised(error)}"
    function = getattr(module, function_name, None)
    if function is None:
        return f"{module_name!r} has no function {function_name!r}"
    if not callable(function):
        return f"{target!r} is not a function"
    try:
        arguments = tuple(inspect.signature(function).parameters)
    except (TypeError, ValueError):
        arguments = ()
    try:
        source_text = inspect.getsource(inspect.getmodule(function))
    except (OSError, TypeError):
        return f"cannot read the source of {module_name!r} (its SHA-256 goes into the spec's hash)"
    return arguments, hashlib.sha256(source_text.encode()).hexdigest()


_ENDED = "the child process ended without answering"


def _in_child(function: Callable, args: tuple, timeout: float):
    """``function(*args)`` in a child process: its answer, None when it took longer than ``timeout`` seconds, or
    _ENDED when the child ended without answering."""

    context = pool_context()
    reader, writer = context.Pipe(duplex=False)
    child = context.Process(target=_answer, args=(writer, function, args), daemon=True)
    child.start()
    writer.close()
    try:
        answered = reader.poll(timeout)
        answer = reader.recv() if answered else None
    except EOFError:
        answer = _ENDED
    finally:
        if child.is_alive():
            child.kill()
        child.join()  # reaped: no zombie is left behind
        reader.close()
    return answer


def _answer(writer, function: Callable, args: tuple) -> None:
    try:
        writer.send(function(*args))
    finally:
        writer.close()


def _raised(error: BaseException) -> str:
    """What ``error`` says, in a few words on one line."""
    text = " ".join(str(error).split())
    return f"raised {type(error).__name__} ({text[:200] + '...' if len(text) > 200 else text})"


# --- in the worker --------------------------------------------------------------------------------------------

class Guard:
    """Calls one run's user functions: each failure is one UserFunctionError naming the field, the function and
    ``run``; together they may take ``timeout`` seconds, which the sweep enforces on its worker processes
    (:class:`Deadlines`)."""

    def __init__(self, run: str, timeout: float):
        self.run, self.timeout, self.left = run, timeout, float(timeout)
        self.last: tuple[str, str] | None = None  # (field, function) called last
        self._messages: dict[tuple[str, str], bytes] = {}

    def call(self, where: str, target: str, function: Callable, *args):
        """``function(*args)``, the user function ``target`` of spec field ``where`` (or its import)."""
        self.last = (where, target)
        started = time.monotonic()
        if _deadlines is not None:
            _deadlines[0].post(_deadlines[1], started + self.left, self._overrun_message(where, target))
        try:
            return function(*args)
        except KeyboardInterrupt:
            raise
        except BaseException as error:  # noqa: BLE001 - SystemExit too: a user function must not end the sweep
            raise self.failure(where, target, _raised(error)) from None
        finally:
            if _deadlines is not None:
                _deadlines[0].clear(_deadlines[1])
            self.left -= time.monotonic() - started

    def _overrun_message(self, where: str, target: str) -> bytes:
        """What the sweep says if this call overruns: made once per function and run (a rule is called monthly)."""
        message = self._messages.get((where, target))
        if message is None:
            message = self._messages[where, target] = str(self.failure(
                where, target, f"did not finish within {TIMEOUT_FIELD} = {self.timeout} s",
                f"raise {TIMEOUT_FIELD} in the spec (it does not change the spec's hash) and run the same command "
                f"again to resume")).encode()[:Deadlines.MESSAGE_BYTES]
        return message

    def load(self, where: str, target: str, folder: str) -> Callable:
        """The user function ``target``, imported (the import counts against the time limit)."""
        return self.call(where, target, import_function, target, folder)

    def failure(self, where: str, target: str, words: str, advice: str | None = None) -> UserFunctionError:
        advice = advice or ("the runs finished before are kept (a changed function makes a new spec: run again "
                            "with --restart, or --out)")
        return UserFunctionError(f"{where}: {target} {words} in {self.run}; {advice}")


class Deadlines:
    """Shared memory where each worker process of a pool posts when its running user function must end and what
    to say if it does not. The pool's parent reads it and ends a worker that overran: a watchdog inside the
    worker could not, as a function stuck in compiled code (a numba kernel) never lets another thread run."""

    MESSAGE_BYTES = 2048

    def __init__(self, context, workers: int):
        self.lock = context.Lock()
        self.joined = context.RawValue("i", 0)
        self.pids = context.RawArray("q", workers)
        self.ends = context.RawArray("d", workers)  # time.monotonic() (one clock for every process); 0: none running
        self.lengths = context.RawArray("i", workers)
        self.messages = context.RawArray("c", workers * self.MESSAGE_BYTES)

    def join(self) -> int:
        """This worker's slot (called once, at the worker's start)."""
        with self.lock:
            slot = self.joined.value
            self.joined.value += 1
        self.pids[slot] = os.getpid()
        return slot

    def post(self, slot: int, end: float, message: bytes) -> None:
        """Called before each user function: a plain copy, as a rule is called every month of every run."""
        ctypes.memmove(ctypes.addressof(self.messages) + slot * self.MESSAGE_BYTES, message, len(message))
        self.lengths[slot] = len(message)
        self.ends[slot] = end  # after the message, which the parent reads once it sees the end

    def clear(self, slot: int) -> None:
        self.ends[slot] = 0.0

    def overrun(self) -> str | None:
        """In the parent: end the first worker whose user function has overrun, and return what to say."""
        now, size = time.monotonic(), self.MESSAGE_BYTES
        for slot in range(self.joined.value):
            end = self.ends[slot]
            if 0.0 < end < now:
                message = self.messages[slot * size:slot * size + self.lengths[slot]].decode(errors="replace")
                if self.ends[slot] == end:  # still the same call: the message is its own
                    kill(self.pids[slot])
                    return message
        return None


_deadlines: tuple[Deadlines, int] | None = None  # in a pool's worker: where this worker posts, and its slot


def post_deadlines(deadlines: Deadlines) -> None:
    """Make this process a pool's worker whose user functions' time limit the parent enforces (called by the
    worker's set-up, see ``execute.PoolResults``)."""
    global _deadlines
    _deadlines = (deadlines, deadlines.join())
