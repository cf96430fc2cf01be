"""Metrics with several workers: one scrape, answered by any worker, counts every worker's requests."""

from __future__ import annotations

import http.client
from pathlib import Path

from callguide.service.process import Server, running
from prometheus_client.parser import text_string_to_metric_families

from .helpers import FLOWS

CONNECTIONS, EACH = 16, 3
REQUESTS = CONNECTIONS * EACH


def _get(connection: http.client.HTTPConnection, path: str) -> tuple[int, str]:
    connection.request("GET", path)
    response = connection.getresponse()
    return response.status, response.read().decode()


def _load(port: int) -> list[int]:
    """Requests on connections all opened at once, so that both workers take some of them."""
    connections = [http.client.HTTPConnection("127.0.0.1", port, timeout=60) for _ in range(CONNECTIONS)]
    try:
        for connection in connections:
            connection.connect()
        return [_get(connection, "/health")[0] for _ in range(EACH) for connection in connections]
    finally:
        for connection in connections:
            connection.close()


def _health_requests(text: str) -> float:
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "callguide_request_seconds_count" and sample.labels.get("route") == "/health":
                return sample.value
    return 0.0


def test_one_scrape_sees_the_requests_of_every_worker(tmp_path: Path) -> None:
    server = Server(f"sqlite:///{tmp_path / 'calls.db'}", 2, tmp_path, FLOWS / "helpdesk", agents=1)
    with running(server):
        assert _load(server.port) == [200] * REQUESTS
        scrapes = []
        for _ in range(6):
            scraper = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
            scrapes.append(_get(scraper, "/metrics"))
            scraper.close()
    assert [status for status, _ in scrapes] == [200] * 6
    assert [_health_requests(text) for _, text in scrapes] == [REQUESTS] * 6
