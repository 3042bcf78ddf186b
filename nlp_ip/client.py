"""A small typed client for the HTTP API of ``nlp-ip serve``.

>>> from nlp_ip.client import Client
>>> with Client("http://127.0.0.1:8000", api_key="nlpip_...") as client:  # doctest: +SKIP
...     predictions = client.classify([{"id": "a1", "title": "G-U-C-C-I belt 1:1"}])
>>> predictions[0].label, predictions[0].decision  # doctest: +SKIP
('infringing', 'remove')

The client validates listings locally (the same rules as the server), splits
long lists into requests of ``batch_size`` listings, retries answers 429 and
503 and connection failures, waiting what ``Retry-After`` says (else an
exponential backoff with jitter), and raises the library's exceptions:
:class:`~nlp_ip.errors.InvalidInputError` (with each bad field and its index
in *your* list), :class:`~nlp_ip.errors.InputTooLargeError`,
:class:`~nlp_ip.errors.OverloadedError`, :class:`~nlp_ip.errors.NotReadyError`,
:class:`~nlp_ip.errors.RequestTimeoutError`,
:class:`~nlp_ip.errors.AuthenticationError`,
:class:`~nlp_ip.errors.PermissionDeniedError`. The key is sent only in the
``Authorization`` header and never logged.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterable
from typing import Any

from nlp_ip.errors import (
    FieldError,
    InvalidInputError,
    NlpIpError,
    NotReadyError,
    require,
)
from nlp_ip.inference.engine import Prediction
from nlp_ip.schema import Listing, parse_listings
from nlp_ip.serve.errors import error_from_response, parse_retry_after

logger = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 503})


def _record(listing: Listing) -> dict[str, Any]:
    return {k: v for k, v in listing.to_record().items()
            if v is not None and v != "" and k != "label"}


def _prediction(data: dict[str, Any]) -> Prediction:
    return Prediction(label=data["label"], probabilities=dict(data["probabilities"]),
                      confidence=float(data["confidence"]), decision=data["decision"],
                      model_version=data["model_version"], id=data.get("id"),
                      signals=data.get("signals"), prediction_set=data.get("prediction_set"))


def _shift(exc: InvalidInputError, offset: int) -> InvalidInputError:
    """The same error with listing indices counted in the caller's whole list."""
    if not offset:
        return exc
    errors = [FieldError(e.field, e.message, None if e.index is None else e.index + offset,
                         e.source) for e in exc.errors]
    shifted = type(exc)(str(exc) + f" (indices counted from listing {offset})", errors)
    return shifted


