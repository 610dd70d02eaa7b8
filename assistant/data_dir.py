"""Can the data folder be written? Asked when `assistant index`, `ingest`, `remove`, `serve` and `mcp`
start, before they write anything, so a read-only or full folder is one clear error, not a half-written
index.

Each folder the command writes gets a probe: a small file created, written, fsynced and removed (a
full disk may only say so at fsync). A folder not made yet is probed where it would be made. A path
that is a file, not a folder, is left to the command, which reports it without writing.

>>> import tempfile
>>> folder = Path(tempfile.mkdtemp())
>>> print(find_unwritable([folder / "chroma", folder / "cache"]))
None
>>> sorted(folder.iterdir())  # the probe left nothing behind
[]
>>> print(Unwritable(Path("/srv/data"), Fault.READ_ONLY, "Read-only file system"))
the data folder /srv/data is read-only (Read-only file system); nothing was written
"""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Literal

from assistant.config import Settings

PROBE_BYTES = 64 * 1024  # a disk with less than this free is full for an index write
READ_ONLY_ERRORS = {errno.EROFS, errno.EACCES, errno.EPERM}
# EFBIG: a file-size limit (RLIMIT_FSIZE) stops writes the way a full disk does.
FULL_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


class Fault(StrEnum):
    READ_ONLY = "read-only"
    FULL = "full"
    OTHER = "other"


@dataclass(frozen=True)
class Unwritable:
    """A folder the command must write and cannot, and the OS's words for why."""

    folder: Path
    fault: Fault
    detail: str  # e.g. "Permission denied", "No space left on device"

    def __str__(self) -> str:
        if self.fault is Fault.READ_ONLY:
            return f"the data folder {self.folder} is read-only ({self.detail}); nothing was written"
        if self.fault is Fault.FULL:
            return f"no space left on device in {self.folder} ({self.detail}); nothing was written"
        return f"cannot write in the data folder {self.folder} ({self.detail}); nothing was written"


def folders_written(settings: Settings, command: Literal["index", "ingest", "remove", "serve", "mcp"],
                    index: bool = True) -> list[Path]:
    """The folders `command` writes: the index (unless a Chroma server holds it, or `index` is False:
    `ingest --no-index`) and the parse cache; `ingest` and `remove` also the user documents; `serve`
    also the feedback database's folder and the app's export files (`mcp` writes neither). User
    documents are only read by index, serve and mcp.

    >>> s = Settings(data_dir=Path("/srv/data"), chroma_host=None)
    >>> [str(p) for p in folders_written(s, "remove")]
    ['/srv/data/documents', '/srv/data/chroma', '/srv/data/cache']
    >>> [str(p) for p in folders_written(s, "ingest", index=False)]
    ['/srv/data/documents', '/srv/data/cache']
    >>> folders_written(s, "mcp") == folders_written(s, "index")
    True
    """
    folders = [settings.cache_dir]
    if index and not settings.chroma_host:
        folders.insert(0, settings.index_dir)
    if command in ("ingest", "remove"):
        folders.insert(0, settings.user_docs_dir)
    if command == "serve":
        folders = [settings.feedback_db.parent, *folders, settings.app_files_dir]
    return folders


def find_unwritable(folders: Iterable[Path]) -> Unwritable | None:
    """The first folder that cannot be written, or None when every one can."""
    for folder in folders:
        existing = _nearest_existing(Path(folder))
        if not existing.is_dir():
            continue  # a file in the way: the command's own mkdir reports it, writing nothing
        try:
            _probe(existing)
        except OSError as error:
            fault = (Fault.READ_ONLY if error.errno in READ_ONLY_ERRORS
                     else Fault.FULL if error.errno in FULL_ERRORS else Fault.OTHER)
            return Unwritable(existing, fault, error.strerror or str(error))
    return None


def _nearest_existing(folder: Path) -> Path:
    folder = folder.absolute()
    while not folder.exists() and folder.parent != folder:
        folder = folder.parent
    return folder


def _probe(folder: Path) -> None:
    descriptor, name = tempfile.mkstemp(prefix=".write-probe-", dir=folder)
    try:
        block = b"\0" * PROBE_BYTES
        written = 0
        while written < PROBE_BYTES:
            written += os.write(descriptor, block[written:])
        os.fsync(descriptor)
    finally:
        try:
            os.close(descriptor)
        finally:
            os.unlink(name)
