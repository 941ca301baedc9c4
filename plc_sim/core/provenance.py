"""Provenance: what produced a result (parameters, seed, versions, git commit)."""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.metadata
import json
import platform
import subprocess
from pathlib import Path
from typing import Any

KEY_PACKAGES = ("plc-sim", "mesa", "numpy", "pandas", "pyarrow", "matplotlib", "networkx", "solara", "SALib",
                "dask", "distributed", "ema_workbench", "scikit-learn")
REPO_ROOT = Path(__file__).resolve().parent.parent


def package_versions() -> dict[str, str]:
    """Installed versions of the packages that shape results."""
    versions = {}
    for name in KEY_PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def git_state() -> dict[str, Any]:
    """The git commit of the source tree and whether it had uncommitted changes, when there is one."""
    def git(*args: str) -> str | None:
        try:
            out = subprocess.run(["git", *args], cwd=REPO_ROOT, capture_output=True, text=True, timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            return None
        return out.stdout.strip() if out.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    if commit is None:
        return {"commit": None, "dirty": None}
    return {"commit": commit, "dirty": bool(git("status", "--porcelain", "--untracked-files=no"))}


def provenance(**extra: Any) -> dict[str, Any]:
    """A provenance record: time, versions, platform, git state, plus ``extra`` fields."""
    return {
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": package_versions(),
        "git": git_state(),
        **extra,
    }


def content_digest(data: Any) -> str:
    """SHA-256 of ``data`` written as canonical JSON: the same content gives the same digest, whatever its layout."""
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()
