"""The sweep's result store: ``results/NAME/`` with its manifest, spec, design points and complete batches.

Each batch is written into a staging folder and renamed into place, so a batch is either complete or absent,
whatever kills the process. One writer at a time holds the folder's lock.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
from pathlib import Path

import pandas as pd

from plc_sim.core.errors import InputError
from plc_sim.core.files import write_json_atomic
from plc_sim.core.provenance import provenance
from plc_sim.experiments.spec import Spec

RESULTS_ROOT = Path("results")
BATCH_TABLES = ("runs", "series", "schools")
MANIFEST = "manifest.json"


# --- the result folder ----------------------------------------------------------------------------------------

class ResultFolder:
    """``results/NAME/``: manifest, spec, design points and complete batches; one writer at a time."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.batches = self.path / "batches"
        self.manifest_path = self.path / MANIFEST
        self._lock_handle = None

    def lock(self) -> None:
        """Take the folder's lock, or fail clearly if another sweep is writing here (released on any exit)."""
        self.path.mkdir(parents=True, exist_ok=True)
        self._lock_handle = open(self.path / ".lock", "w")
        try:
            fcntl.flock(self._lock_handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise InputError(f"--out: another plc-sim sweep is writing {self.path}; wait for it to finish") from None

    def unlock(self) -> None:
        if self._lock_handle is not None:
            self._lock_handle.close()
            self._lock_handle = None

    def manifest(self) -> dict | None:
        if not self.manifest_path.exists():
            return None
        return json.loads(self.manifest_path.read_text())

    def batch_dirs(self) -> list[Path]:
        """Complete batches, in the order they were written."""
        return sorted(self.batches.glob("batch-*")) if self.batches.exists() else []

    def remove_staging(self) -> None:
        """Delete half-written batches left by a process that was killed while writing one."""
        for staging in self.batches.glob(".staging-*") if self.batches.exists() else ():
            shutil.rmtree(staging, ignore_errors=True)

    def completed_run_ids(self) -> set[int]:
        done: set[int] = set()
        for batch in self.batch_dirs():
            try:
                ids = pd.read_parquet(batch / "runs.parquet", columns=["run_id"])["run_id"]
            except (OSError, ValueError) as error:
                raise InputError(f"{batch}: unreadable batch ({error}); delete that folder and rerun") from None
            done.update(int(i) for i in ids)
        return done

    def write_batch(self, frames: dict[str, pd.DataFrame]) -> Path:
        """Write one batch atomically: stage every table, flush to disk, then rename the folder into place."""
        self.batches.mkdir(parents=True, exist_ok=True)
        existing = [int(p.name.split("-")[1]) for p in self.batch_dirs()]
        final = self.batches / f"batch-{max(existing, default=-1) + 1:05d}"
        staging = self.batches / f".staging-{final.name}-{os.getpid()}"
        staging.mkdir()
        try:
            for name, frame in frames.items():
                path = staging / f"{name}.parquet"
                frame.to_parquet(path, index=False)
                _fsync(path)
            _fsync(staging)
            os.replace(staging, final)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        _fsync(self.batches)
        return final

    def clear(self) -> None:
        """Discard this folder's results (``--restart``); only a folder that holds a plc-sim manifest."""
        for child in self.path.iterdir():
            if child.name != ".lock":
                shutil.rmtree(child) if child.is_dir() else child.unlink()


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def default_out(spec: Spec) -> Path:
    return RESULTS_ROOT / spec.name


def open_result_folder(spec: Spec, out: Path | None, restart: bool) -> ResultFolder:
    """Lock the result folder and make sure it belongs to ``spec``: new, resumable, or refused (exit 2)."""
    folder = ResultFolder(out if out is not None else default_out(spec))
    if folder.path.exists() and not folder.path.is_dir():
        raise InputError(f"--out: {folder.path} exists and is not a folder")
    _refuse_foreign(folder)  # before the lock file, which would be a change to someone else's folder
    folder.lock()
    try:
        _refuse_foreign(folder)
        manifest = folder.manifest()
        if manifest is not None and manifest.get("spec", {}).get("hash") != spec.digest:
            if not restart:
                made_from = manifest.get("spec", {}).get("source", "another spec")
                raise InputError(
                    f"{folder.path}: holds results of a different spec (made from {made_from}, spec hash "
                    f"{str(manifest.get('spec', {}).get('hash'))[:12]}; {spec.source} has hash {spec.digest[:12]}); "
                    f"refusing to mix them. Use --out for a new folder, or --restart to discard the old results")
        if manifest is not None and restart:
            folder.clear()
            manifest = None
        if manifest is None:
            _write_new_manifest(folder, spec)
        folder.remove_staging()
    except BaseException:
        folder.unlock()
        raise
    return folder


def _refuse_foreign(folder: ResultFolder) -> None:
    """Refuse a non-empty folder that holds no plc-sim manifest: plc-sim never writes into what is not its own."""
    if folder.path.is_dir() and not folder.manifest_path.exists() and any(
            p.name != ".lock" for p in folder.path.iterdir()):
        raise InputError(f"--out: {folder.path} is not empty and holds no plc-sim {MANIFEST}; choose another "
                         f"folder with --out")


def _write_new_manifest(folder: ResultFolder, spec: Spec) -> None:
    (folder.path / "spec.toml").write_text(spec.text)
    points = folder.path / "points.parquet"
    spec.points.to_parquet(points.with_suffix(".tmp"), index=False)
    os.replace(points.with_suffix(".tmp"), points)
    write_json_atomic(folder.manifest_path, {
        "format": 1,
        "name": spec.name,
        "question": spec.question,
        "spec": {"source": spec.source, "hash": spec.digest, "text": spec.text},
        "design": spec.describe(),
        "factors": list(spec.factor_names),
        "outcomes": list(spec.outcomes),
        "points": len(spec.points),
        "replications": spec.replications,
        "ticks": spec.ticks,
        "runs_total": spec.run_count,
        "created": provenance(),
        "sessions": [],
        "status": "running",
    })


