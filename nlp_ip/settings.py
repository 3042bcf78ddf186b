"""The one place that reads ``NLP_IP_*`` environment variables.

Every setting a user can give through the environment belongs to a typed
settings object: :class:`RuntimeSettings` here for the library (brand catalog,
backend override, allocator tuning, model registry, the review server's secret) and
:class:`nlp_ip.serve.settings.ServeSettings` for the HTTP server. Both are read
by :func:`settings_from_env`: field ``name`` comes from ``NLP_IP_<NAME>``,
explicit values win over the environment, which wins over the defaults, and a
bad value raises :class:`~nlp_ip.errors.ConfigError` naming the variable.
Library code asks these objects; it never reads ``os.environ`` itself.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from nlp_ip.errors import ConfigError

ENV_PREFIX = "NLP_IP_"

SettingsT = TypeVar("SettingsT", bound=BaseModel)


def env_name(field: str) -> str:
    """The environment variable that sets ``field`` (``max_wait_ms`` -> ``NLP_IP_MAX_WAIT_MS``)."""
    return ENV_PREFIX + field.upper()


def settings_from_env(cls: type[SettingsT], overrides: Mapping[str, Any] | None = None,
                      environ: Mapping[str, str] | None = None, *,
                      what: str = "settings") -> SettingsT:
    """``cls`` filled from ``NLP_IP_*`` variables, with ``overrides`` (non-None) on top."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for name in cls.model_fields:
        var = env_name(name)
        raw = environ.get(var)
        if raw is not None and raw.strip() != "":
            values[name] = raw.strip()
            sources[name] = f"environment variable {var}"
    for name, value in (overrides or {}).items():
        if name not in cls.model_fields:
            raise ConfigError(f"unknown {what} setting {name!r}; known: "
                              f"{', '.join(cls.model_fields)}")
        if value is not None:
            values[name] = value
            sources[name] = f"--{name.replace('_', '-')}"
    try:
        return cls.model_validate(values)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = [str(part) for part in err.get("loc", ())]
            field = loc[0] if loc else ""
            where = sources.get(field, field or what)
            message = str(err.get("msg", "invalid")).removeprefix("Value error, ")
            problems.append(f"{where} ({field}): {message}" if field else message)
        raise ConfigError(f"invalid {what}: " + "; ".join(problems)) from None


def trusted_proxy(value: str) -> str:
    """A reverse proxy's IP address or network (``10.0.0.5``, ``10.0.0.0/24``), normalized;
    ``ValueError`` for anything else (uvicorn would silently never match it)."""
    text = value.strip()
    try:
        if "/" in text:
            return str(ipaddress.ip_network(text, strict=False))
        return str(ipaddress.ip_address(text))
    except ValueError:
        raise ValueError(f"got {value!r}; name the reverse proxy by its IP address or network "
                         "(e.g. 10.0.0.5 or 10.0.0.0/24). '*' (believe anyone's forwarded "
                         "headers) is not accepted") from None


def uvicorn_proxy_options(trusted_proxies: Sequence[str]) -> dict[str, Any]:
    """uvicorn's options for ``X-Forwarded-For``/``-Proto``: ignored unless proxies are named
    (uvicorn itself believes them from loopback by default), then believed only from those."""
    if not trusted_proxies:
        return {"proxy_headers": False}
    return {"proxy_headers": True, "forwarded_allow_ips": [trusted_proxy(p)
                                                           for p in trusted_proxies]}


class RuntimeSettings(BaseModel):
    """Library-wide settings from the environment (no flags: read where they are used)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    brands: Path | None = Field(
        default=None, description="brand catalog to use when none is given (NLP_IP_BRANDS)")
    backend: str = Field(
        default="auto", description="backend that `auto` stands for, e.g. onnx-int8 "
                                    "(NLP_IP_BACKEND)")
    malloc_tuning: bool = Field(
        default=True, description="return freed memory to the system after inference chunks "
                                  "(NLP_IP_MALLOC_TUNING=0 turns it off)")
    registry: Path | None = Field(
        default=None, description="model registry folder used when no --registry is given "
                                  "(NLP_IP_REGISTRY)")
    review_secret: SecretStr | None = Field(
        default=None, description="secret that signs review session cookies "
                                  "(NLP_IP_REVIEW_SECRET)")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> RuntimeSettings:
        return settings_from_env(cls, environ=environ, what="runtime settings")
