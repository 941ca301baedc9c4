"""Packaging: pyproject declares every third-party package that ``simulation`` and ``plc_sim`` import, and nothing
they do not; and the parts that differ between platforms (the result folder's lock, how worker processes start,
how a server is started and ended, how a stuck worker is ended, how a batch is flushed to disk) work without
Unix-only modules or calls: the Windows branches are taken on Linux by making the code believe it runs on Windows."""

from __future__ import annotations

import ast
import importlib.metadata
import os
import re
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
PROJECT = ("simulation", "plc_sim")
USED_WITHOUT_IMPORT = {
    "pyarrow": "pandas reads and writes the Parquet files with it (to_parquet, read_parquet)",
}
"""Declared packages that no module imports by name, and why they are needed."""
DECLARED_AS = {
    "solara-ui": "solara",
}
"""Distributions that provide an imported package through a declared one: ``solara`` is solara-ui (the
``solara`` package) with the server the app runs on (``solara.server``)."""


def normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def third_party_imports(paths) -> dict[str, set[str]]:
    """Top-level names of the packages that ``paths`` import (not the standard library, not the project's own),
    each with the files that import it; deferred imports inside functions count."""
    found: dict[str, set[str]] = {}
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top not in sys.stdlib_module_names and top not in PROJECT:
                    found.setdefault(top, set()).add(str(path.relative_to(ROOT)))
    return found


def declared() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return {normalized(re.match(r"[A-Za-z0-9_.-]+", item)[0]) for item in project["dependencies"]}


def needed(imports: dict[str, set[str]]) -> dict[str, set[str]]:
    """The distributions (normalized names) that provide ``imports``, each with the files that need it."""
    providers = importlib.metadata.packages_distributions()
    out: dict[str, set[str]] = {}
    for top, files in imports.items():
        assert top in providers, f"{top} (imported by {', '.join(sorted(files))}) is not installed"
        for distribution in providers[top]:
            name = normalized(distribution)
            out.setdefault(normalized(DECLARED_AS.get(name, name)), set()).update(files)
    return out


def test_pyproject_declares_every_import_and_nothing_else():
    sources = [path for package in PROJECT for path in (ROOT / package).rglob("*.py")]
    required = needed(third_party_imports(sources))
    have = declared()
    missing = {name: sorted(files)[:2] for name, files in required.items() if name not in have}
    assert not missing, f"imported but not declared in pyproject.toml [project] dependencies: {missing}"
    unused = have - set(required) - {normalized(name) for name in USED_WITHOUT_IMPORT}
    assert not unused, f"declared in pyproject.toml but never imported: {sorted(unused)} (or say why in " \
                       "USED_WITHOUT_IMPORT)"


def test_the_import_check_sees_deferred_imports_and_skips_the_standard_library(tmp_path, monkeypatch):
    probe = ROOT / "plc_sim" / "_probe.py"
    source = "import json\nimport numpy as np\ndef f():\n    from markdown import markdown\n    from plc_sim import x\n"
    monkeypatch.setattr(Path, "read_text", lambda self, encoding=None: source if self == probe else
                        Path.read_bytes(self).decode())
    imports = third_party_imports([probe])
    assert set(imports) == {"numpy", "markdown"}
    assert set(needed(imports)) == {"numpy", "markdown"}


def test_no_module_imports_a_unix_only_module():
    unix_only = {"fcntl", "termios", "pwd", "grp", "resource"}
    sources = [path for package in PROJECT for path in (ROOT / package).rglob("*.py")]
    used = {}
    for path in sources:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                     [node.module] if isinstance(node, ast.ImportFrom) and node.module else [])
            for name in names:
                if name.split(".")[0] in unix_only:
                    used.setdefault(name, []).append(str(path.relative_to(ROOT)))
    assert not used, f"Unix-only modules make the package fail to import on Windows: {used}"


