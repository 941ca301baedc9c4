"""The sweep's result store: ``results/NAME/`` with its manifest, spec, design points and complete batches.

The store trusts nothing it has not checked:

- each batch is written into a staging folder with a ``checksums.json`` (SHA-256 of every table) and renamed into
  place, so a batch is either complete or absent, whatever kills the process;
- a batch is used (on resume, and before any analysis) only if its files match their checksums; a damaged one is
  named, and a sweep runs its runs again;
- the manifest is written first, so a folder interrupted while starting is resumable; a damaged manifest, a
  folder plc-sim did not make, or a place it cannot write is refused before anything (even the lock) is created;
- one writer at a time holds the folder's lock;
- ownership is by record (see ``core.files.Ledger``): the manifest's ``files`` lists every file the sweep and its
  figures, tables and reports wrote, with its SHA-256, and each batch's ``checksums.json`` lists the batch's files;
  ``--restart``, redraws and damaged batches replace or remove only listed files whose bytes still match.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from filelock import FileLock, Timeout

from plc_sim.core.errors import InputError
from plc_sim.core.files import (
    LEDGER_KEY,
    OWN_RECORD,
    Ledger,
    check_writable,
    own_record,
    prune_empty,
    write_json_atomic,
)
from plc_sim.core.provenance import provenance
from plc_sim.experiments.specs.rule_specs import rules_record
from plc_sim.experiments.specs.spec import Spec

RESULTS_ROOT = Path("results")
BATCH_TABLES = ("runs", "series", "schools")
MANIFEST = "manifest.json"
CHECKSUMS = "checksums.json"
STORE_FORMAT = 2
"""Format 2: every batch carries ``checksums.json``."""
MANIFEST_KEYS = ("format", "name", "spec", "runs_total", "sessions")
SPEC_FILES = ("spec.toml", "points.parquet")
"""What a sweep writes beside its manifest when it starts, from the spec alone."""
START_FILES = (*SPEC_FILES, ".lock")
"""What a sweep writes beside the manifest when it starts: a folder holding only these (and plc-sim's temporary
files) is an interrupted start, not someone else's folder."""


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class BatchCheck:
    """The complete batches of a folder, split into those whose files match their checksums and the damaged."""

    good: list[Path] = field(default_factory=list)
    damaged: list[tuple[Path, str]] = field(default_factory=list)

    def message(self, most: int = 3) -> str:
        """The damaged batches and why, the first ``most`` of them by name."""
        named = "; ".join(f"{path.name} ({reason})" for path, reason in self.damaged[:most])
        more = len(self.damaged) - most
        return named + (f"; and {more} more" if more > 0 else "")


