"""API keys: a JSON file of salted scrypt hashes, shared by ``nlp-ip keys`` and the server.

A key looks like ``nlpip_<key id>_<secret>``. The key id (12 hex characters)
is not secret: it only picks the record to check, so a request costs one hash,
not one per stored key. The file stores, per key, its name, key id, scopes, a
random 16-byte salt and ``scrypt(key, salt)``; the key itself is printed once
by ``nlp-ip keys add`` and stored nowhere. Comparisons are constant-time
(:func:`hmac.compare_digest`).

scrypt is slow on purpose (tens of milliseconds), so the server remembers keys
it has already verified, under an HMAC of the key with a random per-process
secret (the raw key is never kept), and re-reads the file when it changes:
``nlp-ip keys add`` or ``remove`` take effect without a restart.

Scopes: ``classify`` (``/v1/*``, ``/docs``, ``/openapi.json``) and ``metrics``
(``/metrics``). A valid key without the route's scope gets 403.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import re
import secrets
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from nlp_ip.atomic import atomic_write
from nlp_ip.errors import AuthenticationError, ConfigError, PermissionDeniedError

logger = logging.getLogger(__name__)

FILE_FORMAT = "nlp-ip-api-keys"
FILE_VERSION = 1
SCOPES: tuple[str, ...] = ("classify", "metrics", "admin")
DEFAULT_SCOPES: tuple[str, ...] = ("classify",)
#: scrypt cost: 16 MiB of memory and ~20-60 ms per hash on a server core.
SCRYPT_PARAMS: dict[str, int] = {"n": 2**14, "r": 8, "p": 1}
_KEY_RE = re.compile(r"^nlpip_(?P<key_id>[0-9a-f]{12})_(?P<secret>[A-Za-z0-9_-]{32,128})$")
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")


@dataclass(frozen=True)
class KeyRecord:
    """One stored key (never the key itself)."""

    name: str
    key_id: str
    salt: bytes
    digest: bytes
    scopes: tuple[str, ...]
    created: str
    kdf: tuple[tuple[str, int], ...]

    def public(self) -> dict[str, Any]:
        """What ``nlp-ip keys list`` shows: no salt, no hash."""
        return {"name": self.name, "key_id": self.key_id, "scopes": list(self.scopes),
                "created": self.created}


def _hash(key: str, salt: bytes, params: dict[str, int]) -> bytes:
    return hashlib.scrypt(key.encode("utf-8"), salt=salt, n=params["n"], r=params["r"],
                          p=params["p"], maxmem=256 * 1024 * 1024, dklen=32)


def generate_key() -> str:
    """A new random key (256 bits of secret)."""
    return f"nlpip_{secrets.token_hex(6)}_{secrets.token_urlsafe(32)}"


def _check_scopes(scopes: Iterable[str]) -> tuple[str, ...]:
    out = tuple(dict.fromkeys(scopes))
    unknown = [s for s in out if s not in SCOPES]
    if unknown or not out:
        raise ConfigError(f"scopes {list(out)} are not valid; choose one or more of "
                          f"{', '.join(SCOPES)}")
    return out


def _record_to_json(record: KeyRecord) -> dict[str, Any]:
    return {"name": record.name, "key_id": record.key_id, "scopes": list(record.scopes),
            "created": record.created, "salt": record.salt.hex(), "hash": record.digest.hex(),
            "kdf": {"name": "scrypt", **dict(record.kdf)}}


def read_keys_file(path: str | os.PathLike[str]) -> list[KeyRecord]:
    """Read and check a keys file; a missing file is an error naming the fix."""
    file = Path(path)
    if not file.is_file():
        raise ConfigError(f"API keys file {file} does not exist; create it with "
                          f"`nlp-ip keys add NAME --keys-file {file}`")
    mode = file.stat().st_mode & 0o777
    if mode & 0o077:
        logger.warning("API keys file %s is readable by other users (mode %o); "
                       "run `chmod 600 %s`", file, mode, file)
    try:
        raw = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"API keys file {file} is not readable JSON ({exc}); it should be "
                          "written by `nlp-ip keys add`") from None
    if not isinstance(raw, dict) or raw.get("format") != FILE_FORMAT:
        raise ConfigError(f"{file} is not an nlp-ip API keys file (expected \"format\": "
                          f"\"{FILE_FORMAT}\"); it should be written by `nlp-ip keys add`")
    if int(raw.get("version", 0)) > FILE_VERSION:
        raise ConfigError(f"{file} has version {raw.get('version')}; this nlp-ip reads up to "
                          f"{FILE_VERSION}. Upgrade nlp-ip")
    records = []
    for i, item in enumerate(raw.get("keys", [])):
        try:
            kdf = dict(item["kdf"])
            if kdf.pop("name") != "scrypt":
                raise ValueError("only scrypt hashes are supported")
            records.append(KeyRecord(
                name=str(item["name"]), key_id=str(item["key_id"]),
                salt=bytes.fromhex(item["salt"]), digest=bytes.fromhex(item["hash"]),
                scopes=_check_scopes(item.get("scopes", DEFAULT_SCOPES)),
                created=str(item.get("created", "")),
                kdf=tuple(sorted((k, int(v)) for k, v in kdf.items()))))
        except (KeyError, TypeError, ValueError, ConfigError) as exc:
            raise ConfigError(f"{file}: key entry {i} is malformed ({exc}); remove it and "
                              "add the key again with `nlp-ip keys add`") from None
    return records


def _write_keys_file(path: Path, records: list[KeyRecord]) -> None:
    """Write atomically; the file is created with mode 0600 and never exists wider."""
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"format": FILE_FORMAT, "version": FILE_VERSION,
               "keys": [_record_to_json(r) for r in records]}
    with atomic_write(path, mode=0o600) as handle:
        json.dump(payload, handle, indent=2)
        handle.write("\n")


def add_key(path: str | os.PathLike[str], name: str,
            scopes: Iterable[str] = DEFAULT_SCOPES) -> str:
    """Create a key named ``name``, store its salted hash in ``path``, return the key.

    The returned key is the only copy; the caller shows it once.
    """
    file = Path(path)
    if not _NAME_RE.match(name):
        raise ConfigError(f"key name {name!r} is not valid; use 1-64 letters, digits, "
                          "'.', '_', '@' or '-', starting with a letter or digit")
    checked = _check_scopes(scopes)
    records = read_keys_file(file) if file.exists() else []
    if any(r.name == name for r in records):
        raise ConfigError(f"{file} already has a key named {name!r}; pick another name or "
                          f"remove it first with `nlp-ip keys remove {name}`")
    key = generate_key()
    match = _KEY_RE.match(key)
    assert match is not None
    salt = secrets.token_bytes(16)
    records.append(KeyRecord(
        name=name, key_id=match["key_id"], salt=salt, digest=_hash(key, salt, SCRYPT_PARAMS),
        scopes=checked, created=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        kdf=tuple(sorted(SCRYPT_PARAMS.items()))))
    _write_keys_file(file, records)
    logger.info("added API key %r to %s", name, file)
    return key


def remove_key(path: str | os.PathLike[str], name: str) -> None:
    """Remove the key named ``name``; the server stops accepting it within seconds."""
    file = Path(path)
    records = read_keys_file(file)
    kept = [r for r in records if r.name != name]
    if len(kept) == len(records):
        raise ConfigError(f"{file} has no key named {name!r}; `nlp-ip keys list` shows the "
                          "names")
    _write_keys_file(file, kept)


def list_keys(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """Names, key ids, scopes and creation times of the stored keys."""
    return [r.public() for r in read_keys_file(path)]


class KeyStore:
    """Checks bearer keys against a keys file, re-reading it when it changes."""

    def __init__(self, path: str | os.PathLike[str], *, reload_interval_s: float = 2.0,
                 cache_size: int = 4096) -> None:
        self.path = Path(path)
        self.reload_interval_s = reload_interval_s
        self.cache_size = cache_size
        self._pepper = secrets.token_bytes(32)
        self._lock = threading.Lock()
        self._hash_lock = threading.Lock()
        self._records: dict[str, KeyRecord] = {}
        self._verified: dict[bytes, KeyRecord] = {}
        self._stamp: tuple[int, int] | None = None
        self._checked_at = 0.0
        self._load()

    def _load(self) -> None:
        stat = self.path.stat() if self.path.exists() else None
        records = read_keys_file(self.path)
        with self._lock:
            self._records = {r.key_id: r for r in records}
            self._verified.clear()
            self._stamp = (stat.st_mtime_ns, stat.st_size) if stat else None
            self._checked_at = time.monotonic()
        logger.info("loaded %d API key(s) from %s", len(records), self.path)

    def _maybe_reload(self) -> None:
        now = time.monotonic()
        if now - self._checked_at < self.reload_interval_s:
            return
        self._checked_at = now
        try:
            stat = self.path.stat()
        except OSError:
            logger.warning("API keys file %s is gone; keeping the keys loaded before",
                           self.path)
            return
        if (stat.st_mtime_ns, stat.st_size) != self._stamp:
            try:
                self._load()
            except ConfigError as exc:
                logger.error("keeping the previous API keys: %s", exc)

    def __len__(self) -> int:
        return len(self._records)

    def _cache_key(self, token: str) -> bytes:
        return hmac.new(self._pepper, token.encode("utf-8", "surrogatepass"),
                        hashlib.sha256).digest()

    def lookup_cached(self, token: str) -> KeyRecord | None:
        """The record of an already-verified key, without hashing (fast path)."""
        self._maybe_reload()
        return self._verified.get(self._cache_key(token))

    def verify(self, token: str) -> KeyRecord:
        """Check a presented key; raises :class:`AuthenticationError` (message fixed)."""
        cached = self.lookup_cached(token)
        if cached is not None:
            return cached
        match = _KEY_RE.match(token)
        record = self._records.get(match["key_id"]) if match else None
        if record is None or match is None:
            raise AuthenticationError("missing or invalid API key")
        # One hash at a time: 32 new connections presenting the same key cost one scrypt,
        # not 32, and wrong keys can keep at most one core busy.
        with self._hash_lock:
            cached = self._verified.get(self._cache_key(token))
            if cached is not None:
                return cached
            digest = _hash(token, record.salt, dict(record.kdf))
            if not hmac.compare_digest(digest, record.digest):
                raise AuthenticationError("missing or invalid API key")
            with self._lock:
                # The file may have been reloaded while the key was hashed: cache (and
                # accept) the key only if it is still in the keys now loaded, unchanged.
                current = self._records.get(record.key_id)
                if (current is None or current.digest != record.digest
                        or current.salt != record.salt):
                    raise AuthenticationError("missing or invalid API key")
                if len(self._verified) >= self.cache_size:
                    self._verified.clear()
                self._verified[self._cache_key(token)] = current
        return current

    @staticmethod
    def authorize(record: KeyRecord, scope: str) -> None:
        """Raise :class:`PermissionDeniedError` unless the key has ``scope``."""
        if scope not in record.scopes:
            raise PermissionDeniedError("this API key is not allowed to use this endpoint")
