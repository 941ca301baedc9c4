"""Writing results safely: atomic files, and output folders that never lose what plc-sim did not write.

Ownership is by record, never by name: every folder plc-sim writes keeps a :class:`Ledger` (in its manifest or
provenance record) of each file it wrote with the SHA-256 of the bytes it wrote. A file is replaced or removed only
while the ledger lists it and its bytes still match; anything else of the same name is the user's.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
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


def json_text(data: Any) -> str:
    """``data`` as the JSON text of plc-sim's records (indented, keys sorted)."""
    return json.dumps(data, indent=2, sort_keys=True, default=str) + "\n"


def write_json_atomic(path: Path, data: Any) -> None:
    """Write ``data`` as JSON to ``path`` atomically (see :func:`atomic_path`)."""
    write_text_atomic(path, json_text(data))


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


LEDGER_KEY = "files"
"""The key of a record (manifest, provenance) that holds its ledger: relative path -> SHA-256."""


class Ledger:
    """The files plc-sim wrote under ``folder`` (relative POSIX paths), each with the SHA-256 of what it wrote.

    ``record`` names the JSON file, relative to ``folder``, whose ``files`` key keeps the ledger (a manifest or a
    provenance record); :meth:`save` writes it back, keeping the record's other keys.
    """

    def __init__(self, folder: Path, files: Mapping[str, str] | None = None, record: str | None = None):
        self.folder = Path(folder)
        self.files: dict[str, str] = dict(files or {})
        self.record = record

    @classmethod
    def of(cls, folder: Path, record: str) -> Ledger:
        """The ledger kept in ``folder/record`` (empty if there is no record, or a record without hashes)."""
        try:
            data = json.loads((Path(folder) / record).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = {}
        files = data.get(LEDGER_KEY) if isinstance(data, dict) else None
        # A list of names (plc-sim before ledgers) says nothing about the bytes: none of them counts as plc-sim's.
        return cls(folder, files if isinstance(files, dict) else {}, record)

    def save(self) -> None:
        """Write the ledger into its record, keeping the record's other keys."""
        path = self.folder / self.record
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            data = {}
        data[LEDGER_KEY] = dict(sorted(self.files.items()))
        write_json_atomic(path, data)

    def owns(self, name: str) -> bool:
        """True if ``name`` is on the ledger and its bytes are still the ones plc-sim wrote."""
        path = self.folder / name
        inside = path.resolve().is_relative_to(self.folder.resolve())  # a record naming "../x" owns nothing
        return name in self.files and inside and path.is_file() and not path.is_symlink() and \
            sha256_file(path) == self.files[name]

    def problem(self, name: str) -> str | None:
        """Why plc-sim may not replace ``name`` (it exists and is not plc-sim's unchanged file), or None."""
        path = self.folder / name
        if not (path.exists() or path.is_symlink()) or self.owns(name):
            return None
        changed = "has changed since plc-sim wrote it" if name in self.files else "was not written by plc-sim"
        return f"{path} {changed}; plc-sim replaces only its own unchanged files: move it away and run again"

    def check_free(self, names: Iterable[str]) -> None:
        """Raise :class:`InputError` (one line) for the first of ``names`` plc-sim may not replace."""
        for name in names:
            problem = self.problem(name)
            if problem is not None:
                raise InputError(problem)

    def write(self, name: str, write: Callable[[Path], None]) -> Path:
        """Write ``name`` atomically with ``write(temporary path)`` and list it; refuse to replace another's file.

        With a record, the ledger is saved at once, so an interrupt cannot leave plc-sim's file unlisted for long.
        """
        self.check_free([name])
        path = self.folder / name
        with atomic_path(path) as temp:
            write(temp)
            digest = sha256_file(temp)
        self.files[name] = digest
        if self.record is not None:
            self.save()
        return path

    def write_text(self, name: str, text: str) -> Path:
        return self.write(name, lambda temp: temp.write_text(text, encoding="utf-8"))

    def remove(self, names: Iterable[str]) -> None:
        """Remove each of ``names`` that plc-sim still owns; keep any other (one line on stderr naming it).

        Every name leaves the ledger: a file kept because it changed is the user's from now on. Folders left
        empty by a removal go too.
        """
        for name in list(names):
            path = self.folder / name
            if self.owns(name):
                path.unlink()
                prune_empty(path.parent, self.folder)
            elif path.exists():
                print(f"plc-sim: kept {path}: it has changed since plc-sim wrote it", file=sys.stderr)
            self.files.pop(name, None)


def prune_empty(folder: Path, top: Path) -> None:
    """Remove ``folder`` and its parents below ``top`` while they are empty (a folder holding anything stays)."""
    top = top.resolve()
    folder = folder.resolve()
    while folder != top and folder.is_relative_to(top):
        try:
            folder.rmdir()
        except OSError:  # not empty: the user's files (or plc-sim's others) live there
            return
        folder = folder.parent


OWN_RECORD = "provenance.json"
"""Every folder ``plc-sim run`` or ``plc-sim validate`` writes carries this record; it is how plc-sim knows its own."""


def own_record(folder: Path, name: str = OWN_RECORD) -> dict[str, Any] | None:
    """The provenance record ``name`` of an earlier plc-sim result in ``folder``, or None if it is not plc-sim's."""
    try:
        record = json.loads((folder / name).read_text(encoding="utf-8"))
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
        if not isinstance(record.get(LEDGER_KEY), dict):
            raise InputError(f"--out: {out} holds a result of an older plc-sim that kept no checksums of its files, "
                             "so it cannot tell them from yours; choose a new folder")
        earlier = Ledger.of(out, OWN_RECORD)
        changed = next((name for name in sorted(earlier.files) if earlier.problem(name)), None)
        if changed is not None:  # before the work, not after
            raise InputError(f"--out: {earlier.problem(changed)}")
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
    the earlier result that this one does not write are removed, all by the earlier record's :class:`Ledger`:
    nothing plc-sim did not write, or has changed since, is replaced or removed, and the folder itself is never
    removed. The provenance record written inside the block must name the command; publishing adds the ledger.
    A crash, an interrupt or a refusal inside the block leaves ``out`` as it was and no staging folder behind.
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
    new = Ledger(out, {name: sha256_file(staging / name) for name in _relative_files(staging)
                       if name != OWN_RECORD}, OWN_RECORD)
    record_path = staging / OWN_RECORD
    record = json.loads(record_path.read_text(encoding="utf-8"))
    record[LEDGER_KEY] = new.files
    write_json_atomic(record_path, record)
    if not out.exists():
        staging.rename(out)
        return
    earlier = Ledger.of(out, OWN_RECORD)
    earlier.check_free(new.files)  # every refusal before the first file moves
    for name in new.files:
        target = out / name
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staging / name, target)
    earlier.remove(set(earlier.files) - set(new.files))
    os.replace(record_path, out / OWN_RECORD)  # last: the record names what is there


def read_spec_text(path: Path, error: type[Exception], what: str) -> str:
    """The text of the ``what`` file at ``path``; a missing or unreadable file raises ``error`` in one line."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error(f"{path}: no such {what}") from None
    except (OSError, UnicodeDecodeError) as problem:
        raise error(f"{path}: cannot read the spec ({problem})") from None
