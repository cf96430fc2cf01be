"""Prometheus metrics of the service (`GET /metrics`)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class Metrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry
        self.requests = Histogram(
            "callguide_request_seconds",
            "Time to answer a request, by route",
            ["method", "route"],
            registry=registry,
            buckets=(0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
        )
        self.moves = Counter(
            "callguide_moves", "Accepted moves of calls, by kind (answer, signal...)", ["kind"], registry=registry
        )
        self.errors = Counter("callguide_errors", "Problem documents sent, by code", ["code"], registry=registry)
        self.replays = Counter(
            "callguide_idempotent_replays", "Answers repeated with a known Idempotency-Key", registry=registry
        )
        self.resumes = Counter(
            "callguide_resumes", "Sessions resumed from the store (not in this process's cache)", registry=registry
        )
        self.live = Gauge(
            "callguide_live_sessions", "Calls started and not yet ended (in the store)", registry=registry
        )
        self.reloads = Counter(
            "callguide_pack_reloads", "Pack versions loaded after their files changed", registry=registry
        )


METRICS = Metrics(CollectorRegistry())
