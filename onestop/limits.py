"""A ledger write refused by a limit on the process rather than by the disk: the file size limit (``ulimit -f``).

SQLite meets it as a failed write and reports "disk I/O error" (or, when part of a page still fitted, "database or
disk is full"); ``db.storage_error`` then says the database cannot be opened, or that the disk is full, which sends
the user looking in the wrong place.
"""

from __future__ import annotations

from pathlib import Path

from onestop.db import sqlite_path
from onestop.errors import StorageError

_PAGE_MARGIN = 64 * 1024  # a write that fails may be short of the limit by up to a page or so


def file_size_limit() -> int | None:
    """The process's soft limit on the size of a file it writes, in bytes (``None``: unlimited, or unknown)."""
    try:
        import resource
    except ImportError:  # Windows
        return None
    soft, _ = resource.getrlimit(resource.RLIMIT_FSIZE)
    return None if soft == resource.RLIM_INFINITY else int(soft)


def file_size_error(error: BaseException, *, url: str) -> StorageError | None:
    """``storage.file_size`` if ``error`` (a failed SQLite statement) comes from the file size limit, else None."""
    limit = file_size_limit()
    if limit is None:
        return None
    cause = getattr(error, "orig", error)
    name = str(getattr(cause, "sqlite_errorname", ""))
    if not (name.startswith("SQLITE_IOERR") or name == "SQLITE_FULL"):
        return None
    if name == "SQLITE_FULL" and not _reaches(sqlite_path(url), limit):  # then the disk is full indeed
        return None
    return StorageError("storage.file_size", limit=limit, detail=str(cause).splitlines()[0] if str(cause) else "")


def _reaches(path: Path | None, limit: int) -> bool:
    if path is None:
        return False
    sizes = []
    for candidate in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-journal")):
        try:
            sizes.append(candidate.stat().st_size)
        except OSError:
            continue
    return any(size + _PAGE_MARGIN >= limit for size in sizes)
