"""Events produced by the gateway: a staff account's on `gateway.staff.v1`, keyed by staff id."""

from __future__ import annotations

from typing import ClassVar
from uuid import UUID

from pydantic import Field

from shared.events.base import Event

STAFF_TOPIC = "gateway.staff.v1"


class StaffAccountChanged(Event):
    """A staff account as it now is: created, changed or deactivated.

    It states the whole account as other services may know it, so a consumer keeps the newest
    (by the event's time) and never needs the ones before it. Only what they need to reach the
    person and know their role travels: never a password hash, a session or a sign-in.
    """

    type: ClassVar[str] = "mesocare.gateway.StaffAccountChanged.v1"
    topic: ClassVar[str] = STAFF_TOPIC
    key_field: ClassVar[str] = "staff_id"

    staff_id: UUID
    email: str = Field(description="The sign-in email, where the person is reached")
    display_name: str
    roles: list[str] = Field(description="Staff roles, e.g. network_admin, practitioner")
    clinic_ids: list[UUID] = Field(description="The clinics they work for; empty: all of them")
    active: bool = Field(description="False once the account is deactivated")
