"""Prometheus metrics of the server (``GET /metrics``).

Each app gets its own registry, so several apps (tests) never collide and
``/metrics`` shows only this server's numbers.

==========================================  ==========================================
metric                                      meaning
==========================================  ==========================================
``nlp_ip_requests_total``                   answers by route, method and status
``nlp_ip_request_duration_seconds``         latency histogram by route
``nlp_ip_listings_total``                   listings classified
``nlp_ip_batch_size_rows``                  rows per engine call (cross-request batch)
``nlp_ip_batch_requests``                   requests merged into one engine call
``nlp_ip_batch_duration_seconds``           engine time per batch
``nlp_ip_queue_depth_rows``                 listings waiting for the engine
``nlp_ip_queue_depth_requests``             requests waiting for the engine
``nlp_ip_rejections_total``                 refused requests by reason
``nlp_ip_model_info``                       1, labelled with model version and backend
``nlp_ip_ready``                            1 when the model is loaded and warm
``nlp_ip_model_reloads_total``              hot swaps of the model, by result
``nlp_ip_cascade_listings_total``           listings scored with the cascade on
``nlp_ip_cascade_skipped_total``            of those, decided by the first stage alone
==========================================  ==========================================
"""

from __future__ import annotations

from nlp_ip.errors import require

LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.02, 0.035, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1.0,
                   2.5, 5.0, 10.0, 30.0)
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)


class ServerMetrics:
    """The server's collectors, in a private registry."""

    def __init__(self) -> None:
        prom = require("prometheus_client", extra="serve", feature="nlp-ip serve metrics")
        self._prom = prom
        self.registry = prom.CollectorRegistry(auto_describe=True)  # type: ignore[attr-defined]
        r = self.registry
        self.requests = prom.Counter(  # type: ignore[attr-defined]
            "nlp_ip_requests", "HTTP answers by route, method and status",
            ["route", "method", "status"], registry=r)
        self.latency = prom.Histogram(  # type: ignore[attr-defined]
            "nlp_ip_request_duration_seconds", "Time from request start to answer, by route",
            ["route"], buckets=LATENCY_BUCKETS, registry=r)
        self.listings = prom.Counter(  # type: ignore[attr-defined]
            "nlp_ip_listings", "Listings classified", registry=r)
        self.batch_rows = prom.Histogram(  # type: ignore[attr-defined]
            "nlp_ip_batch_size_rows", "Rows per engine call", buckets=BATCH_BUCKETS,
            registry=r)
        self.batch_requests = prom.Histogram(  # type: ignore[attr-defined]
            "nlp_ip_batch_requests", "Requests merged into one engine call",
            buckets=BATCH_BUCKETS, registry=r)
        self.batch_seconds = prom.Histogram(  # type: ignore[attr-defined]
            "nlp_ip_batch_duration_seconds", "Engine time per batch", buckets=LATENCY_BUCKETS,
            registry=r)
        self.queue_rows = prom.Gauge(  # type: ignore[attr-defined]
            "nlp_ip_queue_depth_rows", "Listings waiting for the engine", registry=r)
        self.queue_requests = prom.Gauge(  # type: ignore[attr-defined]
            "nlp_ip_queue_depth_requests", "Requests waiting for the engine", registry=r)
        self.rejections = prom.Counter(  # type: ignore[attr-defined]
            "nlp_ip_rejections", "Refused requests by reason", ["reason"], registry=r)
        self.model_info = prom.Gauge(  # type: ignore[attr-defined]
            "nlp_ip_model_info", "The model being served", ["model_version", "backend"],
            registry=r)
        self.ready = prom.Gauge(  # type: ignore[attr-defined]
            "nlp_ip_ready", "1 when the model is loaded and warm", registry=r)
        self.reloads = prom.Counter(  # type: ignore[attr-defined]
            "nlp_ip_model_reloads", "Hot swaps of the model, by result (swapped, failed)",
            ["result"], registry=r)
        self._cascade_registered = False

    def watch_cascade(self, classifier: object) -> None:
        """Expose the engine's cascade counts (``cascade_counts``) as two counters."""
        found = getattr(classifier, "cascade_counts", None)
        if not isinstance(found, dict) or self._cascade_registered:
            return
        counts: dict[str, int] = found
        from prometheus_client.core import CounterMetricFamily as metric_family

        class _Cascade:
            def collect(self) -> list[object]:
                return [metric_family("nlp_ip_cascade_listings",
                                      "Listings scored with the cascade on",
                                      value=counts["listings"]),
                        metric_family("nlp_ip_cascade_skipped",
                                      "Listings decided by the cascade's first stage alone",
                                      value=counts["skipped"])]

        self.registry.register(_Cascade())
        self._cascade_registered = True

    def render(self) -> tuple[bytes, str]:
        """(body, content type) of the exposition format."""
        body: bytes = self._prom.generate_latest(self.registry)  # type: ignore[attr-defined]
        return body, str(self._prom.CONTENT_TYPE_LATEST)  # type: ignore[attr-defined]