class ResultFolder:
    """``results/NAME/``: manifest, spec, design points and complete batches; one writer at a time."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.batches = self.path / "batches"
        self.manifest_path = self.path / MANIFEST
        self._lock_handle = None

    # --- the lock ---------------------------------------------------------------------------------------------

    def lock(self) -> None:
        """Take the folder's lock, or fail clearly if another sweep holds it (released on any exit)."""
        self.path.mkdir(parents=True, exist_ok=True)
        self._lock_handle = FileLock(self.path / ".lock", preserve_lock_file=True)  # never truncates nor removes it
        try:
            self._lock_handle.acquire(timeout=0)
        except Timeout:
            self._lock_handle = None
            raise InputError(f"--out: another plc-sim sweep is using {self.path}; wait for it to finish") from None

    def unlock(self) -> None:
        if self._lock_handle is not None:
            self._lock_handle.release()
            self._lock_handle = None

    # --- reading ----------------------------------------------------------------------------------------------

    def manifest(self) -> dict | None:
        """The manifest, or None if there is none; a damaged one is an :class:`InputError` naming it."""
        try:
            text = self.manifest_path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as error:
            raise self._damaged_manifest(str(error)) from None
        try:
            manifest = json.loads(text)
        except ValueError as error:
            raise self._damaged_manifest(f"not valid JSON: {error}") from None
        missing = [key for key in MANIFEST_KEYS if not isinstance(manifest, dict) or key not in manifest]
        if missing or not isinstance(manifest.get("spec"), dict) or "text" not in manifest["spec"]:
            raise self._damaged_manifest(f"missing {', '.join(missing) or 'spec.text'}")
        return manifest

    def current_manifest(self) -> dict | None:
        """The manifest (None if there is none), refused if an older plc-sim wrote it (batches without checksums)."""
        manifest = self.manifest()
        if manifest is not None and manifest.get("format", 1) < STORE_FORMAT:
            raise InputError(f"{self.path}: written by an older plc-sim (store format {manifest.get('format', 1)}, "
                             f"batches without checksums); run the sweep again with --restart to make them anew")
        return manifest

    def _damaged_manifest(self, reason: str) -> InputError:
        return InputError(f"{self.manifest_path}: damaged ({reason}); plc-sim will not guess what this folder "
                          f"holds: restore the file, or choose another folder with --out")

    def batch_dirs(self) -> list[Path]:
        """Complete batches (damaged or not), in the order they were written.

        A ``batch-NNNNN`` folder that holds neither checksums nor runs is not a batch: ``--restart`` leaves one
        so when the user had put files of their own in it.
        """
        named = sorted(self.batches.glob("batch-*")) if self.batches.exists() else []
        return [path for path in named if (path / CHECKSUMS).exists() or (path / "runs.parquet").exists()]

    def check_batches(self) -> BatchCheck:
        """Verify every complete batch against its checksums."""
        check = BatchCheck()
        for batch in self.batch_dirs():
            reason = batch_damage(batch)
            if reason is None:
                check.good.append(batch)
            else:
                check.damaged.append((batch, reason))
        return check

    def good_batches(self) -> list[Path]:
        """The batches to read; any damaged batch is an :class:`InputError` naming it (for analysis and reports)."""
        check = self.check_batches()
        if check.damaged:
            raise InputError(f"{self.path}: damaged batch {check.message()}; run the same `plc-sim sweep` again "
                             f"to run its runs again")
        return check.good

    def completed_run_ids(self, batches: list[Path] | None = None) -> set[int]:
        """Run ids stored in ``batches`` (default: every batch, all of which must be intact)."""
        done: set[int] = set()
        for batch in self.good_batches() if batches is None else batches:
            done.update(int(i) for i in pd.read_parquet(batch / "runs.parquet", columns=["run_id"])["run_id"])
        return done

    # --- writing (under the lock) -----------------------------------------------------------------------------

    def discard_damaged(self) -> set[int]:
        """Take damaged batches out of use (each named on stderr) and return the run ids of the intact ones."""
        check = self.check_batches()
        for batch, reason in check.damaged:
            print(f"plc-sim: warning: {batch} is damaged ({reason}); its runs will be run again", file=sys.stderr)
            remove_batch(batch)
        return self.completed_run_ids(check.good)

    def ledger(self) -> Ledger:
        """The files of this folder that plc-sim wrote, from the manifest (see ``core.files.Ledger``)."""
        ledger = Ledger.of(self.path, MANIFEST)
        manifest = self.manifest()
        if manifest is not None and LEDGER_KEY not in manifest:
            ledger.files.update(_legacy_spec_files(self.path, manifest))
        return ledger

    def remove_staging(self) -> None:
        """Delete half-written batches left by a process that was killed while writing one."""
        for staging in self.batches.glob(".staging-*") if self.batches.exists() else ():
            shutil.rmtree(staging, ignore_errors=True)

    def write_batch(self, frames: dict[str, pd.DataFrame]) -> Path:
        """Write one batch atomically: stage every table and its checksum, flush to disk, rename into place."""
        self.batches.mkdir(parents=True, exist_ok=True)
        existing = [int(match[1]) for p in self.batches.iterdir() if (match := re.fullmatch(r"batch-(\d+)", p.name))]
        final = self.batches / f"batch-{max(existing, default=-1) + 1:05d}"
        staging = self.batches / f".staging-{final.name}-{os.getpid()}"
        try:  # a Ctrl-C that lands just after mkdir must not leave the folder behind
            staging.mkdir()
            sums = {}
            for name, frame in frames.items():
                buffer = io.BytesIO()
                frame.to_parquet(buffer, index=False)
                sums[f"{name}.parquet"] = sha256_bytes(buffer.getvalue())
                write_file(staging / f"{name}.parquet", buffer.getvalue())
            write_file(staging / CHECKSUMS, (json.dumps(sums, indent=2, sort_keys=True) + "\n").encode())
            _fsync(staging)
            os.replace(staging, final)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        _fsync(self.batches)
        return final

    def clear(self) -> None:
        """Discard this folder's results (``--restart``): what the sweep, its figures, tables and reports wrote.

        Removal is by record: the manifest's ledger, each batch's checksums and the provenance of result folders
        inside (such as ``robustness/``). A listed file changed since is kept and named; anything unlisted (notes,
        analyses, the user's own figures and tables) stays as it is. The lock file stays: it is held.
        """
        for batch in self.batch_dirs():
            remove_batch(batch)
        self.remove_staging()
        for child in sorted(self.path.iterdir()):
            if child.is_dir() and own_record(child) is not None:
                inner = Ledger.of(child, OWN_RECORD)
                inner.remove(list(inner.files))
                (child / OWN_RECORD).unlink()
                prune_empty(child, child.parent)
        ledger = self.ledger()
        ledger.remove(list(ledger.files))
        self.manifest_path.unlink(missing_ok=True)
        prune_empty(self.batches, self.batches.parent)


