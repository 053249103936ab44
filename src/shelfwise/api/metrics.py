"""Prometheus metrics of one app instance (its own registry, so apps in tests do not collide)."""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

# Fine buckets at the low end: the latency target is milliseconds, not seconds.
LATENCY_BUCKETS = (
    0.0005,
    0.001,
    0.002,
    0.003,
    0.005,
    0.0075,
    0.01,
    0.015,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
)

CONTENT_TYPE = CONTENT_TYPE_LATEST


class ApiMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.latency = Histogram(
            "shelfwise_http_request_duration_seconds",
            "Request latency by route template.",
            ("method", "route", "status"),
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.records = Counter(
            "shelfwise_records_ingested",
            "Records newly stored through the API.",
            ("kind",),
            registry=self.registry,
        )
        self.events = Counter(
            "shelfwise_events_ingested", "Events newly stored through the API.", registry=self.registry
        )
        self.model = Gauge(
            "shelfwise_model_info",
            "The model version being served (value 1).",
            ("version",),
            registry=self.registry,
        )
        self.model_swaps = Counter(
            "shelfwise_model_swaps", "Model versions made active.", registry=self.registry
        )
        self._current_version: str | None = None

    def track_profiles(self, count: Callable[[], int]) -> None:
        gauge = Gauge("shelfwise_live_profiles", "Customers with a live profile.", registry=self.registry)
        gauge.set_function(lambda: float(count()))

    def track_impressions(self, counts: Callable[[], tuple[int, int, int]]) -> None:
        """The impression logger's (written, pending, dropped) rows, read at each scrape."""
        for position, (name, text) in enumerate(
            (
                ("shelfwise_impressions_written", "Impression rows written since start."),
                ("shelfwise_impressions_pending", "Impression rows waiting in the buffer."),
                ("shelfwise_impressions_dropped", "Impression rows dropped since start (buffer full)."),
            )
        ):
            gauge = Gauge(name, text, registry=self.registry)
            gauge.set_function(lambda position=position: float(counts()[position]))

    def model_swapped(self, version: str) -> None:
        if self._current_version is not None:
            self.model.remove(self._current_version)
        self.model.labels(version=version).set(1)
        self._current_version = version
        self.model_swaps.inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)