def test_without_fork_workers_are_spawned_and_give_the_same_data(tmp_path, monkeypatch):
    """As on Windows, where only ``spawn`` exists: the pool spawns its workers, and a sweep's data are the same."""
    import multiprocessing

    from sweep_helpers import TINY_GRID

    from plc_sim.experiments.analysis.results import load_sweep
    from plc_sim.experiments.execution import execute
    from plc_sim.experiments.execution.sweep import run_sweep
    from plc_sim.experiments.specs.spec import parse_spec

    spec = parse_spec(TINY_GRID.replace("ticks = 20", "ticks = 8"))
    run_sweep(spec, tmp_path / "one", workers=1, progress=False)
    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    assert execute.pool_context().get_start_method() == "spawn"
    run_sweep(spec, tmp_path / "spawned", workers=2, progress=False)
    one, spawned = load_sweep(tmp_path / "one"), load_sweep(tmp_path / "spawned")
    for table in ("runs", "series", "schools"):
        pd.testing.assert_frame_equal(getattr(one, table), getattr(spawned, table))


@pytest.mark.parametrize("methods", [["fork", "spawn", "forkserver"], ["spawn", "forkserver"], ["spawn"]])
def test_the_start_method_is_one_that_exists(methods, monkeypatch):
    import multiprocessing

    from plc_sim.core.processes import pool_context

    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: methods)
    assert pool_context().get_start_method() in methods


def test_on_windows_a_server_gets_a_new_process_group_by_its_creation_flag(monkeypatch):
    from plc_sim.core import processes

    monkeypatch.setattr(sys, "platform", "win32")
    assert processes.own_group() == {"creationflags": 0x200}  # CREATE_NEW_PROCESS_GROUP; no POSIX-only options
    monkeypatch.setattr(sys, "platform", "darwin")
    assert processes.own_group() == {"start_new_session": True, "preexec_fn": None}  # prctl is Linux's
    monkeypatch.setattr(sys, "platform", "linux")
    assert processes.own_group()["preexec_fn"] is not None


def test_on_windows_processes_are_ended_without_posix_calls(monkeypatch):
    from plc_sim.core import processes

    calls = []
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.delattr(signal, "SIGKILL")  # Windows' signal module has none
    monkeypatch.delattr(os, "killpg")
    monkeypatch.setattr(os, "kill", lambda pid, sig: calls.append(("kill", pid, sig)))
    processes.kill(123)
    processes.kill_group(type("Server", (), {"pid": 7, "kill": lambda self: calls.append(("Popen.kill", 7))})())
    assert calls == [("kill", 123, signal.SIGTERM), ("Popen.kill", 7)]  # both TerminateProcess on Windows


@pytest.mark.skipif(not hasattr(os, "killpg"), reason="process groups are POSIX's")
def test_a_group_is_ended_with_what_it_started():
    from plc_sim.core.processes import kill_group, own_group

    server = subprocess.Popen([sys.executable, "-c", "import subprocess, sys, time; child = subprocess.Popen(["
                               "sys.executable, '-c', 'import time; time.sleep(60)']); print(child.pid, flush=True); "
                               "time.sleep(60)"], stdout=subprocess.PIPE, text=True, **own_group())
    try:
        child = int(server.stdout.readline())
        assert os.getpgid(server.pid) == server.pid != os.getpgid(0) and os.getpgid(child) == server.pid
        kill_group(server)
        assert server.wait(timeout=10) == -signal.SIGKILL
        deadline = time.monotonic() + 10
        while _running(child) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _running(child), "the server's child outlived it"
    finally:
        if server.poll() is None:
            server.kill()
        server.stdout.close()


def _running(pid: int) -> bool:
    """Whether ``pid`` is a live process (a killed one that no process has reaped yet is not)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except (FileNotFoundError, ProcessLookupError):
        return False


def test_a_batch_is_written_where_a_folder_cannot_be_opened(tmp_path, monkeypatch):
    """Windows refuses os.open on a folder (PermissionError), so a batch's folder is not flushed there."""
    from plc_sim.experiments.execution.store import ResultFolder

    real_open = os.open

    def windows_open(path, flags, *args, **kwargs):
        if os.path.isdir(path):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", windows_open)
    frames = {"runs": pd.DataFrame({"run_id": [0, 1]})}
    with pytest.raises(PermissionError):  # as the folder flush would fail there without its guard
        ResultFolder(tmp_path / "posix").write_batch(frames)
    monkeypatch.setattr(sys, "platform", "win32")
    batch = ResultFolder(tmp_path / "windows").write_batch(frames)
    assert pd.read_parquet(batch / "runs.parquet")["run_id"].tolist() == [0, 1]