def remove_batch(batch: Path) -> None:
    """Remove the files ``batch`` lists in its checksums and that still match them.

    The user's own files in it stay where they are (the folder is no longer a batch). A batch with a listed file
    that does not match (damaged, or changed) or with unreadable checksums is renamed ``kept-batch-NNNNN``
    beside it, out of use, named on stderr: plc-sim cannot tell which of its bytes are whose.
    """
    try:
        sums = json.loads((batch / CHECKSUMS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        sums = None
    if isinstance(sums, dict):
        ledger = Ledger(batch, {str(k): str(v) for k, v in sums.items()})
        changed = [name for name in ledger.files if (batch / name).exists() and not ledger.owns(name)]
        if not changed:
            ledger.remove(list(ledger.files))
            (batch / CHECKSUMS).unlink()
            prune_empty(batch, batch.parent)
            return
    kept = batch.with_name(f"kept-{batch.name}")
    number = 1
    while kept.exists():
        number += 1
        kept = batch.with_name(f"kept-{batch.name}-{number}")
    batch.rename(kept)
    print(f"plc-sim: kept {kept}: its files do not match their checksums", file=sys.stderr)


def spec_file_bytes(spec: Spec) -> dict[str, bytes]:
    """The bytes of ``spec.toml`` and ``points.parquet`` for ``spec`` (the same bytes every time)."""
    buffer = io.BytesIO()
    spec.points.to_parquet(buffer, index=False)
    return {"spec.toml": spec.text.encode("utf-8"), "points.parquet": buffer.getvalue()}


def _legacy_spec_files(folder: Path, manifest: dict) -> dict[str, str]:
    """For a manifest written before ledgers: ``spec.toml`` and ``points.parquet`` whose bytes are exactly what its
    recorded spec gives, the only files of such a folder that plc-sim can tell for its own."""
    from plc_sim.experiments.specs.spec import parse_spec

    try:
        spec = parse_spec(manifest["spec"]["text"], manifest["spec"].get("source", "<spec>"), manifest["name"],
                          recorded=manifest)
        expected = spec_file_bytes(spec)
    except Exception:  # noqa: BLE001 - a spec this plc-sim cannot read: none of its files counts as plc-sim's
        return {}
    found = {}
    for name, data in expected.items():
        path = folder / name
        if path.is_file() and path.read_bytes() == data:
            found[name] = sha256_bytes(data)
    return found


def batch_damage(batch: Path) -> str | None:
    """Why ``batch`` cannot be trusted (a missing, truncated or changed file), or None if it is intact."""
    try:
        sums = json.loads((batch / CHECKSUMS).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return f"no {CHECKSUMS}"
    except (OSError, ValueError) as error:
        return f"{CHECKSUMS} unreadable: {error}"
    if not isinstance(sums, dict) or "runs.parquet" not in sums:
        return f"{CHECKSUMS} does not list runs.parquet"
    for name in sorted(sums):
        try:
            data = (batch / name).read_bytes()
        except OSError as error:
            return f"{name}: {error.strerror}"
        if sha256_bytes(data) != sums[name]:
            return f"{name}: {len(data)} bytes that do not match their checksum"
    return None


def write_file(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` and flush it to disk (the batch's staging folder is renamed only afterwards)."""
    with open(path, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _fsync(path: Path) -> None:
    """Flush a folder's entries (a renamed batch) to disk. Windows cannot open a folder to flush it (PermissionError);
    there the rename is left to NTFS's journal."""
    if sys.platform == "win32":
        return
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def default_out(spec: Spec) -> Path:
    return RESULTS_ROOT / spec.name


# --- opening a folder for a sweep ----------------------------------------------------------------------------------

def open_result_folder(spec: Spec, out: Path | None, restart: bool) -> ResultFolder:
    """Lock the result folder and make sure it belongs to ``spec``: new, resumable, or refused (exit 2).

    Every refusal happens before anything is written, the lock file included.
    """
    folder = ResultFolder(out if out is not None else default_out(spec))
    blocking = next((p for p in (folder.path, *folder.path.parents) if p.exists() and not p.is_dir()), None)
    if blocking is not None:
        raise InputError(f"--out: {blocking} exists and is not a folder")
    _check_owner(folder, spec, restart)  # before the lock file, which would be a change to someone else's folder
    check_writable(folder.path)
    folder.lock()
    try:
        manifest = _check_owner(folder, spec, restart)
        if manifest is not None and restart:
            folder.ledger().check_free(SPEC_FILES)  # they are written anew: refuse before anything is removed
            folder.clear()
            manifest = None
        _write_start(folder, spec, manifest)
        folder.remove_staging()
    except BaseException:
        folder.unlock()
        raise
    return folder


def _check_owner(folder: ResultFolder, spec: Spec, restart: bool) -> dict | None:
    """The folder's manifest if it is this spec's (or ``restart``), None if new; refuse anything else."""
    if not folder.path.is_dir():
        return None
    manifest = folder.manifest() if restart else folder.current_manifest()
    if manifest is None:
        if not _interrupted_start(folder, spec):
            raise InputError(f"--out: {folder.path} is not empty and holds no plc-sim {MANIFEST}; choose another "
                             f"folder with --out")
        return None
    if manifest["spec"].get("hash") != spec.digest and not restart:
        made_from = manifest["spec"].get("source", "another spec")
        raise InputError(
            f"{folder.path}: holds results of a different spec (made from {made_from}, spec hash "
            f"{str(manifest['spec'].get('hash'))[:12]}; {spec.source} has hash {spec.digest[:12]}); "
            f"refusing to mix them. Use --out for a new folder, or --restart to discard the old results")
    return manifest


def _interrupted_start(folder: ResultFolder, spec: Spec) -> bool:
    """True if the folder holds only what a start of this spec writes before its manifest (or nothing)."""
    for child in folder.path.iterdir():
        temporary = child.name.startswith(".") and child.name.endswith(".tmp")
        if child.name not in START_FILES and not temporary:
            return False
    spec_file = folder.path / "spec.toml"
    return not spec_file.exists() or spec_file.read_text(encoding="utf-8", errors="replace") == spec.text


def _write_start(folder: ResultFolder, spec: Spec, manifest: dict | None) -> None:
    """Write the manifest first (it marks the folder as this spec's and lists the spec files with their hashes,
    so an interrupted start is resumable), then the spec and design points that are missing."""
    data = spec_file_bytes(spec)
    if manifest is None:
        write_json_atomic(folder.manifest_path, {**new_manifest(spec),
                                                 LEDGER_KEY: {n: sha256_bytes(b) for n, b in data.items()}})
    ledger = folder.ledger()
    missing = [name for name in SPEC_FILES if not (folder.path / name).exists()]
    for name in missing:
        ledger.write(name, lambda temp, name=name: temp.write_bytes(data[name]))
    if missing:
        ledger.save()


def new_manifest(spec: Spec) -> dict:
    return {
        "format": STORE_FORMAT,
        "name": spec.name,
        "question": spec.question,
        "spec": {"source": spec.source, "hash": spec.digest, "text": spec.text},
        "design": spec.describe(),
        "factors": list(spec.factor_names),
        "rules": rules_record(spec.rules),
        "outcomes": list(spec.outcomes),
        "outcome_functions": spec.custom.record(),
        "school_series": list(spec.custom.school_series),
        "points": spec.point_count,
        "replications": spec.replications,
        "ticks": spec.ticks,
        "runs_total": spec.run_count,
        "created": provenance(),
        "sessions": [],
        "status": "running",
    }
