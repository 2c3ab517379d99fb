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

    The session's PostgreSQL stands in for the embedded one `make run` starts; the broker is
    the stack's own (tansu, as `make run` starts it), since the session's in-process services
    are members of the same consumer groups.
    """
    config = StackConfig(
        root=root,
        ports={name: free_port() for name in SERVICES},
        smtp_port=free_port(),
        sms_port=free_port(),
        database_url=database_on_server(parts.database_url, "postgres"),
        # A broker of its own: on the session's, the in-process services of other tests share
        # the consumer groups `records`, `notifications`… and take half of the partitions.
        kafka_port=free_port(),
        databases=databases,
        extra_env={"MESOCARE_ENV": "test", "KAFKA_IDEMPOTENCE": "false", **(extra_env or {})},
    )
    stack = LocalStack(config)
    try:
        stack.start(say=lambda _line: None)
        yield stack
    finally:
        stack.stop()
