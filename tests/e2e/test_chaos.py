"""`make chaos`, trimmed: the same run (devstack/chaos) with faults of a few seconds.

A stack of its own (its own embedded PostgreSQL, to restart it, and its own tansu behind the
run's proxy, to take it away), a small workload, the five faults in order, then the same checks
as the full run: every outbox row published, every effect exactly once, nothing dead-lettered,
every consumer group at the end of its topics. Each wait is for the thing checked (recovery,
quiescence), never a fixed sleep; only the faults' own durations are timed.
"""

from __future__ import annotations

import shutil

import pytest

from devstack.chaos import ChaosOptions, run
from devstack.parts import server_dir

# About 80 s on a quiet machine: the stack's start, five faults, the waits and the checks; beside
# a CPU-heavy process well over 300 s (the run bounds each wait itself: 90 s per recovery).
pytestmark = pytest.mark.timeout(900)


def test_every_effect_happens_once_through_the_faults() -> None:
    root = server_dir("mesocare-chaos-")
    options = ChaosOptions(
        root=root,
        broker_down=4,
        broker_pause=3,
        postgres_down=1,
        warmup=2,
        calm=0.5,
        lanes=2,
        lot_every=3,
        pace=0.1,
        recover_within=90,
        patience=90,
        durable=False,
    )
    # Printed as it goes: pytest shows it for a failure, a timeout included.
    report = run(options, say=lambda line: print(line, flush=True))
    print(report.text())
    if not report.ok:
        shutil.rmtree(root / "pgdata", ignore_errors=True)  # the services' logs are kept
    assert report.ok, f"{report.text()}\n\nlogs: {root / 'logs'}"
    numbers = report.numbers
    # The faults did what they are for: rows published twice (the relay killed before marking
    # them), duplicates delivered (that, and the consumer killed before committing) — and the
    # inboxes absorbed them, since every effect above is exactly once.
    assert numbers["duplicates_published"] > 0
    assert numbers["duplicates_absorbed"] > 0
    assert numbers["treatments"] > 0
    assert numbers["recall_notices"] == numbers["exposed"] > 0
    shutil.rmtree(root, ignore_errors=True)
