"""One exception hierarchy for the whole package.

Every error says what was expected, what was found and how to fix it. The
HTTP layer maps these classes to status codes in one place
(``nlp_ip.serve.errors``); nothing else should invent its own exception types.
"""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass
from typing import TypeGuard


class NlpIpError(Exception):
    """Base class of every error this package raises on purpose."""


@dataclass(frozen=True)
class FieldError:
    """One problem with one field of one input row."""

    field: str
    message: str
    index: int | None = None  # position in a batch, or row number in a file
    source: str | None = None  # file name, when the row came from a file

    def __str__(self) -> str:
        where = []
        if self.source is not None:
            where.append(self.source)
        if self.index is not None:
            where.append(f"row {self.index}")
        prefix = (":".join(where) + ": ") if where else ""
        return f"{prefix}field '{self.field}': {self.message}"


class InvalidInputError(NlpIpError, ValueError):
    """Input that does not match the documented schema (HTTP 422)."""

    def __init__(self, message: str, errors: list[FieldError] | None = None) -> None:
        super().__init__(message)
        self.errors: list[FieldError] = list(errors or [])


class InputTooLargeError(InvalidInputError):
    """Input over a documented size limit (HTTP 413)."""


class BadRequestError(InvalidInputError):
    """Invalid input sent in a protocol that answers every bad request with HTTP 400
    (the Open Inference Protocol of ``/v2``)."""


class DataFormatError(NlpIpError, ValueError):
    """A file that cannot be read as listings at all (unknown format, bad encoding)."""


class ConfigError(NlpIpError, ValueError):
    """A configuration file or override that does not validate."""


class ModelLoadError(NlpIpError, OSError):
    """A model folder that is missing files or was written by an incompatible version."""


class RegistryError(NlpIpError):
    """A model registry operation that cannot be done as asked (missing name or version,
    a version that exists already, a damaged record)."""


class PromotionRefusedError(RegistryError):
    """A promotion the registry refuses: the version failed its gate, was never gated
    against the current production, or the gate is stale. ``--force`` with a reason
    overrides it (and is recorded)."""


class DiskFullError(NlpIpError, OSError):
    """No space (or quota) left where a file was being written; the message names the path,
    what was kept as it was, and the fix."""

    def __init__(self, message: str, path: str | os.PathLike[str] | None = None) -> None:
        super().__init__(message)
        self.errno = errno.ENOSPC
        self.filename = None if path is None else os.fspath(path)

    def __str__(self) -> str:
        return str(self.args[0])


def is_disk_full(exc: BaseException) -> TypeGuard[OSError]:
    """True for an OSError that means the disk (or the user's quota) is full."""
    return isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)


class MissingExtraError(NlpIpError, ImportError):
    """An optional dependency is not installed; the message names the pip line."""

    def __init__(self, extra: str, module: str, feature: str) -> None:
        super().__init__(
            f"{feature} needs the '{module}' package, which is not installed. "
            f'Install it with: pip install "nlp-ip[{extra}]"'
        )
        self.extra = extra
        self.module = module


class OverloadedError(NlpIpError):
    """The server's queue is full; retry after ``retry_after`` seconds (HTTP 429)."""

    def __init__(self, message: str, retry_after: float = 1.0) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class TooManyAttemptsError(OverloadedError):
    """Too many failed attempts (sign-in); retry after ``retry_after`` seconds (HTTP 429)."""


class NotReadyError(NlpIpError):
    """The model is not loaded or warm yet (HTTP 503)."""


class ResourceBusyError(NotReadyError):
    """A shared resource (the review database) stayed locked by another writer for longer
    than a request may wait; retry after ``retry_after`` seconds (HTTP 503)."""

    def __init__(self, message: str, retry_after: float = 2.0) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class RequestTimeoutError(NlpIpError):
    """A request did not finish within its deadline (HTTP 503)."""


class AuthenticationError(NlpIpError):
    """Missing or wrong credentials (HTTP 401)."""


class PermissionDeniedError(NlpIpError):
    """Valid credentials without the right to this action (HTTP 403)."""


def require(module: str, *, extra: str, feature: str) -> object:
    """Import ``module`` or raise :class:`MissingExtraError` naming the extra."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise MissingExtraError(extra, module, feature) from exc
