"""Server settings: every field from NLP_IP_* variables, flags win, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlp_ip.cli import build_parser
from nlp_ip.cli.serve import _FLAGS
from nlp_ip.errors import ConfigError
from nlp_ip.serve.settings import ServeSettings, env_name


def test_every_setting_has_a_flag_and_an_env_variable() -> None:
    fields = {field for field, _ in _FLAGS.values()}
    assert fields == set(ServeSettings.model_fields)


def test_env_variables_set_every_kind_of_field(tmp_path: Path) -> None:
    env = {"NLP_IP_MODEL": str(tmp_path), "NLP_IP_PORT": "9001", "NLP_IP_MAX_WAIT_MS": "7.5",
           "NLP_IP_API_KEYS_FILE": str(tmp_path / "k.json"), "NLP_IP_PUBLIC_DOCS": "yes",
           "NLP_IP_CORS_ORIGINS": "https://a.example, http://localhost:3000",
           "NLP_IP_MAX_LISTINGS": "12", "NLP_IP_UNRELATED": "x"}
    s = ServeSettings.from_env(environ=env)
    assert s.model == tmp_path and s.port == 9001 and s.max_wait_ms == 7.5
    assert s.public_docs is True and s.max_listings == 12
    assert s.cors_origins == ("https://a.example", "http://localhost:3000")
    s = ServeSettings.from_env({"port": 9002, "max_listings": None}, environ=env)
    assert s.port == 9002 and s.max_listings == 12  # a flag wins; None means "not given"


def test_bad_values_name_the_variable_or_flag() -> None:
    env = {"NLP_IP_PORT": "eighty", "NLP_IP_AUTH": "0"}
    with pytest.raises(ConfigError, match="environment variable NLP_IP_PORT"):
        ServeSettings.from_env(environ=env)
    with pytest.raises(ConfigError, match="--max-wait-ms"):
        ServeSettings.from_env({"max_wait_ms": -1, "auth": False}, environ={})


def test_auth_needs_a_keys_file_and_no_auth_needs_loopback() -> None:
    with pytest.raises(ConfigError, match="nlp-ip keys add"):
        ServeSettings.from_env(environ={})
    assert ServeSettings.from_env({"auth": False}, environ={}).auth is False
    with pytest.raises(ConfigError, match="anyone on the network"):
        ServeSettings.from_env({"auth": False, "host": "0.0.0.0"}, environ={})


def test_cors_wildcards_are_refused() -> None:
    with pytest.raises(ConfigError, match="explicitly"):
        ServeSettings.from_env({"auth": False, "cors_origins": "*"}, environ={})


def test_serve_flags_parse_into_settings(tmp_path: Path) -> None:
    args = build_parser().parse_args(
        ["serve", "--model", str(tmp_path), "--no-auth", "--port", "0", "--cors-origin",
         "https://a.example", "--timeout", "2.5"])
    overrides = {field: getattr(args, field) for field, _ in _FLAGS.values()}
    s = ServeSettings.from_env(overrides, environ={})
    assert (s.auth, s.port, s.cors_origins, s.request_timeout_s) == (
        False, 0, ("https://a.example",), 2.5)
    assert env_name("api_keys_file") == "NLP_IP_API_KEYS_FILE"


def test_forwarded_headers_are_ignored_unless_a_proxy_is_named(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Regression: `nlp-ip serve` left uvicorn's default, which believes X-Forwarded-For
    from any loopback client."""
    import uvicorn

    from nlp_ip.serve.server import run_server

    configs: list[uvicorn.Config] = []

    class Capture:
        def __init__(self, config: uvicorn.Config) -> None:
            configs.append(config)

        def run(self) -> None:
            pass

    monkeypatch.setattr(uvicorn, "Server", Capture)
    from serve_helpers import FakeClassifier

    import nlp_ip.serve.app as app_module

    original = app_module.create_app
    monkeypatch.setattr(app_module, "create_app",
                        lambda settings: original(settings, FakeClassifier()))
    run_server(ServeSettings(auth=False))
    env = {"NLP_IP_TRUSTED_PROXIES": "10.0.0.5, 10.1.0.0/16"}
    run_server(ServeSettings.from_env({"auth": False}, environ=env))
    assert configs[0].proxy_headers is False
    assert configs[1].proxy_headers is True
    assert configs[1].forwarded_allow_ips == ["10.0.0.5", "10.1.0.0/16"]
    for bad in ("*", "proxy.internal", "10.0.0.999"):
        with pytest.raises(ConfigError, match="IP address or network"):
            ServeSettings.from_env({"auth": False, "trusted_proxies": bad}, environ={})


def test_queue_delay_must_be_below_the_request_deadline() -> None:
    with pytest.raises(ConfigError, match="must be below request_timeout_s"):
        ServeSettings.from_env({"auth": False, "max_queue_delay_s": 5, "request_timeout_s": 5},
                               environ={})


class _Stub:
    def __init__(self, backend_name: str) -> None:
        self.backend_name = backend_name


def test_engine_layout_follows_the_backend_unless_set(tiny_run: Path, tmp_path: Path) -> None:
    from nlp_ip.serve.state import engine_layout

    three = {"num_threads": 3, "auth": False}
    assert engine_layout(ServeSettings(**three), _Stub("onnx-int8")) == (3, 3)
    assert engine_layout(ServeSettings(**three), _Stub("torch-bf16")) == (1, 1)
    assert engine_layout(ServeSettings(backend="onnx-fp32", **three)) == (3, 3)
    # auto: from the folder (a torch folder here)
    assert engine_layout(ServeSettings(model=tiny_run / "model-best", **three)) == (1, 1)
    # explicit settings win, each on its own
    assert engine_layout(ServeSettings(workers=2, **three), _Stub("onnx-int8")) == (2, 2)
    assert engine_layout(ServeSettings(workers=2, engine_concurrency=1, **three),
                         _Stub("onnx-int8")) == (2, 1)
    assert engine_layout(ServeSettings(engine_concurrency=2, **three),
                         _Stub("torch-fp32")) == (1, 2)
