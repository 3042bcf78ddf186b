"""Reviewer accounts, sessions and CSRF tokens (stdlib only).

- Passwords: ``hashlib.scrypt`` (n=2**14, r=8, p=1) with a 16-byte random salt per
  user; compared in constant time. The parameters are stored per user so they can
  be raised later without breaking old accounts.
- Sessions: a random token; the cookie holds ``token.signature`` where the
  signature is HMAC-SHA256 of the token under the server secret, and the database
  holds only the SHA-256 of the token, its expiry and the session's CSRF token.
  Changing the secret or deleting the row ends the session.
- Server secret: given explicitly, or ``$NLP_IP_REVIEW_SECRET``, or read from a
  file (created with mode 0600 next to the database on first use).
- Sign-in limits (:class:`SignInLimits`, :func:`sign_in`): an account that keeps failing
  waits longer and longer between attempts, and failed sign-ins across all accounts have a
  budget per minute. A browser that signed in to an account before carries a signed device
  cookie that is counted on its own, so an attack on an account or a spraying run does not
  lock out the reviewers who use it. Client addresses play no part: they are spoofable
  behind proxies and shared behind NAT.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import logging
import os
import re
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from nlp_ip.errors import AuthenticationError, InvalidInputError, TooManyAttemptsError
from nlp_ip.review.store import ReviewStore, utc_now
from nlp_ip.settings import RuntimeSettings

logger = logging.getLogger(__name__)

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
MIN_PASSWORD_CHARS = 8
_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")


def hash_password(password: str, salt: bytes, *, n: int = SCRYPT_N, r: int = SCRYPT_R,
                  p: int = SCRYPT_P) -> bytes:
    """The scrypt hash of ``password`` (UTF-8) under ``salt``."""
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p,
                          maxmem=128 * n * r * p + 1024 * 1024, dklen=32)


def add_user(store: ReviewStore, name: str, password: str, *, replace: bool = False) -> None:
    """Create a reviewer account (or set a new password with ``replace=True``)."""
    if not _USERNAME.match(name):
        raise InvalidInputError(f"user name {name!r} is not allowed; use 1-64 letters, digits, "
                                "'.', '_', '@' or '-', starting with a letter or digit")
    if len(password) < MIN_PASSWORD_CHARS:
        raise InvalidInputError(f"password: is {len(password)} characters; use at least "
                                f"{MIN_PASSWORD_CHARS}")
    salt = secrets.token_bytes(16)
    digest = hash_password(password, salt)
    with store.write() as conn:
        exists = conn.execute("SELECT id FROM users WHERE name = ?", (name,)).fetchone()
        if exists is not None and not replace:
            raise InvalidInputError(f"user {name!r} already exists in {store.path}; pass "
                                    "--replace to set a new password")
        if exists is not None:
            conn.execute("UPDATE users SET salt = ?, password_hash = ?, scrypt_n = ?, "
                         "scrypt_r = ?, scrypt_p = ? WHERE id = ?",
                         (salt, digest, SCRYPT_N, SCRYPT_R, SCRYPT_P, exists["id"]))
            conn.execute("DELETE FROM sessions WHERE user_id = ?", (exists["id"],))
        else:
            conn.execute("INSERT INTO users(name, salt, password_hash, scrypt_n, scrypt_r, "
                         "scrypt_p, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                         (name, salt, digest, SCRYPT_N, SCRYPT_R, SCRYPT_P, utc_now()))


# A fixed dummy record so a sign-in for an unknown name costs as much as a real one.
_DUMMY_SALT = b"nlp-ip-no-user!!"


def verify_user(store: ReviewStore, name: str, password: str) -> int:
    """The user id for a correct name and password; :class:`AuthenticationError` otherwise."""
    with store.connect() as conn:
        row = conn.execute("SELECT * FROM users WHERE name = ? AND disabled = 0",
                           (name,)).fetchone()
    if row is None:
        hash_password(password, _DUMMY_SALT)
        raise AuthenticationError("wrong user name or password")
    digest = hash_password(password, row["salt"], n=row["scrypt_n"], r=row["scrypt_r"],
                           p=row["scrypt_p"])
    if not hmac.compare_digest(digest, row["password_hash"]):
        raise AuthenticationError("wrong user name or password")
    return int(row["id"])


@dataclass(frozen=True)
class SignInLimits:
    """How often sign-in may fail.

    An account (a user name, known or not) may fail ``max_failures`` times in a row; after
    that it waits ``backoff_s`` after each failure before its next attempt, twice as long with
    each further failure, at most ``backoff_max_s``. Across all accounts and client addresses
    at most ``failures_per_minute`` sign-ins may fail in any minute; over that budget,
    sign-in waits until the oldest failure of the minute ages out. A successful sign-in
    clears the account's failures; failures older than a day are forgotten.
    """

    max_failures: int = 5
    backoff_s: float = 30.0
    backoff_max_s: float = 900.0
    failures_per_minute: int = 20

    def __post_init__(self) -> None:
        if self.max_failures < 1 or self.failures_per_minute < 1:
            raise InvalidInputError("sign-in limits: max_failures and failures_per_minute must "
                                    "be at least 1")
        if not 0 < self.backoff_s <= self.backoff_max_s:
            raise InvalidInputError("sign-in limits: need 0 < backoff_s <= backoff_max_s, got "
                                    f"{self.backoff_s:g} and {self.backoff_max_s:g}")

    def wait_s(self, failures: Sequence[float], recent: Sequence[float], now: float, *,
               budget: bool = True) -> float:
        """Seconds before the next attempt may start (0: now).

        ``failures``: the account's failures in a row; ``recent``: every failure of the last
        minute (epoch seconds, oldest first); ``budget=False`` leaves the per-minute budget
        out (a browser with the account's device cookie).
        """
        wait = 0.0
        extra = len(failures) - self.max_failures
        if extra >= 0:
            backoff = min(self.backoff_max_s, self.backoff_s * 2.0 ** min(extra, 60))
            wait = failures[-1] + backoff - now
        if budget and len(recent) >= self.failures_per_minute:
            wait = max(wait, recent[len(recent) - self.failures_per_minute] + 60.0 - now)
        return max(0.0, wait)


def sign_in(store: ReviewStore, name: str, password: str, limits: SignInLimits, *,
            device: str | None = None) -> int:
    """The user id for a correct name and password, within ``limits``.

    Attempts are counted per account, or per device when ``device`` is the id in a device
    cookie of this account (:func:`device_of`): such a browser is not held back by an attack
    on the account, nor by the per-minute budget. The attempt is recorded before the
    password is hashed, so parallel guesses cannot overshoot a limit. Raises
    :class:`TooManyAttemptsError` (wait ``retry_after`` seconds) or
    :class:`AuthenticationError`.
    """
    account = f"user:{name.casefold()}"
    key = f"device:{device}" if device else account
    wait = store.reserve_attempt(key, functools.partial(limits.wait_s, budget=device is None))
    if wait > 0:
        raise TooManyAttemptsError("too many failed sign-ins; try again later",
                                   retry_after=wait)
    user_id = verify_user(store, name, password)  # a failure stays recorded
    # only the key that succeeded starts afresh: a reviewer signing in on her own device says
    # nothing about the failures others piled up on her account
    store.forget_attempts([key])
    return user_id


def device_cookie(secret: bytes, name: str) -> str:
    """A new signed device cookie for the account ``name`` (set after a sign-in)."""
    return sign_value(secret, f"{name.casefold()}|{secrets.token_urlsafe(16)}")


def device_of(secret: bytes, cookie: str | None, name: str) -> str | None:
    """The device id in ``cookie`` if it is a genuine device cookie of the account ``name``."""
    value = unsign_value(secret, cookie)
    if value is None:
        return None
    account, _, device = value.partition("|")
    return device if device and account == name.casefold() else None


def load_secret(*, secret: bytes | str | None = None, secret_file: str | os.PathLike[str] | None
                = None, default_file: str | os.PathLike[str] | None = None) -> bytes:
    """The server secret: ``secret``, else ``$NLP_IP_REVIEW_SECRET``, else a file.

    ``secret_file`` must exist; ``default_file`` is created (random, mode 0600) if absent.
    """
    if secret:
        value = secret.encode("utf-8") if isinstance(secret, str) else secret
    elif (configured := RuntimeSettings.from_env().review_secret) is not None:
        value = configured.get_secret_value().encode("utf-8")
    elif secret_file is not None:
        path = Path(secret_file)
        if not path.is_file():
            raise InvalidInputError(f"secret file {path} does not exist; create one with "
                                    "`python -c 'import secrets; print(secrets.token_hex(32))' "
                                    f"> {path}`")
        value = path.read_bytes().strip()
    elif default_file is not None:
        path = Path(default_file)
        if not path.exists():
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32) + "\n")
            logger.info("created server secret %s", path)
        value = path.read_bytes().strip()
    else:
        raise InvalidInputError("no server secret: pass one, set $NLP_IP_REVIEW_SECRET or "
                                "give a secret file")
    if len(value) < 16:
        raise InvalidInputError(f"server secret is {len(value)} bytes; use at least 16 "
                                "random bytes")
    return value


def _sign(secret: bytes, value: str) -> str:
    mac = hmac.new(secret, value.encode("ascii"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode("ascii").rstrip("=")


def sign_value(secret: bytes, value: str) -> str:
    """``value.signature`` for a cookie."""
    return f"{value}.{_sign(secret, value)}"


def unsign_value(secret: bytes, signed: str | None) -> str | None:
    """The value of a ``value.signature`` string, or ``None`` if the signature is wrong."""
    if not signed or "." not in signed or len(signed) > 512:
        return None
    value, _, signature = signed.rpartition(".")
    try:
        expected = _sign(secret, value)
    except UnicodeEncodeError:
        return None
    return value if hmac.compare_digest(expected, signature) else None


@dataclass(frozen=True)
class Session:
    """A signed-in reviewer."""

    user_id: int
    user: str
    csrf_token: str
    expires_at: float


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def create_session(store: ReviewStore, secret: bytes, user_id: int, *, ttl_s: float
                   ) -> tuple[str, Session]:
    """A new session; returns the signed cookie value and the session."""
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    now = time.time()
    with store.write() as conn:
        conn.execute("DELETE FROM sessions WHERE expires_at < ?", (now,))
        conn.execute("INSERT INTO sessions(token_hash, user_id, csrf_token, created_at, "
                     "expires_at) VALUES (?, ?, ?, ?, ?)",
                     (_token_hash(token), user_id, csrf, now, now + ttl_s))
        name = conn.execute("SELECT name FROM users WHERE id = ?", (user_id,)).fetchone()[0]
    return sign_value(secret, token), Session(user_id, name, csrf, now + ttl_s)


def read_session(store: ReviewStore, secret: bytes, cookie: str | None) -> Session | None:
    """The live session for a cookie value, or ``None`` (unsigned, unknown or expired)."""
    token = unsign_value(secret, cookie)
    if token is None:
        return None
    with store.connect() as conn:
        row = conn.execute(
            "SELECT s.user_id, s.csrf_token, s.expires_at, u.name FROM sessions s "
            "JOIN users u ON u.id = s.user_id WHERE s.token_hash = ? AND u.disabled = 0",
            (_token_hash(token),)).fetchone()
    if row is None or row["expires_at"] < time.time():
        return None
    return Session(int(row["user_id"]), str(row["name"]), str(row["csrf_token"]),
                   float(row["expires_at"]))


def end_session(store: ReviewStore, secret: bytes, cookie: str | None) -> None:
    token = unsign_value(secret, cookie)
    if token is None:
        return
    with store.write() as conn:
        conn.execute("DELETE FROM sessions WHERE token_hash = ?", (_token_hash(token),))
