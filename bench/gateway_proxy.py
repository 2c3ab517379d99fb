"""Gateway proxy under load: concurrent clients through `/api/booking/…` to the real booking
service, with no 5xx and no dropped connection (issue 14, item 6).

Starts its own embedded PostgreSQL and a tansu broker, then booking and the gateway each in its
own process, as deployed (`python -m services.<name>`: uvicorn, pools, relays; bench.served).
`--clients` clients (50) in this process then load the gateway for `--seconds` (60), in waves
they all keep: requests back to back, each client over one kept-open connection, for `--busy`
seconds (2), then all pause for about as long as the services keep an idle connection
(`--pause` 5 s, uvicorn's keep-alive, ± `--jitter` 0.1 s from wave to wave). When the next
wave starts, the gateway takes up its connections to booking idle for just about that long: the
moment at which, keeping them as long as booking does, it sent requests on connections booking
was closing (4 x 503 in 60 s). A client opens a new connection after each pause, so it never
meets the gateway's own keep-alive: a connection it loses is the gateway's doing.

The requests, at random: 60 % `GET /api/booking/v1/clinics/{id}`, 20 % the clinic list, 10 %
`POST /api/booking/v1/clinics` with an Idempotency-Key (retried by the gateway on a dropped
connection), 10 % the same POST without one (never retried: only the gateway's shorter
keep-alive keeps it from a closing connection).

Prints the status codes, the dropped connections, latency percentiles and how many requests the
gateway sent once more; exits 1 on any 5xx or dropped connection.

    .venv/bin/python -m bench.gateway_proxy [--seconds 60] [--clients 50] [--busy 2] [--pause 5]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import random
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from uuid import UUID, uuid4

from bench import bearer, percentile

RETRY_LOG_LINE = "sending once more"
"""What the gateway logs when it sends a request again (services/gateway/clients.py)."""


class Dropped(Exception):
    """The gateway closed or reset the connection before answering."""


class Connection:
    """One kept-open HTTP/1.1 connection to the gateway; one request at a time."""

    def __init__(self, port: int, authorization: str) -> None:
        self.port = port
        self.authorization = authorization
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            try:
                await self.writer.wait_closed()
            except ConnectionError:
                pass
        self.reader = self.writer = None

    async def request(
        self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        if self.writer is None:
            await self.open()
        assert self.reader is not None and self.writer is not None
        extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: gateway\r\n"
            f"Authorization: {self.authorization}\r\n{extra}Content-Length: {len(body)}\r\n"
            + ("Content-Type: application/json\r\n" if body else "")
            + "\r\n"
        )
        try:
            self.writer.write(head.encode() + body)
            await self.writer.drain()
            status_line = await self.reader.readuntil(b"\r\n")
            status = int(status_line.split(b" ", 2)[1])
            length, close = 0, False
            while (line := await self.reader.readuntil(b"\r\n")) != b"\r\n":
                name, _, value = line.partition(b":")
                name = name.strip().lower()
                if name == b"content-length":
                    length = int(value)
                elif name == b"connection":
                    close = value.strip().lower() == b"close"
                elif name == b"transfer-encoding":
                    raise RuntimeError("chunked answers are not read by this client")
            answer = await self.reader.readexactly(length)
        except (asyncio.IncompleteReadError, ConnectionError) as exc:
            await self.close()
            raise Dropped(f"{method} {path}: {type(exc).__name__}") from exc
        if close:
            await self.close()
        return status, answer


@dataclass
class Tally:
    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)
    latencies_ms: list[float] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    first_5xx: str | None = None
    waves: int = 0

    @property
    def requests(self) -> int:
        return sum(self.statuses.values()) + len(self.dropped)


def clinic_body() -> bytes:
    suffix = uuid4().hex[:8]
    return json.dumps(
        {
            "name": f"Bench clinic {suffix}",
            "address": f"{suffix} rue de la Charge, Paris",
            "timezone": "Europe/Paris",
            "currency": "EUR",
        }
    ).encode()


async def one_request(http: Connection, clinic: UUID, tally: Tally) -> None:
    roll = random.random()
    if roll < 0.6:
        kind, method, path, body, headers = (
            "GET clinic",
            "GET",
            f"/api/booking/v1/clinics/{clinic}",
            b"",
            {},
        )
    elif roll < 0.8:
        kind, method, path, body, headers = (
            "GET clinics",
            "GET",
            "/api/booking/v1/clinics?limit=20",
            b"",
            {},
        )
    elif roll < 0.9:
        kind, method, path, body, headers = (
            "POST + key",
            "POST",
            "/api/booking/v1/clinics",
            clinic_body(),
            {"Idempotency-Key": str(uuid4())},
        )
    else:
        kind, method, path, body, headers = (
            "POST",
            "POST",
            "/api/booking/v1/clinics",
            clinic_body(),
            {},
        )
    started = time.perf_counter()
    try:
        status, answer = await http.request(method, path, body, headers)
    except Dropped as exc:
        tally.dropped.append(str(exc))
        return
    tally.latencies_ms.append((time.perf_counter() - started) * 1000)
    tally.statuses[(kind, status)] += 1
    if status >= 500 and tally.first_5xx is None:
        tally.first_5xx = f"{kind}: {status} {answer[:300]!r}"


@dataclass(frozen=True)
class Waves:
    """The schedule every client keeps: all busy together, then all paused together, so that
    when a wave starts the gateway picks up its idle connections to booking at once, each idle
    for about the pause (swept from wave to wave over pause ± jitter)."""

    started: float
    busy: float
    pauses: list[float]

    @classmethod
    def of(cls, args: argparse.Namespace) -> Waves:
        pauses = [args.pause + random.uniform(-args.jitter, args.jitter) for _ in range(10_000)]
        return cls(time.perf_counter(), args.busy, pauses)

    def start_of(self, wave: int) -> float:
        return self.started + wave * self.busy + sum(self.pauses[:wave])


async def steady_client(
    port: int, authorization: str, clinic: UUID, deadline: float, tally: Tally
) -> None:
    http = Connection(port, authorization)
    while time.perf_counter() < deadline:
        await one_request(http, clinic, tally)
    await http.close()


async def client(
    port: int, authorization: str, clinic: UUID, waves: Waves, deadline: float, tally: Tally
) -> None:
    http = Connection(port, authorization)
    wave = 0
    while (start := waves.start_of(wave)) < deadline:
        await asyncio.sleep(max(0.0, start - time.perf_counter()))
        burst_ends = min(deadline, start + waves.busy)
        while time.perf_counter() < burst_ends:
            await one_request(http, clinic, tally)
        await http.close()
        tally.waves += 1
        wave += 1


async def seed(port: int, authorization: str) -> UUID:
    http = Connection(port, authorization)
    try:
        status, answer = await http.request(
            "POST",
            "/api/booking/v1/clinics",
            clinic_body(),
            {"Idempotency-Key": str(uuid4())},
        )
    finally:
        await http.close()
    if status != 201:
        raise RuntimeError(f"could not create the bench clinic: {status} {answer[:300]!r}")
    return UUID(json.loads(answer)["id"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=60.0, help="how long the load runs")
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients")
    parser.add_argument("--busy", type=float, default=2.0, help="seconds of requests a wave")
    parser.add_argument("--pause", type=float, default=5.0, help="seconds of pause a wave")
    parser.add_argument("--jitter", type=float, default=0.1, help="± seconds on each pause")
    parser.add_argument(
        "--steady", type=float, default=0.2, help="part of the clients that never pause"
    )
    args = parser.parse_args()
    args.seconds = max(5.0, args.seconds)
    args.clients = max(1, min(args.clients, 500))
    logging.disable(logging.WARNING)

    from bench.served import service_process
    from devstack.parts import embedded_parts

    with embedded_parts("mesocare-bench-") as parts:
        platform = parts.platform()
        common = {
            "DATABASE_URL": parts.database_url,
            "KAFKA_BOOTSTRAP_SERVERS": parts.kafka_bootstrap,
        }
        with service_process("booking", common) as booking:
            gateway_env = {**common, "GATEWAY_BOOKING_URL": booking.url}
            with service_process("gateway", gateway_env) as gateway:
                authorization = bearer(platform, uuid4(), "network_admin", hours=2)["Authorization"]

                async def run() -> tuple[Tally, float]:
                    clinic = await seed(gateway.port, authorization)
                    tally = Tally()
                    waves = Waves.of(args)
                    deadline = waves.started + args.seconds
                    steady = round(args.clients * args.steady)
                    await asyncio.gather(
                        *(
                            steady_client(gateway.port, authorization, clinic, deadline, tally)
                            for _ in range(steady)
                        ),
                        *(
                            client(gateway.port, authorization, clinic, waves, deadline, tally)
                            for _ in range(args.clients - steady)
                        ),
                    )
                    return tally, time.perf_counter() - waves.started

                tally, elapsed = asyncio.run(run())
                retried = gateway.log.read_text(errors="replace").count(RETRY_LOG_LINE)
                rss = gateway.rss_mb()

    return report(args, tally, elapsed, retried, rss)


def report(args: argparse.Namespace, tally: Tally, elapsed: float, retried: int, rss: float) -> int:
    print(
        f"gateway proxy → booking, {args.clients} concurrent clients for {elapsed:.0f} s: waves "
        f"of {args.busy:g} s of requests and {args.pause:g} ± {args.jitter:g} s of pause "
        f"({tally.waves} client bursts)"
    )
    print(
        f"  {tally.requests} requests, {tally.requests / elapsed:.0f} req/s; gateway RSS "
        f"{rss:.0f} MB"
    )
    by_status: Counter[int] = Counter()
    for (_kind, status), n in tally.statuses.items():
        by_status[status] += n
    print("  status codes: " + ", ".join(f"{s}: {n}" for s, n in sorted(by_status.items())))
    for kind in ("GET clinic", "GET clinics", "POST + key", "POST"):
        counts = {s: n for (k, s), n in tally.statuses.items() if k == kind}
        print(f"    {kind:<12} " + ", ".join(f"{s}: {n}" for s, n in sorted(counts.items())))
    print(f"  dropped connections: {len(tally.dropped)}")
    for what in tally.dropped[:5]:
        print(f"    {what}")
    if tally.latencies_ms:
        p = {q: percentile(tally.latencies_ms, q) for q in (50, 90, 95, 99)}
        print(
            f"  latency: p50 {p[50]:.1f} ms   p90 {p[90]:.1f} ms   p95 {p[95]:.1f} ms   "
            f"p99 {p[99]:.1f} ms   max {max(tally.latencies_ms):.1f} ms"
        )
    print(f"  requests the gateway sent once more on a dropped connection: {retried}")
    errors = sum(n for (_kind, status), n in tally.statuses.items() if status >= 500)
    if tally.first_5xx:
        print(f"  first 5xx: {tally.first_5xx}")
    failed = errors > 0 or bool(tally.dropped) or tally.requests == 0
    print(f"  {'FAILED' if failed else 'ok'}: {errors} x 5xx, {len(tally.dropped)} dropped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
