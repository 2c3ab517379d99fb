"""The local parts `make run` starts: embedded PostgreSQL, tansu and the SMTP sink."""

from __future__ import annotations

import shutil
import smtplib
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import asyncpg
import psutil
import pytest

from devstack.broker import Tansu
from devstack.ports import free_port, port_open
from devstack.postgres import EmbeddedPostgres
from devstack.smtp_sink import start_sink
from shared.kafka import broker_reachable, ensure_topics
from shared.topics import all_topic_names
from tests.support import server_dir


@pytest.fixture
def pg_root() -> Iterator[Path]:
    root = server_dir("mesocare-devstack-")
    yield root
    shutil.rmtree(root, ignore_errors=True)


async def test_embedded_postgres_keeps_data_between_runs(pg_root: Path) -> None:
    first = EmbeddedPostgres(pg_root / "pg", port=free_port(), durable=False)
    first.start()
    try:
        conn = await asyncpg.connect(first.url)
        await conn.execute("CREATE TABLE kept (v text); INSERT INTO kept VALUES ('still here')")
        await conn.close()
    finally:
        first.stop()

    second = EmbeddedPostgres(pg_root / "pg", port=free_port(), durable=False)
    second.start()
    try:
        conn = await asyncpg.connect(second.url)
        assert await conn.fetchval("SELECT v FROM kept") == "still here"
        await conn.close()
    finally:
        second.stop()


def test_a_server_left_by_a_killed_run_is_stopped_before_a_new_start(pg_root: Path) -> None:
    orphan = EmbeddedPostgres(pg_root / "pg", port=free_port(), durable=False)
    orphan.start()
    orphan_pid = orphan.process.pid  # the runner "dies" here without stopping it

    fresh = EmbeddedPostgres(pg_root / "pg", port=free_port(), durable=False)
    fresh.start()
    try:
        assert not psutil.pid_exists(orphan_pid) or (
            psutil.Process(orphan_pid).status() == psutil.STATUS_ZOMBIE
        )
        assert port_open(fresh.port)
        assert not port_open(orphan.port)
    finally:
        fresh.stop()


async def test_tansu_starts_and_takes_the_platform_topics(tmp_path: Path) -> None:
    broker = Tansu(port=free_port(), log_path=tmp_path / "tansu.log")
    broker.start()
    try:
        created = await ensure_topics(broker.bootstrap)
        assert sorted(created) == sorted(all_topic_names())
        assert await ensure_topics(broker.bootstrap) == []
        assert await broker_reachable(broker.bootstrap)
    finally:
        broker.stop()
    assert not await broker_reachable(broker.bootstrap, wait=0.5)


def test_the_smtp_sink_keeps_what_it_accepts(tmp_path: Path) -> None:
    port = free_port()
    controller, sink = start_sink(port, tmp_path / "mail")
    try:
        message = EmailMessage()
        message["From"], message["To"] = "clinic@demo.test", "patient@demo.test"
        message["Subject"] = "Your aftercare"
        message.set_content("Keep the treated area out of direct sunlight for a few days.")
        with smtplib.SMTP("127.0.0.1", port) as smtp:
            smtp.send_message(message)
    finally:
        controller.stop()
    assert [m["subject"] for m in sink.messages] == ["Your aftercare"]
    assert len(list((tmp_path / "mail").glob("*.eml"))) == 1


def test_processes_left_by_a_killed_run_are_stopped_at_the_next_start(tmp_path: Path) -> None:
    import json
    import subprocess
    import sys

    from devstack.ports import wait_for_port
    from devstack.stack import stop_leftovers

    port = free_port()
    orphan = subprocess.Popen(
        [sys.executable, "-m", "devstack.smtp_sink", "--port", str(port), "--dir", str(tmp_path)],
        start_new_session=True,
    )
    wait_for_port(port, 10)
    (tmp_path / "pids.json").write_text(json.dumps({"smtp-sink": orphan.pid}))

    stopped = stop_leftovers(tmp_path)

    assert stopped == ["smtp-sink"]
    assert orphan.wait(5) is not None
    assert not port_open(port)
    assert not (tmp_path / "pids.json").exists()
