"""A bounded load test of `callguide serve` on loopback, and the kill -9 check.

    python -m benchmarks.service_load [--db sqlite|postgresql] [--workers 1[,2...]] [--rounds 1]
                                      [--agents 32] [--seconds 20] [--warmup 3] [--reconnect]
                                      [--kill-after N] [--out FILE]

Starts the server (in its own process group) on a free port with a fresh database, then runs
`--agents` virtual agents at once, each over one keep-alive connection: start a call, play the
answers of a pack scenario (bboxx `incoming_client_by_name_payment_query`: a lookup, a case
created, fifteen questions), wrap up, start again, until `--seconds` have passed. Latency is
measured per answer request by the client, from sending to the whole response read.

With `--kill-after N` the server's process group gets SIGKILL once N answers have been
acknowledged; the server is started again on the same database and every session's last
acknowledged move is compared with the store (`check_acknowledged`): the store must hold
that version (or the one after, when a move committed as the server died before answering),
and at that version the same step.

With `--reconnect` an agent opens a new connection for each call, as agents behind a load
balancer that spreads calls: with one keep-alive connection per agent for the whole run, the
kernel hands each connection to whichever worker accepts it first, and with two workers one
of them may serve most agents while the other idles.

The first `--warmup` seconds are not counted: every worker has loaded its packs and the
caches are warm when the measured seconds begin (with two workers, the server answers /ready
as soon as one of them is up).

The client is a small HTTP/1.1 client on asyncio (uvloop) so that it costs the machine less
than the server it measures; on a 2-core machine they and PostgreSQL share the cores, so the
result says what each spent per answer (`server_cpu_ms_per_answer`,
`database_cpu_ms_per_answer`, `client_cpu_ms_per_answer`) and how much of the machine was
idle (`machine_idle_share`): near 0, the cores were the limit.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from callguide.load.yaml_source import read_yaml
from callguide.service.process import Server, free_port, running

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "flows" / "bboxx" / "tests" / "incoming_client_by_name_payment_query.yaml"
SECRET = "load-test-secret-0123456789abcdef"


def scenario_answers(path: Path = SCENARIO) -> tuple[str, str, list[Any], dict[str, Any]]:
    """(pack, flow, the accepted answers in order, the wrap-up) of a scenario file."""
    data = read_yaml(path.read_bytes(), str(path)).data
    answers = [
        move["answer"] for move in data["play"] if "answer" in move and "error" not in (move.get("expect") or {})
    ]
    record = data["expect"]["record"]
    wrapup = {"reason": record["reason"], "close": record.get("close")}
    return path.parent.parent.name, data["flow"], answers, wrapup


class Client:
    """One keep-alive HTTP/1.1 connection, one request at a time."""

    def __init__(self, port: int, key: str) -> None:
        self.port, self.auth = port, f"Authorization: Bearer {key}\r\n".encode()
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self.reader is not None
        payload = orjson.dumps(body) if body is not None else b""
        head = f"{method} {path} HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\nContent-Length: {len(payload)}\r\n"
        self.writer.write(head.encode() + self.auth + b"\r\n" + payload)
        status_line = await self.reader.readuntil(b"\r\n")
        length = 0
        while True:
            line = await self.reader.readuntil(b"\r\n")
            if line == b"\r\n":
                break
            name, _, value = line.partition(b":")
            if name.lower() == b"content-length":
                length = int(value)
        data = await self.reader.readexactly(length) if length else b""
        return int(status_line.split()[1]), orjson.loads(data) if data else None

    def close(self) -> None:
        """Close the connection; the next request opens another."""
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)  # seconds, one per accepted answer
    errors: dict[str, int] = field(default_factory=dict)
    calls: int = 0
    acknowledged: dict[str, tuple[int, str]] = field(default_factory=dict)  # session -> (version, step) last acked
    stop: bool = False


async def agent(
    number: int, port: int, tally: Tally, until: float, kill_after: int | None, reconnect: bool = False
) -> None:
    pack, flow, answers, wrapup = scenario_answers()
    client = Client(port, f"key-{number}")
    try:
        while not tally.stop and time.perf_counter() < until:
            status, session = await client.request("POST", "/v1/sessions", {"pack": pack, "flow": flow})
            if status != 201:
                tally.errors[f"start {status}"] = tally.errors.get(f"start {status}", 0) + 1
                return
            for value in answers:
                url = f"/v1/sessions/{session['id']}/answer"
                began = time.perf_counter()
                status, body = await client.request("POST", url, {"version": session["version"], "value": value})
                if status != 200:
                    tally.errors[f"answer {status}"] = tally.errors.get(f"answer {status}", 0) + 1
                    break
                tally.latencies.append(time.perf_counter() - began)
                session = body
                tally.acknowledged[session["id"]] = (session["version"], session["view"]["step"])
                if kill_after is not None and len(tally.latencies) >= kill_after:
                    tally.stop = True
                if tally.stop:
                    return
            else:
                status, _ = await client.request(
                    "POST", f"/v1/sessions/{session['id']}/wrapup", {"version": session["version"], **wrapup}
                )
                if status == 200:
                    tally.calls += 1
                if reconnect:
                    client.close()
    except (ConnectionError, asyncio.IncompleteReadError):
        if not tally.stop:
            tally.errors["connection"] = tally.errors.get("connection", 0) + 1
    finally:
        client.close()


async def load(
    port: int,
    agents: int,
    seconds: float,
    kill_after: int | None,
    server: Server | None,
    warmup: float = 0,
    reconnect: bool = False,
) -> tuple[Tally, float, Meter]:
    """`agents` agents for `warmup` + `seconds`; what happens in the warm-up (every worker
    loading its packs and filling its caches) is not counted: the tally and the meter start
    after it."""
    tally = Tally()
    began = time.perf_counter()
    until = began + warmup + seconds
    tasks = [asyncio.create_task(agent(n, port, tally, until, kill_after, reconnect)) for n in range(agents)]
    if warmup:
        await asyncio.sleep(warmup)
        tally.latencies.clear()
        tally.calls, tally.errors = 0, {}
    meter = Meter(server.process.pid if server is not None and server.process is not None else None)
    if kill_after is not None and server is not None:
        while not tally.stop and not all(task.done() for task in tasks):
            await asyncio.sleep(0.001)
        server.kill()  # in the middle of the run: other agents' answers are in flight
    await asyncio.gather(*tasks)
    meter.stop()
    return tally, meter.seconds, meter


def check_acknowledged(port: int, acknowledged: dict[str, tuple[int, str]]) -> list[str]:
    """Every acknowledged move is in the store: for each session, the version of its last
    acknowledged answer (or the next, committed as the server died), at the same step."""

    async def check() -> list[str]:
        client = Client(port, "key-boss")
        lost = []
        try:
            for session_id, (version, step) in acknowledged.items():
                status, stored = await client.request("GET", f"/v1/sessions/{session_id}")
                if status != 200:
                    lost.append(f"{session_id}: {status}")
                elif stored["version"] not in (version, version + 1):
                    lost.append(f"{session_id}: acknowledged version {version}, stored {stored['version']}")
                elif stored["version"] == version and stored["view"]["step"] != step:
                    lost.append(f"{session_id}: acknowledged at {step}, stored at {stored['view']['step']}")
        finally:
            client.close()
        return lost

    return asyncio.run(check())


def _processes() -> Iterator[tuple[str, list[str]]]:
    """(command name, the fields after it) of every live process (Linux's /proc)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            head, _, tail = stat.read_text().rpartition(")")
        except OSError:
            continue  # the process ended meanwhile
        yield head.partition("(")[2], tail.split()


def cpu_seconds(fields: list[str]) -> float:
    """User and system time of a process, from the fields of /proc/PID/stat after its name."""
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def group_cpu_seconds(group: int) -> float:
    """CPU time of the live processes of a process group: the server and its workers (0 off
    Linux). A killed group's time is not counted."""
    return sum(cpu_seconds(fields) for _, fields in _processes() if int(fields[2]) == group)


def postgres_cpu_seconds() -> float:
    """CPU time of the live PostgreSQL processes on this machine: the pool's connections live
    through a run, so the difference over a run is what the database spent serving it."""
    return sum(cpu_seconds(fields) for name, fields in _processes() if name == "postgres")


def machine_times() -> tuple[float, float]:
    """(idle, total) jiffies of all cores since boot (/proc/stat)."""
    try:
        numbers = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except OSError:
        return 0.0, 0.0
    return float(numbers[3] + numbers[4]), float(sum(numbers[:8]))


class Meter:
    """What the server, the database, this client and the whole machine spent over a run."""

    def __init__(self, server_group: int | None) -> None:
        self.server_group = server_group
        self.began = time.perf_counter()
        self.server = group_cpu_seconds(server_group) if server_group is not None else 0.0
        self.database = postgres_cpu_seconds()
        self.client = time.process_time()
        self.idle, self.total = machine_times()

    def stop(self) -> None:
        self.seconds = time.perf_counter() - self.began
        self.server = (group_cpu_seconds(self.server_group) if self.server_group is not None else 0.0) - self.server
        self.database = postgres_cpu_seconds() - self.database
        self.client = time.process_time() - self.client
        idle, total = machine_times()
        self.idle_share = (idle - self.idle) / (total - self.total) if total > self.total else float("nan")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))] if ordered else float("nan")