class Client:
    """Synchronous client of ``nlp-ip serve``.

    ``batch_size``: listings per request (at most the server's ``max_listings``).
    ``max_retries``: retries per request on 429, 503 and connection errors.
    ``max_backoff_s``: the longest single wait, whatever ``Retry-After`` says.
    ``transport``: an ``httpx`` transport (tests pass ``httpx.MockTransport``).
    """

    def __init__(self, base_url: str, api_key: str | None = None, *, timeout: float = 30.0,
                 batch_size: int = 64, max_retries: int = 5, max_backoff_s: float = 30.0,
                 transport: Any = None, sleep: Callable[[float], None] = time.sleep) -> None:
        httpx = require("httpx", extra="serve", feature="nlp_ip.client")
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        self.base_url = base_url.rstrip("/")
        self.batch_size = batch_size
        self.max_retries = max_retries
        self.max_backoff_s = max_backoff_s
        self._sleep = sleep
        self._httpx = httpx
        headers = {"Accept": "application/json", "User-Agent": "nlp-ip-client"}
        if api_key:
            headers["Authorization"] = f"Bearer {api_key}"
        self._http = httpx.Client(base_url=self.base_url, headers=headers,  # type: ignore[attr-defined]
                                  timeout=timeout, transport=transport)

    # -- plumbing --------------------------------------------------------------------------
    def _backoff(self, attempt: int) -> float:
        return float(min(self.max_backoff_s, 0.25 * 2**attempt * (0.5 + random.random())))

    def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        httpx = self._httpx
        attempt = 0
        while True:
            try:
                response = self._http.request(method, path, **kwargs)
            except httpx.TransportError as exc:  # type: ignore[attr-defined]
                if attempt >= self.max_retries:
                    raise NotReadyError(f"cannot reach {self.base_url} after {attempt + 1} "
                                        f"attempt(s): {type(exc).__name__}: {exc}") from exc
                delay = self._backoff(attempt)
                logger.info("%s %s failed (%s); retrying in %.2f s", method, path,
                            type(exc).__name__, delay)
            else:
                if response.status_code < 400:
                    return response
                try:
                    body = response.json()
                except ValueError:
                    body = None
                error = error_from_response(response.status_code, body, response.headers)
                if response.status_code not in RETRY_STATUSES or attempt >= self.max_retries:
                    raise error
                hinted = parse_retry_after(response.headers.get("retry-after"))
                delay = min(self.max_backoff_s,
                            hinted if hinted is not None else self._backoff(attempt))
                logger.info("%s %s answered %d; retrying in %.2f s (attempt %d of %d)",
                            method, path, response.status_code, delay, attempt + 1,
                            self.max_retries)
            attempt += 1
            self._sleep(delay)

    # -- API -------------------------------------------------------------------------------
    def classify(self, listings: Any, *, explain: bool = False) -> list[Prediction]:
        """A :class:`~nlp_ip.inference.Prediction` per listing, in order.

        Accepts one listing or a list of ``Listing`` objects, dicts or title strings.
        """
        parsed = parse_listings(listings)
        out: list[Prediction] = []
        params = {"explain": "true"} if explain else None
        for start in range(0, len(parsed), self.batch_size):
            chunk = parsed[start:start + self.batch_size]
            try:
                response = self._request("POST", "/v1/classify", params=params,
                                         json={"listings": [_record(x) for x in chunk]})
            except InvalidInputError as exc:
                raise _shift(exc, start) from None
            predictions = response.json()["predictions"]
            if len(predictions) != len(chunk):
                raise NlpIpError(f"the server answered {len(predictions)} predictions for "
                                 f"{len(chunk)} listings")
            out.extend(_prediction(p) for p in predictions)
        return out

    def classify_iter(self, listings: Iterable[Any], *, explain: bool = False
                      ) -> Iterable[Prediction]:
        """Stream predictions for an iterable of any length, ``batch_size`` at a time."""
        chunk: list[Any] = []
        for item in listings:
            chunk.append(item)
            if len(chunk) >= self.batch_size:
                yield from self.classify(chunk, explain=explain)
                chunk = []
        if chunk:
            yield from self.classify(chunk, explain=explain)

    def model_info(self) -> dict[str, Any]:
        """``GET /v1/model``: labels, version, backend, thresholds, metrics, limits."""
        info: dict[str, Any] = self._request("GET", "/v1/model").json()
        return info

    def healthy(self) -> bool:
        """True when the server process answers ``/healthz`` (no retries)."""
        try:
            return self._http.get("/healthz").status_code == 200
        except self._httpx.TransportError:  # type: ignore[attr-defined]
            return False

    def ready(self) -> bool:
        """True when the model is loaded and warm (``/readyz``, no retries)."""
        try:
            return self._http.get("/readyz").status_code == 200
        except self._httpx.TransportError:  # type: ignore[attr-defined]
            return False

    def wait_ready(self, timeout: float = 60.0, interval: float = 0.2) -> None:
        """Block until ``/readyz`` answers 200; raises NotReadyError after ``timeout``."""
        deadline = time.monotonic() + timeout
        while not self.ready():
            if time.monotonic() > deadline:
                raise NotReadyError(f"{self.base_url} was not ready within {timeout:g} s")
            self._sleep(interval)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:  # never shows the key
        return f"Client({self.base_url!r})"


__all__ = ["Client"]
