"""Prometheus metrics of the service (`GET /metrics`).

With `--workers` > 1 each worker is a process of its own: `callguide serve` then sets
PROMETHEUS_MULTIPROC_DIR before the workers start, prometheus-client keeps every worker's
values in files there, and a scrape (answered by any one worker) adds up all of them.
"""

from __future__ import annotations

import os

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

MULTIPROC_DIR = "PROMETHEUS_MULTIPROC_DIR"


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
            "callguide_live_sessions",
            "Calls started and not yet ended (in the store)",
            registry=registry,
            multiprocess_mode="mostrecent",  # each worker counts the same store: the latest count is the one
        )
        self.reloads = Counter(
            "callguide_pack_reloads", "Pack versions loaded after their files changed", registry=registry
        )

    def exposition(self) -> bytes:
        """The text a scrape gets: this process's metrics, or every worker's in multiprocess mode."""
        if not os.environ.get(MULTIPROC_DIR):
            return generate_latest(self.registry)
        workers = CollectorRegistry()
        MultiProcessCollector(workers)  # type: ignore[no-untyped-call]  # prometheus-client has no hints here
        return generate_latest(workers)


METRICS = Metrics(CollectorRegistry())
