"""The local stack as `make run` starts it, on the session's PostgreSQL and broker."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from devstack.ports import free_port
from devstack.stack import SERVICES, LocalStack, StackConfig
from shared.settings import database_on_server
from tests.support import Parts


@contextmanager
def local_stack(
    parts: Parts, root: Path, *, databases: str, extra_env: dict[str, str] | None = None
) -> Iterator[LocalStack]:
    """The five services as processes on free ports, each on its database
    `mesocare_<databases>_<name>` with its own logins, as `make run` provisions them.

    The session's PostgreSQL and broker stand in for the embedded ones `make run` starts; the
    stack's own start of those is covered by the devstack tests.
    """
    config = StackConfig(
        root=root,
        ports={name: free_port() for name in SERVICES},
        smtp_port=free_port(),
        sms_port=free_port(),
        database_url=database_on_server(parts.database_url, "postgres"),
        kafka_bootstrap=parts.kafka_bootstrap,
        databases=databases,
        extra_env={"MESOCARE_ENV": "test", "KAFKA_IDEMPOTENCE": "false", **(extra_env or {})},
    )
    stack = LocalStack(config)
    try:
        stack.start(say=lambda _line: None)
        yield stack
    finally:
        stack.stop()
