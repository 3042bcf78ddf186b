"""Atomic writes: a file or folder appears whole at its final path, or not at all.

One mechanism for every writer in the project (model folders, ``nlp_ip.json``,
API keys, prediction shards, review exports, training caches): write next to
the target under a hidden temporary name, flush it to disk, then rename it
into place (``os.replace`` is atomic on POSIX and Windows). On any exception
the temporary file or folder is removed and the target is left as it was; a full disk
(``ENOSPC``, a quota, a file size limit) becomes :class:`~nlp_ip.errors.DiskFullError`
naming the target and the fix.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from nlp_ip.errors import DiskFullError, is_disk_full


def _temporary_name(path: Path) -> Path:
    return path.with_name(f".{path.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}")


def _fsync_directory(folder: Path) -> None:
    """Make a rename durable (POSIX); a no-op where directories cannot be opened."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def disk_full_error(target: Path, existed: bool, exc: OSError) -> DiskFullError:
    """The error for a write to ``target`` that ran out of space (``existed``: it was there
    before, and is unchanged)."""
    kept = f"{target} is as it was" if existed else f"{target} was not created"
    reason = exc.strerror or str(exc)
    return DiskFullError(f"no space left on the device holding {target} ({reason}): {kept} "
                         "and no temporary file was left. Free space (or write somewhere "
                         "else) and run again", target)


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str], *, mode: int | None = None) -> Iterator[Path]:
    """Yield a temporary path next to ``target`` for a writer that takes a path.

    On success the file is flushed to disk and renamed to ``target``; ``mode``
    (e.g. ``0o600``) is applied before the rename.
    """
    final = Path(target)
    final.parent.mkdir(parents=True, exist_ok=True)
    existed = final.exists()
    tmp = _temporary_name(final)
    try:
        yield tmp
        if mode is not None:
            os.chmod(tmp, mode)
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, final)
        _fsync_directory(final.parent)
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        if is_disk_full(exc):
            raise disk_full_error(final, existed, exc) from exc
        raise


@contextlib.contextmanager
def atomic_write(target: str | os.PathLike[str], *, binary: bool = False,
                 mode: int | None = None, encoding: str = "utf-8") -> Iterator[IO]:  # type: ignore[type-arg]
    """Open a temporary file for writing; it replaces ``target`` when the block succeeds.

    With ``mode`` the file is created with those permissions (``O_EXCL``), so a
    secret never exists with wider ones, even for a moment.
    """
    with atomic_path(target, mode=mode) as tmp:
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
        fd = os.open(tmp, flags, 0o666 if mode is None else mode)
        handle = os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding=encoding)
        with handle:
            yield handle
            handle.flush()


def write_text_atomic(target: str | os.PathLike[str], text: str, *,
                      mode: int | None = None) -> None:
    """Write ``text`` (UTF-8) to ``target`` atomically."""
    with atomic_write(target, mode=mode) as handle:
        handle.write(text)


@contextlib.contextmanager
def atomic_folder(target: str | os.PathLike[str], *, overwrite: bool = True,
                  keep_existing: bool = False) -> Iterator[Path]:
    """Yield a temporary folder next to ``target``; rename it into place on success.

    On an exception the temporary folder is removed and ``target`` is untouched.
    ``overwrite=False`` refuses an existing target up front. ``keep_existing=True``
    is for caches that several processes may fill at once: if ``target`` appeared
    meanwhile, the new copy is dropped and the existing one kept.
    """
    final = Path(target)
    final.parent.mkdir(parents=True, exist_ok=True)
    existed = final.exists()
    if existed and not overwrite and not keep_existing:
        raise FileExistsError(f"{final} exists; choose another output or allow overwriting")
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.tmp-", dir=final.parent))
    try:
        yield tmp
        if final.exists() and keep_existing:
            shutil.rmtree(tmp, ignore_errors=True)
        elif final.exists():
            old = final.with_name(f".{final.name}.old-{os.getpid()}")
            os.replace(final, old)
            os.replace(tmp, final)
            shutil.rmtree(old, ignore_errors=True)
        else:
            try:
                os.replace(tmp, final)
            except OSError:
                if not (keep_existing and final.exists()):
                    raise
                shutil.rmtree(tmp, ignore_errors=True)  # another process finished first
        _fsync_directory(final.parent)
    except BaseException as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        if is_disk_full(exc):
            raise disk_full_error(final, existed, exc) from exc
        raise
