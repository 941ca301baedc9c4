"""A spec's ``module:function`` references: checked, imported and hashed when the spec is read.

``"my_rules:slow_trust"`` names the function ``slow_trust`` of the module ``my_rules``, found beside the spec
file first (so a student's ``my_rules.py`` next to her spec just works), then on Python's path. The function is
imported when the spec is read, so a wrong name fails before anything runs; the SHA-256 of its module's source
goes into the spec's hash and the result folder's manifest, so results say which code made them. ``[rules]``
(:mod:`plc_sim.experiments.rule_specs`) and ``[outcomes]`` (:mod:`plc_sim.experiments.outcome_specs`) use it.
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
import sys
from collections.abc import Callable
from pathlib import Path

from plc_sim.experiments.spec_fields import SpecError


def spec_folder(source: str) -> str:
    """The folder a spec's own modules are imported from: the spec file's, or the working folder."""
    return str(Path(source).resolve().parent) if source and not source.startswith("<") else str(Path.cwd())


def import_function(target: str, folder: str) -> Callable:
    """The function ``target`` (``module:function``), imported with ``folder`` on Python's path."""
    if folder not in sys.path:
        sys.path.insert(0, folder)
    module_name, _, function = target.partition(":")
    return getattr(importlib.import_module(module_name), function)


def resolve(where: str, target, folder: str, example: str, recorded: dict | None = None) -> tuple[Callable, str]:
    """The function ``target`` names and its module's SHA-256, or a SpecError at ``where``.

    ``recorded`` (a result folder's manifest entry for it: ``function`` and ``sha256``) is taken as it is, without
    importing anything, so a finished sweep can be analysed after its module has changed or moved (the
    function is then None).
    """
    if not isinstance(target, str) or target.count(":") != 1 or not all(target.split(":")):
        raise SpecError(f"{where}: {target!r} is not allowed; expected \"module:function\", e.g. {example}")
    if recorded is not None and recorded.get("function") == target:
        return None, recorded["sha256"]
    module_name, function_name = target.split(":")
    try:
        function = import_function(target, folder)
    except ImportError as error:
        raise SpecError(f"{where}: cannot import {module_name!r} ({error})") from None
    except AttributeError:
        raise SpecError(f"{where}: {module_name!r} has no function {function_name!r}") from None
    if not callable(function):
        raise SpecError(f"{where}: {target!r} is not a function")
    source_text = inspect.getsource(inspect.getmodule(function))
    return function, hashlib.sha256(source_text.encode()).hexdigest()
