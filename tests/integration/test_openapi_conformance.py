"""Each service's OpenAPI document tells the whole truth: schemathesis, with every check, over
every operation of every service.

A service of its own (its own database and consumer group) is served on a free port, and the
schemathesis command line runs against its `/openapi.json` as a member of a network of its own
holding every staff role: examples, coverage and fuzzing phases (the stateful phase is off),
`MESOCARE_FUZZ_EXAMPLES` examples an operation (6 here; `make fuzz` runs many more, with a new
seed each time). Any failure fails the test, with schemathesis' report and a command to replay it.

A request the schemas allow is either served or refused by a rule the document lists on that
answer (`x-rules`, `shared.openapi.rules`): for those operations and answers only, the
`positive_data_acceptance` check takes the refusal as documented.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest

from devstack.ports import free_port
from shared.auth import STAFF_ROLES
from shared.openapi import RULES
from tests.support import Parts, bearer, served, with_own_logins

SERVICES = ("booking", "records", "formulary", "notifications", "gateway")
EXAMPLES = int(os.environ.get("MESOCARE_FUZZ_EXAMPLES", "6"))
SEED = os.environ.get("MESOCARE_FUZZ_SEED", "20261207")
"""A fixed seed, so `make test` fails the same way twice; empty for a new one each run."""

ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]
"""What schemathesis' `positive_data_acceptance` takes by default (a 5xx fails another check)."""

DEPENDENCIES = {
    "booking": ("records", "formulary"),
    "gateway": ("booking", "records", "formulary", "notifications"),
}
"""The services each one calls: nothing listens at their URLs here, so those calls fail closed."""


@asynccontextmanager
async def own_service(parts: Parts, name: str) -> AsyncIterator[tuple[Any, Any, str]]:
    """`name`'s real app as `<name>_fuzz`, with a budget no fuzzing run spends, served on a
    free port: the app, its settings and its base URL."""
    import importlib

    platform = parts.platform(
        rate_limit_per_minute=1_000_000, integration_rate_limit_per_minute=1_000_000
    )
    nowhere = {f"{d}_url": f"http://127.0.0.1:{free_port()}" for d in DEPENDENCIES.get(name, ())}
    settings_module = importlib.import_module(f"services.{name}.settings")
    settings = await with_own_logins(
        settings_module.Settings(
            platform=platform, service=f"{name}_fuzz", relay_poll_seconds=0.5, **nowhere
        )
    )
    app = importlib.import_module(f"services.{name}.app").create_app(settings)
    async with app.router.lifespan_context(app), served(app) as url:
        yield app, settings, url


def operations_config(document: dict[str, Any]) -> str:
    """schemathesis.toml: for each operation with answers refusing rules beyond its schemas,
    those answers are what a schema-valid request may also get."""
    lines: list[str] = []
    for operations in document["paths"].values():
        for operation in operations.values():
            refusing = sorted(
                status for status, answer in operation["responses"].items() if RULES in answer
            )
            if refusing:
                lines += [
                    "[[operations]]",
                    f"include-operation-id = {json.dumps(operation['operationId'])}",
                    "checks.positive_data_acceptance.expected-statuses = "
                    + json.dumps(ACCEPTED + refusing),
                    "",
                ]
    return "\n".join(lines)


async def run_schemathesis(
    url: str, document: dict[str, Any], authorization: str, workdir: Path
) -> tuple[int, str]:
    """The schemathesis command line against `url`, serving `document`: its exit status and
    report."""
    config = workdir / "schemathesis.toml"
    config.write_text(operations_config(document))
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "--config-file",
        str(config),
        "--no-color",
        "run",
        f"{url}/openapi.json",
        "--checks",
        "all",
        "--phases",
        "examples,coverage,fuzzing",
        "--max-examples",
        str(EXAMPLES),
        "--header",
        f"Authorization: {authorization}",
        "--generation-database",
        "none",
        "--workers",
        "1",
        "--output-truncate",
        "true",
        *(["--seed", SEED] if SEED else []),
    ]
    process = await asyncio.create_subprocess_exec(
        *command,
        cwd=workdir,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    return process.returncode or 0, output.decode(errors="replace")


@pytest.mark.timeout(max(120, EXAMPLES * 12))
@pytest.mark.parametrize("name", SERVICES)
async def test_every_answer_of_every_operation_is_documented(
    parts: Parts, name: str, tmp_path: Path
) -> None:
    async with own_service(parts, name) as (app, settings, url):
        token = bearer(settings.platform, uuid4(), *sorted(STAFF_ROLES))["Authorization"]
        status, report = await run_schemathesis(url, app.openapi(), token, tmp_path)

    summary = report[report.rfind(" SUMMARY ") :]
    print(f"\n{name}: {summary}")
    assert status == 0, report
