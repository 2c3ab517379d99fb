"""An SMTP sink in its own process that notes when it accepted each recipient's mail.

`python -m bench.timed_smtp --port P --log FILE`: one line per accepted recipient,
`<time.time()> <address>` (the wall clock, which the database's timestamps share).
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

from aiosmtpd.controller import Controller


class TimedSink:
    def __init__(self, log: TextIO) -> None:
        self.log = log

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        at = time.time()
        self.log.write("".join(f"{at:.6f} {rcpt}\n" for rcpt in envelope.rcpt_tos))
        self.log.flush()
        return "250 Message accepted for delivery"


def accepted(log: Path) -> dict[str, float]:
    """When each recipient's mail was accepted, from the sink's log."""
    times: dict[str, float] = {}
    if log.exists():
        for line in log.read_text().splitlines():
            at, _, rcpt = line.partition(" ")
            times.setdefault(rcpt, float(at))
    return times


@contextmanager
def timed_sink() -> Iterator[tuple[int, Path]]:
    """A sink process on a free port: (port, the log `accepted` reads)."""
    from devstack.ports import free_port, wait_for_port

    port = free_port()
    log = Path(tempfile.mkstemp(prefix="bench-smtp-", suffix=".log")[1])
    sink = subprocess.Popen(
        [sys.executable, "-m", "bench.timed_smtp", "--port", str(port), "--log", str(log)]
    )
    try:
        wait_for_port(port, 10)
        yield port, log
    finally:
        sink.terminate()
        sink.wait(10)
        log.unlink(missing_ok=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--log", type=Path, required=True)
    args = parser.parse_args()
    with args.log.open("a") as log:
        controller = Controller(TimedSink(log), hostname="127.0.0.1", port=args.port)
        controller.start()
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        stop.wait()
        controller.stop()


if __name__ == "__main__":
    main()
