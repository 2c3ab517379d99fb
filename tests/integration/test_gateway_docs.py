"""The gateway serves the AsyncAPI document next to its OpenAPI document, and the AsyncAPI CLI
(tools/asyncapi, pinned; `make test` installs it) finds the served document valid."""

from __future__ import annotations

import asyncio
import json
import os
import time
from pathlib import Path

import pytest

from tests.support import Parts, running_service, service_settings

ASYNCAPI_CLI = Path(__file__).resolve().parents[2] / "tools/asyncapi/node_modules/.bin/asyncapi"
CLI_TIMEOUT = 120.0


async def test_the_gateway_serves_the_asyncapi_document(parts: Parts) -> None:
    async with running_service(service_settings("gateway", parts.platform())) as gateway:
        response = await gateway.client.get("/asyncapi.json")
        openapi = (await gateway.client.get("/openapi.json")).json()

    assert response.status_code == 200
    doc = response.json()
    assert doc["asyncapi"] == "3.0.0"
    assert "booking.appointments.v1" in {c["address"] for c in doc["channels"].values()}
    assert "/asyncapi.json" in openapi["paths"]


def cli_environment(home: Path) -> dict[str, str]:
    """The CLI's environment: a home of its own, and neither its analytics nor its update check,
    which would otherwise reach out to the network on every run."""
    home.mkdir()
    analytics = home / "asyncapi-analytics.json"
    analytics.write_text(json.dumps({"analyticsEnabled": "false", "infoMessageShown": "true"}))
    return os.environ | {
        "HOME": str(home),
        "ASYNCAPI_METRICS_CONFIG_PATH": str(analytics),
        "ASYNCAPI_SKIP_NEW_VERSION_CHECK": "true",
        "FORCE_COLOR": "0",
    }


async def asyncapi_validate(document: Path, environment: dict[str, str]) -> tuple[int, str]:
    """`asyncapi validate`: its exit code (non-zero on any error, not on warnings) and output."""
    process = await asyncio.create_subprocess_exec(
        str(ASYNCAPI_CLI),
        "validate",
        str(document),
        "--fail-severity",
        "error",
        env=environment,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        output, _ = await asyncio.wait_for(process.communicate(), CLI_TIMEOUT)
    except TimeoutError:
        process.kill()
        await process.wait()
        pytest.fail(f"asyncapi validate did not finish in {CLI_TIMEOUT:.0f} s")
    return process.returncode or 0, output.decode(errors="replace")


@pytest.mark.timeout(CLI_TIMEOUT + 60)
async def test_the_asyncapi_cli_finds_the_served_document_valid(
    parts: Parts, tmp_path: Path
) -> None:
    if not ASYNCAPI_CLI.exists():
        pytest.fail(
            f"The AsyncAPI CLI is not installed at {ASYNCAPI_CLI}: run `make test`, which installs "
            "it (npm ci in tools/asyncapi)."
        )
    async with running_service(service_settings("gateway", parts.platform())) as gateway:
        response = await gateway.client.get("/asyncapi.json")
    assert response.status_code == 200
    document = tmp_path / "asyncapi.json"
    document.write_bytes(response.content)

    started = time.monotonic()
    status, report = await asyncapi_validate(document, cli_environment(tmp_path / "home"))
    print(f"\nasyncapi validate, {time.monotonic() - started:.1f} s:\n{report}")

    assert status == 0, f"asyncapi validate exited {status}:\n{report}"
