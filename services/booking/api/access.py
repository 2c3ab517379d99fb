"""Who may do what: role dependencies and the clinic scope of a token."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import Depends

from shared.auth import ROLES, Principal, require_roles
from shared.errors import Forbidden

Reader = Annotated[Principal, Depends(require_roles(*ROLES))]
"""Anyone of the network: staff and integrations read setup data and calendars."""

Editor = Annotated[Principal, Depends(require_roles("network_admin", "clinic_manager"))]
"""Edits setup data: clinics, rooms, practitioners, hours, treatment types, prices."""

Booker = Annotated[
    Principal,
    Depends(
        require_roles(
            "network_admin", "clinic_manager", "receptionist", "practitioner", "integration"
        )
    ),
]
"""Books, reschedules and cancels appointments; creates treatment plans."""

FrontDesk = Annotated[
    Principal,
    Depends(require_roles("network_admin", "clinic_manager", "receptionist", "practitioner")),
]
"""Checks patients in and records no-shows."""

Practitioner = Annotated[Principal, Depends(require_roles("practitioner"))]
"""Starts and completes sessions, acknowledges cautions."""


def require_clinic(who: Principal, clinic_id: UUID) -> None:
    """Forbidden (403) unless the token's clinic scope includes `clinic_id`."""
    if not who.may_act_in(clinic_id):
        raise Forbidden(f"Your token does not let you act in clinic {clinic_id}.")
