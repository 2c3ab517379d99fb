"""Request and response models of the gateway's API (staff, integration clients, tokens)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, EmailStr, Field

from shared.inputs import Flag, NotBlank, Strict

DisplayName = Annotated[str, Field(min_length=1, max_length=120), NotBlank]
Password = Annotated[str, Field(min_length=1, max_length=256, description="At least 12 characters")]


class StaffCreate(Strict):
    email: EmailStr
    display_name: DisplayName
    password: Password
    roles: list[str] = Field(
        min_length=1,
        description="network_admin, clinic_manager, practitioner, receptionist",
    )
    clinic_ids: list[UUID] = Field(
        default_factory=list, description="Clinics the person works in; empty = all clinics"
    )


class StaffUpdate(Strict):
    display_name: DisplayName | None = None
    password: Password | None = Field(None, description="A new password (an admin reset)")
    roles: list[str] | None = Field(None, min_length=1)
    clinic_ids: list[UUID] | None = None
    active: Flag | None = Field(None, description="false deactivates: no sign-in, sessions end")


class StaffRead(BaseModel):
    id: UUID
    email: str
    display_name: str
    roles: list[str]
    clinic_ids: list[UUID]
    active: bool
    created_at: datetime
    updated_at: datetime


class StaffPage(BaseModel):
    items: list[StaffRead]
    next_cursor: str | None = None


class ClientCreate(Strict):
    name: Annotated[str, Field(min_length=1, max_length=120)]
    roles: list[str] = Field(
        default_factory=lambda: ["integration"],
        description="Always includes `integration`; add staff roles the integration acts with",
    )
    clinic_ids: list[UUID] = Field(default_factory=list, description="Empty = all clinics")


class ClientUpdate(Strict):
    name: Annotated[str, Field(min_length=1, max_length=120)] | None = None
    roles: list[str] | None = None
    clinic_ids: list[UUID] | None = None
    active: Flag | None = Field(None, description="false deactivates: no new tokens")


class ClientRead(BaseModel):
    id: UUID
    client_id: str
    name: str
    roles: list[str]
    clinic_ids: list[UUID]
    active: bool
    created_at: datetime
    updated_at: datetime


class ClientCreated(ClientRead):
    client_secret: str = Field(description="Shown once, now; only its hash is kept")


class ClientPage(BaseModel):
    items: list[ClientRead]
    next_cursor: str | None = None


class TokenResponse(BaseModel):
    """RFC 6749 §5.1 access token response."""

    access_token: str
    token_type: str = "Bearer"
    expires_in: int
    scope: str = Field(description="The roles the token carries, space-separated")
