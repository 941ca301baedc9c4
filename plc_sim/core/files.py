"""Writing results safely: atomic files, and output folders that never lose what plc-sim did not write."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from plc_sim.core.errors import InputError


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; what the block writes there replaces ``path`` only if it completes.

    Readers never see a half-written file, and a failure (a full disk, an interrupt) leaves ``path`` as it was
    and no temporary file behind. The one temp-file-and-rename of the package: every writer goes through it.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(handle)
    temp = Path(name)
    try:
        yield temp
        os.chmod(temp, 0o644)  # mkstemp creates 0600; results are meant to be shared
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically (see :func:`atomic_path`)."""
    with atomic_path(path) as temp:
        temp.write_text(text, encoding="utf-8")


def write_json_atomic(path: Path, data: Any) -> None:
    """Write ``data`` as JSON to ``path`` atomically (see :func:`atomic_path`)."""
    write_text_atomic(path, json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")


OWN_RECORD = "provenance.json"
"""Every folder ``plc-sim run`` or ``plc-sim validate`` writes carries this record; it is how plc-sim knows its own."""


def own_record(folder: Path) -> dict[str, Any] | None:
    """The provenance record of an earlier plc-sim result in ``folder``, or None if the folder is not plc-sim's."""
    try:
        record = json.loads((folder / OWN_RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or "plc-sim" not in record.get("packages", {}):
        return None
    return record


def claim_folder(out: Path, command: str, overwrite: bool) -> None:
    """Check, before any work, that ``plc-sim COMMAND`` may write its result into ``out``.

    A new or empty folder is fine. A non-empty folder must hold an earlier result of the same command
    (recognized by its provenance record), and replacing it needs ``overwrite``. Anything else is refused:
    plc-sim never deletes what it did not write. Raises :class:`InputError` naming ``--out``.
    """
    blocking = next((path for path in (out, *out.parents) if path.exists() and not path.is_dir()), None)
    if blocking is not None:
        raise InputError(f"--out: {blocking} exists and is not a folder")
    if out.is_dir() and any(out.iterdir()):
        record = own_record(out)
        if record is None or record.get("command") != command:
            raise InputError(f"--out: {out} is not empty and does not hold an earlier `plc-sim {command}` result; "
                             "choose a new or empty folder (plc-sim never deletes what it did not write)")
        if not overwrite:
            raise InputError(f"--out: {out} holds an earlier `plc-sim {command}` result; pass --overwrite to "
                             "replace it")
    check_writable(out.resolve().parent)


def check_writable(folder: Path) -> None:
    """Raise :class:`InputError` naming ``--out`` unless plc-sim can write in ``folder`` (made if missing).

    The nearest existing ancestor is probed with a temporary folder that is removed at once; nothing is created
    when the location is read-only.
    """
    folder = Path(folder).resolve()
    existing = next(path for path in (folder, *folder.parents) if path.exists())
    try:
        tempfile.TemporaryDirectory(dir=existing).cleanup()
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise InputError(f"--out: cannot write in {existing} ({error.strerror})") from None


def _relative_files(folder: Path) -> list[str]:
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*") if path.is_file())


@contextmanager
def staged_folder(out: Path, command: str, overwrite: bool = False) -> Iterator[Path]:
    """Yield an empty staging folder whose files become ``out``'s only if the block completes.

    ``out`` is checked with :func:`claim_folder`. A new folder appears whole (one rename). Into an existing
    folder (empty, or plc-sim's own earlier result with ``overwrite``) each file is moved into place and files of
    the earlier result that this one does not write are removed; files plc-sim did not write are never touched,
    and the folder itself is never removed. The provenance record written inside the block must name the
    command; :func:`publish` adds the list of files. A crash or interrupt inside the block leaves ``out`` as it
    was and no staging folder behind.
    """
    out = Path(out)
    claim_folder(out, command, overwrite)
    parent = out.resolve().parent
    staging = Path(tempfile.mkdtemp(prefix=f".{out.resolve().name}.", dir=parent))
    try:
        yield staging
        _publish(staging, out)
    finally:
        if staging.exists():
            shutil.rmtree(staging)


def _publish(staging: Path, out: Path) -> None:
    files = _relative_files(staging)
    record_path = staging / OWN_RECORD
    record = json.loads(record_path.read_text(encoding="utf-8"))
    record["files"] = files
    write_json_atomic(record_path, record)
    if not out.exists():
        staging.rename(out)
        return
    earlier = own_record(out) or {}
    for name in files:
        if name != OWN_RECORD:
            target = out / name
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staging / name, target)
    for name in set(earlier.get("files", [])) - set(files):
        stale = (out / name).resolve()
        if stale.is_relative_to(out.resolve()) and stale.is_file():
            stale.unlink()
    os.replace(record_path, out / OWN_RECORD)  # last: the record names what is there


def read_spec_text(path: Path, error: type[Exception], what: str) -> str:
    """The text of the ``what`` file at ``path``; a missing or unreadable file raises ``error`` in one line."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error(f"{path}: no such {what}") from None
    except (OSError, UnicodeDecodeError) as problem:
        raise error(f"{path}: cannot read the spec ({problem})") from None
