"""OpenTelemetry tracing of the server (``nlp-ip serve --tracing``, extra ``otel``).

Off by default. When on, each HTTP request gets FastAPI's own server span
(``POST /v1/classify``, the child of the caller's W3C ``traceparent`` when it sends one),
and the server adds below it:

=============  ==============================================================================
span           covers
=============  ==============================================================================
``queue``      the request's listings waiting in the micro-batcher's queue
``batch``      the engine batch they ran in (``nlp_ip.batch.rows`` and ``.requests``: the
               whole batch, which may hold other requests' listings)
``model``      the model's call inside that batch, on the engine thread
``serialize``  writing the JSON answer
=============  ==============================================================================

These and the server span carry ``nlp_ip.request_id`` (the answer's ``X-Request-ID``) and,
once the model is loaded, ``nlp_ip.model_version``. An engine batch serves several requests,
so each
request's trace gets its own ``batch`` and ``model`` spans for the batch it was part of
(the same times and batch attributes in each). Logs become JSON lines with ``trace_id``,
``span_id`` and ``request_id`` (:func:`configure_json_logs`, set up by the server).

With tracing off nothing here imports OpenTelemetry (FastAPI itself imports its API): the
app gets :data:`NO_TRACING`, whose ``span`` is a shared no-op context manager, the batcher
gets no observer, no middleware is added, and FastAPI's native telemetry is switched off, so
no span is made even when the process has a tracer provider.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from collections.abc import Sequence
from contextlib import AbstractContextManager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, ClassVar

from nlp_ip.errors import require
from nlp_ip.serve.batching import BatchTiming, Job
from nlp_ip.serve.middleware import ASGIApp, Message, Receive, Scope, Send, request_id_of

if TYPE_CHECKING:  # pragma: no cover
    from fastapi.telemetry import TelemetryConfig

logger = logging.getLogger(__name__)

#: The id of the request being answered (set by :class:`TracingMiddleware`).
_request_id: ContextVar[str | None] = ContextVar("nlp_ip_request_id", default=None)

_NO_SPAN: AbstractContextManager[None] = contextlib.nullcontext()


class NoTracing:
    """Tracing off: nothing is recorded."""

    enabled = False
    batch_observer = None
    #: ``FastAPI(telemetry=...)``: FastAPI's native telemetry off
    fastapi_telemetry: ClassVar[TelemetryConfig] = {
        "tracing": False, "metrics": False, "logs": False, "auto_configure": False}

    def span(self, name: str) -> AbstractContextManager[Any]:
        """A no-op context manager."""
        return _NO_SPAN


#: What the app uses when tracing is off.
NO_TRACING = NoTracing()


@dataclass(frozen=True)
class JobTrace:
    """What a queued job carries for its spans: the request's context, id and when it was
    queued (``time.time_ns()``)."""

    context: Any
    request_id: str | None
    queued_ns: int


class Tracing:
    """Spans for one app: its middleware, the batcher's observer and ``span(name)``.

    ``state``: the app's :class:`~nlp_ip.serve.state.ServerState` (for the model version and
    backend, once loaded). Spans go to the process's tracer provider
    (:func:`install_tracer_provider`, or one the caller set).
    """

    enabled = True
    #: ``FastAPI(telemetry=...)``: FastAPI's server span, on the process's tracer provider.
    #: Its operation spans (dependencies, endpoint) are off: measured, they added about as
    #: much CPU per request as the server's own five spans; its metrics and logs stay off
    #: too (the server has its own).
    fastapi_telemetry: ClassVar[TelemetryConfig] = {
        "tracing": True, "metrics": False, "logs": False, "auto_configure": False,
        "operation_spans": False}

    def __init__(self, state: Any) -> None:
        require("opentelemetry.sdk.trace", extra="otel",
                feature="tracing (nlp-ip serve --tracing)")
        from opentelemetry import context, trace

        from nlp_ip import __version__

        self._state = state
        self._context = context
        self._trace = trace
        self.tracer = trace.get_tracer("nlp_ip.serve", __version__)
        self.batch_observer = self

    def attributes(self, request_id: str | None) -> dict[str, Any]:
        """The attributes every span of a request carries."""
        found = {"nlp_ip.request_id": request_id,
                 "nlp_ip.model_version": getattr(self._state.classifier, "model_version", None)}
        return {key: value for key, value in found.items() if value is not None}

    def span(self, name: str) -> AbstractContextManager[Any]:
        """A child span of the current one, made current while the block runs."""
        return self.tracer.start_as_current_span(name,
                                                 attributes=self.attributes(_request_id.get()))

    # -- the batcher's observer (nlp_ip.serve.batching.BatchObserver) -----------------------
    def capture(self) -> JobTrace:
        return JobTrace(self._context.get_current(), _request_id.get(), time.time_ns())

    def record(self, jobs: Sequence[Job[Any, Any]], timing: BatchTiming) -> None:
        backend = getattr(self._state.classifier, "backend_name", None)
        for job in jobs:
            job_trace = job.trace
            if not isinstance(job_trace, JobTrace):
                continue
            common = self.attributes(job_trace.request_id)
            self.tracer.start_span(
                "queue", context=job_trace.context, start_time=job_trace.queued_ns,
                attributes={**common, "nlp_ip.listings": len(job.rows)},
            ).end(end_time=timing.started_ns)
            batch = self.tracer.start_span(
                "batch", context=job_trace.context, start_time=timing.started_ns,
                attributes={**common, "nlp_ip.batch.rows": timing.rows,
                            "nlp_ip.batch.requests": len(jobs)})
            model = self.tracer.start_span(
                "model", context=self._trace.set_span_in_context(batch, job_trace.context),
                start_time=timing.run_started_ns,
                attributes={**common, **({"nlp_ip.backend": backend} if backend else {})})
            if timing.error is not None:
                for span in (model, batch):
                    span.set_status(self._trace.Status(self._trace.StatusCode.ERROR,
                                                       type(timing.error).__name__))
            model.end(end_time=timing.run_ended_ns)
            batch.end(end_time=timing.ended_ns)

    # -- requests ---------------------------------------------------------------------------
    async def trace_request(self, app: ASGIApp, scope: Scope, receive: Receive,
                            send: Send) -> None:
        """Run ``app`` on one HTTP request, with its id on FastAPI's server span (the current
        one) and in the context that the logs read."""
        request_id = request_id_of(scope)
        token = _request_id.set(request_id)
        self._trace.get_current_span().set_attributes(self.attributes(request_id))
        status = [500]

        async def send_status(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await app(scope, receive, send_status)
        finally:
            logger.debug("%s %s answered %d", scope.get("method", ""), scope.get("path", ""),
                         scope.get("state", {}).get("status_override", status[0]))
            _request_id.reset(token)


class TracingMiddleware:
    """Pure ASGI middleware: the request's id on its span and in its logs.

    Added inside :class:`~nlp_ip.serve.middleware.RequestContextMiddleware`, so the request
    id is known, and inside FastAPI's telemetry, so its server span is current.
    """

    def __init__(self, app: ASGIApp, tracing: Tracing) -> None:
        self.app = app
        self.tracing = tracing

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.tracing.trace_request(self.app, scope, receive, send)


def tracing_for(settings: Any, state: Any) -> Tracing | NoTracing:
    """:class:`Tracing` for ``state`` when ``settings.tracing`` is on, else :data:`NO_TRACING`."""
    return Tracing(state) if settings.tracing else NO_TRACING


# -- process set-up (the server's, never the library's) -------------------------------------

def install_tracer_provider(exporter: str) -> None:
    """Give the process an SDK tracer provider whose batch processor exports spans to
    ``exporter`` (``otlp``, ``console`` or ``none``), unless it has one already (for example
    under ``opentelemetry-instrument``)."""
    require("opentelemetry.sdk.trace", extra="otel", feature="tracing (nlp-ip serve --tracing)")
    from opentelemetry import trace
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    from nlp_ip import __version__

    if isinstance(trace.get_tracer_provider(), TracerProvider):
        return
    provider = TracerProvider(resource=Resource.create({"service.name": "nlp-ip",
                                                        "service.version": __version__}))
    provider.add_span_processor(BatchSpanProcessor(span_exporter(exporter)))
    trace.set_tracer_provider(provider)


def span_exporter(name: str) -> Any:
    """The SDK span exporter called ``name``: ``otlp`` (OTLP over HTTP, configured by the
    ``OTEL_EXPORTER_OTLP_*`` variables), ``console`` (JSON on stdout) or ``none`` (spans are
    made and batched, then dropped: for measuring what tracing costs)."""
    from opentelemetry.sdk.trace.export import (
        ConsoleSpanExporter,
        SpanExporter,
        SpanExportResult,
    )

    if name == "otlp":
        otlp = require("opentelemetry.exporter.otlp.proto.http.trace_exporter", extra="otel",
                       feature="--tracing-exporter otlp")
        return otlp.OTLPSpanExporter()  # type: ignore[attr-defined]
    if name == "console":
        return ConsoleSpanExporter()
    if name == "none":

        class DroppingExporter(SpanExporter):
            def export(self, spans: Sequence[Any]) -> SpanExportResult:
                return SpanExportResult.SUCCESS

        return DroppingExporter()
    raise ValueError(f"unknown span exporter {name!r}; use otlp, console or none")


class CorrelationFilter(logging.Filter):
    """Adds ``trace_id``, ``span_id`` (of the current span) and ``request_id`` to records."""

    def __init__(self) -> None:
        super().__init__()
        from opentelemetry import trace

        self._trace = trace

    def filter(self, record: logging.LogRecord) -> bool:
        context = self._trace.get_current_span().get_span_context()
        record.trace_id = format(context.trace_id, "032x") if context.is_valid else None
        record.span_id = format(context.span_id, "016x") if context.is_valid else None
        record.request_id = _request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the ids, any exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(
                timespec="milliseconds"),
            "level": record.levelname, "logger": record.name, "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
            "trace_id": getattr(record, "trace_id", None),
            "span_id": getattr(record, "span_id", None)}
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_json_logs(logger_: logging.Logger | None = None) -> None:
    """Make the handlers of ``logger_`` (default: the root logger) write JSON lines that carry
    the ids (a stderr handler is added when it has none)."""
    target = logger_ or logging.getLogger()
    if not target.handlers:
        target.addHandler(logging.StreamHandler())
    for handler in target.handlers:
        handler.setFormatter(JsonFormatter())
        handler.addFilter(CorrelationFilter())
