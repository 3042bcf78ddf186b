"""Run the app under uvicorn: what ``nlp-ip serve`` calls."""

from __future__ import annotations

import logging

from nlp_ip.errors import require
from nlp_ip.serve.settings import ServeSettings
from nlp_ip.settings import uvicorn_proxy_options

logger = logging.getLogger(__name__)


def run_server(settings: ServeSettings) -> int:
    """Serve until SIGINT/SIGTERM; returns the exit code (1 when the model fails to load).

    On a signal the server stops accepting connections, gives each open one its next
    answer with ``Connection: close`` for up to ``settings.drain_s`` (``/readyz`` not
    ready; :mod:`nlp_ip.draining`), lets in-flight requests finish (up to
    ``settings.shutdown_timeout_s``), then the app drains its queue and unloads the
    model.
    """
    uvicorn = require("uvicorn", extra="serve", feature="nlp-ip serve")
    from nlp_ip.artifact import read_meta
    from nlp_ip.serve.app import create_app

    if settings.model is not None:  # fail before binding the port if the folder is wrong
        if settings.registry is not None:
            from nlp_ip.registry import Registry

            read_meta(Registry(settings.registry).production(str(settings.model)))
        else:
            read_meta(settings.model)
    if settings.tracing:
        from nlp_ip.serve.tracing import configure_json_logs, install_tracer_provider

        install_tracer_provider(settings.tracing_exporter)
        configure_json_logs()
    from nlp_ip.draining import DrainMiddleware, draining_server
    from nlp_ip.inference.allocator import limit_arenas

    limit_arenas()  # before the model's threads exist: see nlp_ip.inference.allocator
    app = create_app(settings)
    drain = DrainMiddleware(app)
    config = uvicorn.Config(  # type: ignore[attr-defined]
        drain, host=settings.host, port=settings.port, log_level=settings.log_level,
        access_log=settings.access_log, timeout_graceful_shutdown=settings.shutdown_timeout_s,
        lifespan="on", log_config=None, server_header=False,
        **uvicorn_proxy_options(settings.trusted_proxies))
    server = draining_server(uvicorn, config, drain, settings.drain_s,
                             on_drain=app.state.nlp.start_draining)
    failed: list[str] = []

    def on_fatal(message: str) -> None:
        failed.append(message)
        server.should_exit = True

    app.state.nlp.on_fatal = on_fatal
    app.state.nlp.manage_gc = settings.gc_freeze  # this process is the server's own
    logger.info("serving %s on http://%s:%d (auth %s, CORS %s)", settings.model, settings.host,
                settings.port, "on" if settings.auth else "OFF",
                ", ".join(settings.cors_origins) or "off")
    server.run()
    return 1 if failed else 0
