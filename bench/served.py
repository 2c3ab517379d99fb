"""A service in its own process, as it is deployed, and a lean HTTP/1.1 client to load it.

The client costs a few tens of microseconds a request (one pre-formatted request, the answer
read by its Content-Length over a kept-open connection), so on a 2-core machine the service
process, not the load generator, is what a benchmark measures.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil

from devstack.ports import free_port

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class ServiceProcess:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def rss_mb(self) -> float:
        return psutil.Process(self.process.pid).memory_info().rss / 2**20

    def cpu_seconds(self) -> float:
        times = psutil.Process(self.process.pid).cpu_times()
        return times.user + times.system


@contextmanager
def service_process(
    name: str, env: dict[str, str], *, ready_within: float = 60.0
) -> Iterator[ServiceProcess]:
    """`python -m services.<name>` with `env` on a free port, once `/readyz` answers 200."""
    port = free_port()
    log = Path(tempfile.mkstemp(prefix=f"bench-{name}-", suffix=".log")[1])
    full_env = {
        **os.environ,
        "MESOCARE_ENV": "test",
        f"{name.upper()}_PORT": str(port),
        # One token drives the whole load: the limiter still runs (its cost is measured), with
        # a budget no benchmark reaches.
        "MESOCARE_RATE_LIMIT_PER_MINUTE": "1000000000",
        "MESOCARE_INTEGRATION_RATE_LIMIT_PER_MINUTE": "1000000000",
        **env,
    }
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", f"services.{name}"],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=full_env,
            cwd=ROOT,
            start_new_session=True,
        )
    served = ServiceProcess(name, port, process, log)
    try:
        deadline = time.monotonic() + ready_within
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited while starting:\n{log.read_text()[-2000:]}")
            try:
                if httpx.get(served.url + "/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name} not ready after {ready_within:g} s")
            time.sleep(0.2)
        yield served
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
        if os.environ.get("BENCH_KEEP_LOG"):
            print(f"  ({name}'s log kept in {log})")
        else:
            log.unlink(missing_ok=True)


class Connection:
    """One kept-open HTTP/1.1 connection; one request at a time."""

    def __init__(self, port: int, headers: dict[str, str]) -> None:
        self.port = port
        self.fixed = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def __aenter__(self) -> Connection:
        self._reader, self._writer = await asyncio.open_connection("127.0.0.1", self.port)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._writer is not None:
            self._writer.close()

    async def request(self, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
        assert self._reader is not None and self._writer is not None
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: bench\r\n{self.fixed}"
            f"Content-Length: {len(body)}\r\n"
            + ("Content-Type: application/json\r\n" if body else "")
            + "\r\n"
        )
        self._writer.write(head.encode() + body)
        status_line = await self._reader.readuntil(b"\r\n")
        status = int(status_line.split(b" ", 2)[1])
        length = 0
        while (line := await self._reader.readuntil(b"\r\n")) != b"\r\n":
            name, _, value = line.partition(b":")
            if name.lower() == b"content-length":
                length = int(value)
            elif name.lower() == b"transfer-encoding":
                raise RuntimeError("chunked answers are not read by this client")
        return status, await self._reader.readexactly(length)
