"""Calls from one service to another that carry the caller's token, request id and trace.

Used where a fresh answer is needed for safety (booking → formulary cross-check) and must fail
closed: a timeout or an unreachable service raises `Unavailable` (503), never a guess.
"""

from __future__ import annotations

from typing import Any

import httpx
from opentelemetry import propagate
from opentelemetry.trace import SpanKind

from shared import telemetry
from shared.errors import Unavailable


class ServiceClient:
    def __init__(self, base_url: str, *, name: str, timeout: float = 3.0) -> None:
        self.name = name
        self._client = httpx.AsyncClient(base_url=base_url, timeout=timeout)

    async def request(
        self, method: str, path: str, *, authorization: str | None, **kwargs: Any
    ) -> httpx.Response:
        headers: dict[str, str] = dict(kwargs.pop("headers", {}) or {})
        if authorization:
            headers["Authorization"] = authorization
        request_id = telemetry.request_id_var.get()
        if request_id:
            headers["X-Request-ID"] = request_id
        with telemetry.tracer().start_as_current_span(
            f"{method} {self.name}{path}", kind=SpanKind.CLIENT
        ):
            propagate.inject(headers)
            try:
                return await self._client.request(method, path, headers=headers, **kwargs)
            except httpx.TimeoutException as exc:
                raise Unavailable(
                    f"{self.name} did not answer in time.", service=self.name
                ) from exc
            except httpx.TransportError as exc:
                raise Unavailable(f"{self.name} is unreachable.", service=self.name) from exc

    async def close(self) -> None:
        await self._client.aclose()
