"""Server settings: one typed object, filled from flags, ``NLP_IP_*`` variables and defaults.

Every field ``name`` can be set from the environment variable ``NLP_IP_<NAME>``
(``max_wait_ms`` -> ``NLP_IP_MAX_WAIT_MS``); lists are comma-separated and
booleans accept 1/0, true/false, yes/no, on/off. Command-line flags win over
the environment, which wins over the defaults. Settings are checked once, here;
the app receives a valid object.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from nlp_ip.draining import DEFAULT_DRAIN_S
from nlp_ip.settings import ENV_PREFIX as ENV_PREFIX  # re-exported
from nlp_ip.settings import env_name as env_name  # re-exported
from nlp_ip.settings import settings_from_env, trusted_proxy


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class ServeSettings(BaseModel):
    """Settings of ``nlp-ip serve`` (see ``docs/serving.md`` for a guide to tuning them)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    model: Path | None = Field(
        default=None, description="model folder written by `nlp-ip train` or `nlp-ip export`")
    host: str = Field(default="127.0.0.1", description="address to listen on")
    port: int = Field(default=8000, ge=0, le=65535, description="port (0 picks a free one)")
    backend: str = Field(default="auto", description="inference backend, or auto")
    num_threads: int | None = Field(default=None, ge=1, description="engine threads")
    workers: int | None = Field(
        default=None, ge=1,
        description="forward passes computed at once, sharing the threads (default: by "
                    "backend; onnx: one per thread, each single-threaded; torch: 1, every "
                    "pass uses all threads; see docs/serving.md)")
    engine_concurrency: int | None = Field(
        default=None, ge=1, le=64,
        description="micro-batches in the engine at once, each on its own thread (default: "
                    "by backend; onnx: as many as workers, one core each; torch: 1)")
    engine_batch_tokens: int | None = Field(
        default=None, ge=16,
        description="token budget of one forward pass inside an engine call (default: the "
                    "backend's measured best); a micro-batch larger than this is split into "
                    "forward passes that the workers run in parallel")
    registry: Path | None = Field(
        default=None,
        description="model registry folder (`nlp-ip models`): --model then names a registered "
                    "model, and the server serves its production version and follows it")
    registry_poll_s: float = Field(
        default=5.0, ge=0.2, le=3600,
        description="how often the server checks the registry's production pointer")
    cascade: bool | None = Field(
        default=None,
        description="blend folders: let the TF-IDF part decide alone the listings it is sure "
                    "of (thresholds from `nlp-ip calibrate-cascade`); default: the folder's "
                    "setting")
    api_keys_file: Path | None = Field(
        default=None, description="JSON file of salted API-key hashes (`nlp-ip keys add`)")
    auth: bool = Field(default=True, description="require API keys (off: loopback only)")
    max_batch_tokens: int = Field(
        default=8192, ge=64, description="token budget of one engine call (estimated tokens)")
    max_batch_rows: int = Field(default=256, ge=1, description="rows in one engine call, at most")
    max_wait_ms: float = Field(
        default=25.0, ge=0.0, le=1000.0,
        description="how long the first queued request waits for others to join its batch")
    max_queue_rows: int = Field(
        default=1024, ge=1, description="listings waiting at most; beyond, 429 + Retry-After")
    max_queue_delay_s: float = Field(
        default=2.0, gt=0.0,
        description="longest expected queue wait admitted (at the measured engine rate); "
                    "beyond, 429 + Retry-After")
    max_listings: int = Field(default=256, ge=1, description="listings per request, at most")
    max_explain_listings: int = Field(
        default=16, ge=1,
        description="listings per request with ?explain=true, at most (422 beyond); their "
                    "signals are extracted on one thread, behind the same queue bounds")
    max_body_bytes: int = Field(
        default=4 * 1024 * 1024, ge=1024, description="request body size limit in bytes (413)")
    request_timeout_s: float = Field(
        default=10.0, gt=0.0, description="deadline of one request; past it, 503")
    shutdown_timeout_s: float = Field(
        default=30.0, ge=0.0, description="time in-flight requests get to finish on shutdown")
    drain_s: float = Field(
        default=DEFAULT_DRAIN_S, ge=0.0,
        description="on SIGTERM, after new connections are refused: at most this long for "
                    "each open connection's next answer, sent with 'Connection: close', "
                    "before the shutdown closes idle ones (0: at once)")
    warmup: bool = Field(default=True, description="run a few batches before reporting ready")
    gc_freeze: bool = Field(
        default=True,
        description="`nlp-ip serve` only: once the model is loaded (and after each hot swap), "
                    "move every object then alive out of the cyclic garbage collector's reach "
                    "(gc.freeze), so a full collection walks only newer objects instead of "
                    "holding the GIL for about 0.25 s")
    cors_origins: tuple[str, ...] = Field(
        default=(), description="origins allowed by CORS; empty (default) means CORS is off")
    trusted_proxies: tuple[str, ...] = Field(
        default=(), description="reverse proxies (IP addresses or networks) whose "
                                "X-Forwarded-For/-Proto headers are believed; none by default")
    public_docs: bool = Field(
        default=False, description="serve /docs and /openapi.json without an API key")
    access_log: bool = Field(default=False, description="log one line per request (uvicorn)")
    log_level: str = Field(default="info", description="debug, info, warning or error")
    tracing: bool = Field(
        default=False,
        description="emit OpenTelemetry spans (request, queue, batch, model, serialize) and "
                    "log JSON lines with trace, span and request ids (needs nlp-ip[otel])")
    tracing_exporter: Literal["otlp", "console", "none"] = Field(
        default="otlp",
        description="where spans go, unless the process already has a tracer provider: otlp "
                    "(OTLP over HTTP, OTEL_EXPORTER_OTLP_* variables), console (stdout) or "
                    "none (made and dropped, to measure the cost)")

    @field_validator("cors_origins", "trusted_proxies", mode="before")
    @classmethod
    def _split_commas(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _proxy_addresses(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(trusted_proxy(proxy) for proxy in value)

    @field_validator("cors_origins")
    @classmethod
    def _explicit_origins(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for origin in value:
            if origin == "*" or "*" in origin:
                raise ValueError(
                    f"got {origin!r}; list each allowed origin explicitly "
                    "(e.g. https://moderation.example.com), wildcards are not accepted")
            if not origin.startswith(("http://", "https://")):
                raise ValueError(
                    f"got {origin!r}; an origin is scheme://host[:port], e.g. https://tool.example")
        return value

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        level = value.lower()
        if level not in {"debug", "info", "warning", "error", "critical"}:
            raise ValueError(f"got {value!r}; use debug, info, warning or error")
        return level

    @model_validator(mode="after")
    def _queue_drains_before_deadline(self) -> ServeSettings:
        if self.max_queue_delay_s >= self.request_timeout_s:
            raise ValueError(
                f"max_queue_delay_s ({self.max_queue_delay_s:g}) must be below "
                f"request_timeout_s ({self.request_timeout_s:g}): admitted requests would time "
                "out in the queue (503) instead of being refused at once (429)")
        return self

    @model_validator(mode="after")
    def _auth_needs_keys(self) -> ServeSettings:
        if self.auth and self.api_keys_file is None:
            raise ValueError(
                "API keys are required but no keys file was given. Create one with "
                "`nlp-ip keys add NAME --keys-file FILE` and pass --keys-file FILE "
                f"(or set {env_name('api_keys_file')}); for local experiments only, "
                "--no-auth disables keys on a loopback host")
        if not self.auth and not is_loopback(self.host):
            raise ValueError(
                f"auth is off but host is {self.host!r}: without API keys anyone on the network "
                "could call the model. Use a keys file, or listen on 127.0.0.1")
        return self

    @classmethod
    def from_env(cls, overrides: Mapping[str, Any] | None = None,
                 environ: Mapping[str, str] | None = None) -> ServeSettings:
        """Settings from ``NLP_IP_*`` variables, with ``overrides`` (non-None) on top.

        Raises :class:`~nlp_ip.errors.ConfigError` naming the flag or variable at fault.
        """
        return settings_from_env(cls, overrides, environ, what="server settings")
