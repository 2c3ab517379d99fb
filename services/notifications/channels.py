"""Channel adapters: email over SMTP (aiosmtplib) and SMS through an HTTP provider.

Each returns a `Delivered` or raises `SendFailed` with the failure classified by the domain
(temporary: worth retrying; permanent: recorded as failed at once).
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from uuid import UUID

import aiosmtplib
import httpx

from services.notifications.domain import (
    FailureKind,
    classify_http_status,
    classify_smtp_reply,
)
from services.notifications.settings import Settings


@dataclass(frozen=True, slots=True)
class Outgoing:
    message_id: UUID
    address: str
    subject: str
    body: str
    sms: str


@dataclass(frozen=True, slots=True)
class Delivered:
    detail: str


class SendFailed(Exception):
    def __init__(self, kind: FailureKind, detail: str) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail


class Email:
    """SMTP over a few kept-open connections (one per concurrent send at most)."""

    def __init__(self, settings: Settings, *, keep_open: int = 10) -> None:
        self.host, self.port = settings.smtp_host, settings.smtp_port
        self.sender = settings.smtp_from
        self.timeout = settings.smtp_timeout_seconds
        self.keep_open = keep_open
        self._idle: list[aiosmtplib.SMTP] = []

    def _message(self, out: Outgoing) -> EmailMessage:
        msg = EmailMessage()
        msg["From"] = self.sender
        msg["To"] = out.address
        msg["Subject"] = out.subject
        # The same Message-ID on every attempt lets a receiving server drop a duplicate.
        msg["Message-ID"] = make_msgid(idstring=out.message_id.hex, domain="mesocare.invalid")
        msg["X-MesoCare-Message-Id"] = str(out.message_id)
        msg.set_content(out.body)
        return msg

    async def _connect(self) -> aiosmtplib.SMTP:
        smtp = aiosmtplib.SMTP(
            hostname=self.host, port=self.port, timeout=self.timeout, start_tls=False
        )
        await smtp.connect()
        return smtp

    async def send(self, out: Outgoing) -> Delivered:
        msg = self._message(out)
        try:
            if self._idle:
                smtp = self._idle.pop()
                try:
                    return await self._send_on(smtp, msg)
                except (aiosmtplib.SMTPServerDisconnected, ConnectionError):
                    pass  # the server closed a kept connection: nothing was sent, use a new one
            return await self._send_on(await self._connect(), msg)
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [r.code for r in exc.recipients]
            raise SendFailed(
                classify_smtp_reply(max(codes) if codes else None), f"recipient refused: {exc}"
            ) from exc
        except aiosmtplib.SMTPResponseException as exc:
            raise SendFailed(
                classify_smtp_reply(exc.code), f"SMTP {exc.code} {exc.message}"
            ) from exc
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            raise SendFailed(
                classify_smtp_reply(None), f"SMTP unreachable: {type(exc).__name__}: {exc}"
            ) from exc

    async def _send_on(self, smtp: aiosmtplib.SMTP, msg: EmailMessage) -> Delivered:
        try:
            _errors, reply = await smtp.send_message(msg)
        except BaseException:
            smtp.close()
            raise
        if len(self._idle) < self.keep_open:
            self._idle.append(smtp)
        else:
            await _quit(smtp)
        return Delivered(f"SMTP accepted: {reply}")

    async def close(self) -> None:
        idle, self._idle = self._idle, []
        for smtp in idle:
            await _quit(smtp)


async def _quit(smtp: aiosmtplib.SMTP) -> None:
    try:
        await smtp.quit()
    except (aiosmtplib.SMTPException, OSError, TimeoutError):
        smtp.close()


class Sms:
    """POST {to, body, reference} as JSON to the provider; any 2xx is accepted."""

    def __init__(self, settings: Settings, client: httpx.AsyncClient) -> None:
        self.url = settings.sms_url
        self.client = client

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
