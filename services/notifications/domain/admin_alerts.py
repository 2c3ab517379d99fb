"""An alert to a network's admins about the network itself (a webhook endpoint disabled): what it
says comes from its caller, not from an event. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from .kinds import ADMIN_ALERTS, MessageKind, kind_spec


class AdminAlert(BaseModel):
    """The facts of an alert to the network's admins, kept with each of its messages as an
    event's facts are (the message log's `facts`, under `type`), and read back when it is sent."""

    model_config = ConfigDict(frozen=True)

    type: ClassVar[str] = "mesocare.notifications.AdminAlert"
    """Not an event on any topic: the name its messages' `event_type` carries."""

    network_id: UUID
    kind: MessageKind
    about_id: UUID
    variables: dict[str, str]


class NotAnAdminAlert(ValueError):
    """A programming error: the kind is not an admin alert, or its variables are not the kind's."""


def admin_alert(
    *, network_id: UUID, kind: MessageKind, about_id: UUID, variables: Mapping[str, str]
) -> AdminAlert:
    """The alert, once `kind` is an admin alert and `variables` are exactly its own; raises
    NotAnAdminAlert naming what is wrong (an optional variable may be the empty string)."""
    if kind not in ADMIN_ALERTS:
        raise NotAnAdminAlert(f"{kind} is not an alert to the network's admins")
    spec = kind_spec(kind)
    missing = sorted(set(spec.variables) - set(variables))
    unknown = sorted(set(variables) - set(spec.variables))
    empty = sorted(k for k, v in variables.items() if not v.strip() and k not in spec.optional)
    if missing or unknown or empty:
        raise NotAnAdminAlert(
            f"{kind} variables: missing {missing or 'none'}, unknown {unknown or 'none'}, "
            f"empty {empty or 'none'}"
        )
    return AdminAlert(
        network_id=network_id, kind=kind, about_id=about_id, variables=dict(variables)
    )
