"""The providers notifications sends through: an SMTP relay (smtp.py) and an SMS gateway
(sms.py). Outgoing calls like another service's client, with their own failure policy: no
caller is waiting, so a failure is not a 503 but a `SendFailed` that the domain classifies
(temporary: tried again later; permanent: recorded as failed at once).

Each adapter takes an `Outgoing` and returns `Delivered` or raises `SendFailed`.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from services.notifications.domain import FailureKind


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One message as it leaves: the address its channel uses and what it says."""

    message_id: UUID
    address: str
    subject: str
    body: str
    sms: str


@dataclass(frozen=True, slots=True)
class Delivered:
    """The provider accepted the message; `detail` is what it answered."""

    detail: str


class SendFailed(Exception):
    """The provider did not take the message; `kind` says whether trying again may help."""

    def __init__(self, kind: FailureKind, detail: str) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail
