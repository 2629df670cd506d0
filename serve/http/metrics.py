"""Prometheus metrics, one registry per app: request counts and latencies per route, the model
version, and how often each label and level is given. Never any text."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from corpus.vocabulary import LABELS, LEVELS

disable_created_metrics()  # the *_created series only add noise here

LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.2, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("postwacht_http_requests", "HTTP requests by route, method and status",
                                ["route", "method", "status"], registry=self.registry)
        self.latency = Histogram("postwacht_http_request_duration_seconds", "HTTP request latency by route",
                                 ["route", "method"], buckets=LATENCY_BUCKETS, registry=self.registry)
        self.model_info = Gauge("postwacht_model_info", "The model version being served (value 1)",
                                ["version"], registry=self.registry)
        self.drafts = Counter("postwacht_drafts_scored", "Drafts scored", registry=self.registry)
        self.draft_errors = Counter("postwacht_draft_errors", "Drafts that could not be scored",
                                    registry=self.registry)
        self.flags = Counter("postwacht_label_flags", "Drafts flagged, per label", ["label"],
                             registry=self.registry)
        self.levels = Counter("postwacht_levels", "Drafts per risk level", ["level"], registry=self.registry)
        self.escalations = Counter("postwacht_escalations", "Drafts whose result escalates (someone else must act)",
                                   registry=self.registry)
        for label in LABELS:
            self.flags.labels(label=label)
        for level in LEVELS:
            self.levels.labels(level=level)

    def set_model_version(self, version: str) -> None:
        self.model_info.clear()
        self.model_info.labels(version=version).set(1)

    def observe_request(self, route: str, method: str, status: int, seconds: float) -> None:
        self.requests.labels(route=route, method=method, status=str(status)).inc()
        self.latency.labels(route=route, method=method).observe(seconds)

    def observe_results(self, results: Iterable[dict[str, Any]]) -> None:
        for result in results:
            if result.get("error"):
                self.draft_errors.inc()
                continue
            self.drafts.inc()
            self.levels.labels(level=result["level"]).inc()
            if result.get("escalate") is True:
                self.escalations.inc()
            for label, value in result["labels"].items():
                if value["flagged"]:
                    self.flags.labels(label=label).inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)
