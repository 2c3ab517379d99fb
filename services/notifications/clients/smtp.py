"""Email over SMTP (aiosmtplib) on a few kept-open connections; the mail is written directly."""

from __future__ import annotations

import binascii
from email.header import Header
from email.utils import formataddr, formatdate, parseaddr
from uuid import UUID

import aiosmtplib

from services.notifications.clients import Delivered, Outgoing, SendFailed
from services.notifications.domain import classify_smtp_reply
from services.notifications.settings import Settings


def mime_text(*, sender: str, to: str, subject: str, body: str, message_id: UUID) -> bytes:
    """A plain-text UTF-8 mail, written directly.

    The standard library's `EmailMessage` parses and refolds every header through its policy
    machinery, which cost more CPU than everything else on the aftercare path together; these
    few headers need none of it. Non-ASCII subjects and sender names are RFC 2047 encoded, the
    body is quoted-printable, and line breaks in header values are flattened so that a template
    can never inject a header.
    """
    lines = [
        f"From: {_address_header(sender)}",
        f"To: {_one_line(to)}",
        f"Subject: {_text_header(subject)}",
        f"Date: {formatdate(usegmt=True)}",
        # The same Message-ID on every attempt lets a receiving server drop a duplicate.
        f"Message-ID: <{message_id.hex}@mesocare.invalid>",
        f"X-MesoCare-Message-Id: {message_id}",
        "MIME-Version: 1.0",
        'Content-Type: text/plain; charset="utf-8"',
        "Content-Transfer-Encoding: quoted-printable",
    ]
    text = body.replace("\r\n", "\n")
    if not text.endswith("\n"):
        text += "\n"
    encoded = binascii.b2a_qp(text.encode("utf-8"), istext=True)
    return "\r\n".join(lines).encode("ascii") + b"\r\n\r\n" + encoded.replace(b"\n", b"\r\n")


def _one_line(value: str) -> str:
    return " ".join(value.split()) if ("\r" in value or "\n" in value) else value


def _text_header(value: str) -> str:
    value = _one_line(value)
    if value.isascii():
        return value
    return Header(value, "utf-8").encode(linesep="\r\n")


def _address_header(value: str) -> str:
    name, address = parseaddr(_one_line(value))
    if not address:
        return _text_header(value)
    return formataddr((name, address), charset="utf-8")


class Email:
    """SMTP over a few kept-open connections (one per concurrent send at most)."""

    def __init__(self, settings: Settings, *, keep_open: int = 10) -> None:
        self.host, self.port = settings.smtp_host, settings.smtp_port
        self.sender = settings.smtp_from
        self.envelope_from = parseaddr(settings.smtp_from)[1] or settings.smtp_from
        self.timeout = settings.smtp_timeout_seconds
        self.keep_open = keep_open
        self._idle: list[aiosmtplib.SMTP] = []

    def _message(self, out: Outgoing) -> bytes:
        return mime_text(
            sender=self.sender,
            to=out.address,
            subject=out.subject,
            body=out.body,
            message_id=out.message_id,
        )

    async def _connect(self) -> aiosmtplib.SMTP:
        smtp = aiosmtplib.SMTP(
            hostname=self.host, port=self.port, timeout=self.timeout, start_tls=False
        )
        await smtp.connect()
        return smtp

    async def send(self, out: Outgoing) -> Delivered:
        msg = self._message(out)
        recipient = out.address.strip()
        try:
            if self._idle:
                smtp = self._idle.pop()
                try:
                    return await self._send_on(smtp, recipient, msg)
                except (aiosmtplib.SMTPServerDisconnected, ConnectionError):
                    pass  # the server closed a kept connection: nothing was sent, use a new one
            return await self._send_on(await self._connect(), recipient, msg)
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

    async def _send_on(self, smtp: aiosmtplib.SMTP, recipient: str, msg: bytes) -> Delivered:
        try:
            _errors, reply = await smtp.sendmail(self.envelope_from, [recipient], msg)
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