def run(
    db: str,
    workers: int,
    agents: int,
    seconds: float,
    kill_after: int | None = None,
    warmup: float = 3,
    reconnect: bool = False,
) -> dict[str, Any]:
    """One load run; with `kill_after`, the kill -9 check too. Returns the figures."""
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    with tempfile.TemporaryDirectory(prefix="callguide-load-") as temporary:
        folder = Path(temporary)
        url = f"sqlite:///{folder / 'calls.db'}" if db == "sqlite" else db
        server = Server(url, workers, folder, ROOT / "flows", agents=agents)
        with running(server):
            # the kill -9 check counts its answers from the first: no warm-up to leave out
            warmup = warmup if kill_after is None else 0
            tally, elapsed, meter = asyncio.run(
                load(server.port, agents, seconds, kill_after, server, warmup, reconnect)
            )
        answers = len(tally.latencies)

        def per_answer(cpu: float) -> float | None:
            return round(cpu * 1000 / answers, 3) if answers else None

        result: dict[str, Any] = {
            "db": "sqlite" if db == "sqlite" else "postgresql",
            "workers": workers,
            "agents": agents,
            "reconnect": reconnect,
            "seconds": round(elapsed, 2),
            "answers": answers,
            "answers_per_second": round(answers / elapsed, 1),
            "calls_completed": tally.calls,
            "p50_ms": round(percentile(tally.latencies, 0.50) * 1000, 2),
            "p99_ms": round(percentile(tally.latencies, 0.99) * 1000, 2),
            "mean_ms": round(statistics.fmean(tally.latencies) * 1000, 2) if tally.latencies else None,
            # what each party spent, whatever else ran: the rate one core would give it
            # (a killed server's time is gone with it)
            "server_cpu_ms_per_answer": per_answer(meter.server) if kill_after is None else None,
            "database_cpu_ms_per_answer": per_answer(meter.database) if db != "sqlite" else None,
            "client_cpu_ms_per_answer": per_answer(meter.client),
            # near 0: the cores were the limit, not the server's design
            "machine_idle_share": round(meter.idle_share, 3),
            "errors": tally.errors,
        }
        if kill_after is not None:
            server.port = free_port()
            with running(server):
                lost = check_acknowledged(server.port, tally.acknowledged)
            result.update(killed_after=len(tally.latencies), sessions_checked=len(tally.acknowledged), lost=lost)
        return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.service_load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="sqlite", help="sqlite (a fresh file) or a postgresql:// DSN it may wipe")
    parser.add_argument(
        "--workers", default="1", help="worker processes; several counts (`1,2`) are run in turn, interleaved"
    )
    parser.add_argument("--agents", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--warmup", type=float, default=3, help="seconds of load before the measured ones")
    parser.add_argument(
        "--reconnect",
        action="store_true",
        help="each call on a new connection (as a load balancer spreads calls), not one per agent for the run",
    )
    parser.add_argument("--rounds", type=int, default=1, help="runs of each worker count, interleaved")
    parser.add_argument("--kill-after", type=int, default=None, help="kill -9 the server after N acknowledged answers")
    parser.add_argument("--out", type=Path, help="append the results (a JSON line each) to this file")
    options = parser.parse_args(argv)
    counts = [int(count) for count in options.workers.split(",")]
    results: list[dict[str, Any]] = []
    for _ in range(options.rounds):
        for workers in counts:
            if options.db != "sqlite":
                wipe(options.db)
            result = run(
                options.db,
                workers,
                options.agents,
                options.seconds,
                options.kill_after,
                options.warmup,
                options.reconnect,
            )
            results.append(result)
            line = json.dumps(result)
            print(line, flush=True)
            if options.out:
                with options.out.open("a", encoding="utf-8") as out:
                    out.write(line + "\n")
    if len(counts) > 1 or options.rounds > 1:
        print(json.dumps(summary(results, counts)))
    return 1 if any(result.get("lost") or result["errors"] for result in results) else 0


def summary(results: list[dict[str, Any]], counts: list[int]) -> dict[str, Any]:
    """The median of each worker count's runs, and each count's throughput over the first's."""
    medians = {
        workers: {
            measure: statistics.median(result[measure] for result in results if result["workers"] == workers)
            for measure in ("answers_per_second", "p99_ms", "machine_idle_share")
        }
        for workers in counts
    }
    first = medians[counts[0]]["answers_per_second"]
    return {
        "medians": medians,
        "throughput_over_first": {workers: round(m["answers_per_second"] / first, 2) for workers, m in medians.items()},
    }


def wipe(dsn: str) -> None:
    """A PostgreSQL database for the run: emptied first (the server migrates it)."""
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute("drop schema if exists public cascade")
        connection.execute("create schema public")


if __name__ == "__main__":
    sys.exit(main())
