"""SMS through an HTTP provider: POST JSON, any 2xx is accepted."""

from __future__ import annotations

import httpx

from services.notifications.clients import Delivered, Outgoing, SendFailed
from services.notifications.domain import FailureKind, classify_http_status
from services.notifications.settings import Settings


class Sms:
    """POST {to, body, reference} as JSON to the provider; any 2xx is accepted."""

    def __init__(self, settings: Settings) -> None:
        self.url = settings.sms_url
        self.client = httpx.AsyncClient(timeout=settings.sms_timeout_seconds)

    @property
    def configured(self) -> bool:
        return bool(self.url)

    async def send(self, out: Outgoing) -> Delivered:
        if not self.url:
            raise SendFailed(FailureKind.PERMANENT, "no SMS provider configured")
        try:
            response = await self.client.post(
                self.url,
                json={"to": out.address, "body": out.sms, "reference": str(out.message_id)},
                headers={"Idempotency-Key": str(out.message_id)},
            )
        except httpx.HTTPError as exc:
            raise SendFailed(
                classify_http_status(None), f"SMS provider unreachable: {type(exc).__name__}"
            ) from exc
        if response.is_success:
            return Delivered(f"SMS provider accepted: HTTP {response.status_code}")
        raise SendFailed(
            classify_http_status(response.status_code),
            f"SMS provider answered HTTP {response.status_code}: {response.text[:200]}",
        )

    async def close(self) -> None:
        await self.client.aclose()
