"""``nlp-ip serve``: the HTTP inference API (FastAPI + uvicorn).

Every flag can also be set by an ``NLP_IP_*`` environment variable (shown in
``--help``); a flag given on the command line wins.
"""

from __future__ import annotations

import argparse
from typing import Any

#: flag -> (settings field, argparse options)
_FLAGS: dict[str, tuple[str, dict[str, Any]]] = {
    "--model": ("model", {"metavar": "DIR"}),
    "--host": ("host", {}),
    "--port": ("port", {"type": int}),
    "--backend": ("backend", {"metavar": "NAME"}),
    "--num-threads": ("num_threads", {"type": int, "metavar": "N"}),
    "--workers": ("workers", {"type": int, "metavar": "N"}),
    "--engine-concurrency": ("engine_concurrency", {"type": int, "metavar": "N"}),
    "--cascade": ("cascade", {"action": "store_const", "const": True,
                              "help": "blend folders: the TF-IDF part decides alone the "
                                      "listings it is sure of (see docs/serving.md)"}),
    "--no-cascade": ("cascade", {"action": "store_const", "const": False,
                                 "help": "always run the full blend"}),
    "--registry": ("registry", {"metavar": "DIR"}),
    "--registry-poll": ("registry_poll_s", {"type": float, "metavar": "SECONDS"}),
    "--keys-file": ("api_keys_file", {"metavar": "FILE"}),
    "--no-auth": ("auth", {"action": "store_const", "const": False,
                           "help": "serve without API keys (loopback hosts only)"}),
    "--max-batch-tokens": ("max_batch_tokens", {"type": int, "metavar": "N"}),
    "--engine-batch-tokens": ("engine_batch_tokens", {"type": int, "metavar": "N"}),
    "--max-batch-rows": ("max_batch_rows", {"type": int, "metavar": "N"}),
    "--max-wait-ms": ("max_wait_ms", {"type": float, "metavar": "MS"}),
    "--max-queue-rows": ("max_queue_rows", {"type": int, "metavar": "N"}),
    "--max-queue-delay": ("max_queue_delay_s", {"type": float, "metavar": "SECONDS"}),
    "--max-listings": ("max_listings", {"type": int, "metavar": "N"}),
    "--max-explain-listings": ("max_explain_listings", {"type": int, "metavar": "N"}),
    "--max-body-bytes": ("max_body_bytes", {"type": int, "metavar": "BYTES"}),
    "--timeout": ("request_timeout_s", {"type": float, "metavar": "SECONDS"}),
    "--shutdown-timeout": ("shutdown_timeout_s", {"type": float, "metavar": "SECONDS"}),
    "--drain": ("drain_s", {"type": float, "metavar": "SECONDS"}),
    "--no-warmup": ("warmup", {"action": "store_const", "const": False,
                               "help": "report ready without warm-up batches"}),
    "--no-gc-freeze": ("gc_freeze", {"action": "store_const", "const": False,
                                     "help": "leave the cyclic garbage collector as it is "
                                             "(see docs/serving.md)"}),
    "--cors-origin": ("cors_origins", {"action": "append", "metavar": "ORIGIN"}),
    "--trusted-proxy": ("trusted_proxies", {"action": "append", "metavar": "ADDR"}),
    "--public-docs": ("public_docs", {"action": "store_const", "const": True}),
    "--access-log": ("access_log", {"action": "store_const", "const": True}),
    "--log-level": ("log_level", {}),
    "--tracing": ("tracing", {"action": "store_const", "const": True,
                              "help": "emit OpenTelemetry spans and JSON logs with trace ids "
                                      '(pip install "nlp-ip[otel]"); see docs/integrations.md'}),
    "--tracing-exporter": ("tracing_exporter", {"choices": ["otlp", "console", "none"]}),
}


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from nlp_ip.serve.settings import ServeSettings, env_name

    parser = subparsers.add_parser(
        "serve", help="run the HTTP inference API",
        description="Serve a model folder over HTTP: POST /v1/classify, GET /v1/model, "
                    "/healthz, /readyz, /metrics, /docs; the Open Inference Protocol (/v2) "
                    "and Hugging Face TEI's /predict and /info. Guides: docs/serving.md, "
                    "docs/integrations.md.")
    for flag, (field, spec) in _FLAGS.items():
        options = dict(spec)
        info = ServeSettings.model_fields[field]
        default = info.default
        if "help" in options:
            shown = f"; env {env_name(field)}={int(options['const'])} does the same" \
                if isinstance(default, bool) else ""
            text = f"{options.pop('help')}{shown}"
        else:
            shown = "" if default in (None, ()) else f"; default {default}"
            text = f"{info.description} (env {env_name(field)}{shown})"
        parser.add_argument(flag, dest=field, default=None, help=text, **options)
    parser.set_defaults(func=serve_cli)


def serve_cli(args: argparse.Namespace) -> int:
    from nlp_ip.serve.server import run_server
    from nlp_ip.serve.settings import ServeSettings

    overrides = {field: getattr(args, field, None) for field, _ in _FLAGS.values()}
    return run_server(ServeSettings.from_env(overrides))
