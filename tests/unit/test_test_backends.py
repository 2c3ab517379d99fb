"""The test fixtures fall back to the embedded parts at once when no Docker engine answers."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import _containers


def test_testcontainers_backend_reports_no_engine_instead_of_failing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-docker-engine.sock")
    assert _containers() is None
