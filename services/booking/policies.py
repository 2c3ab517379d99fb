"""Who may do what in booking, in one place: the roles of each kind of action, the clinic scope."""

from __future__ import annotations

from uuid import UUID

from shared import vocabulary
from shared.auth import ROLES, Principal
from shared.errors import Forbidden

READERS = ROLES
"""Anyone of the network: staff and integrations read setup data and calendars."""

EDITORS = vocabulary.SETUP_EDITORS
"""Edit setup data: clinics, rooms, practitioners, hours, treatment types, prices."""

BOOKERS = frozenset(
    {"network_admin", "clinic_manager", "receptionist", "practitioner", "integration"}
)
"""Book, reschedule and cancel appointments; create treatment plans."""

FRONT_DESK = frozenset({"network_admin", "clinic_manager", "receptionist", "practitioner"})
"""Check patients in and record no-shows."""

PRACTITIONERS = vocabulary.SESSION_ROLES
"""Start, re-check and complete sessions; acknowledge cautions and deviations."""

PRACTITIONER_FEEDS = vocabulary.CALENDAR_FEED_ROLES
"""Make, list and revoke a practitioner's calendar feeds. Booking does not know which
practitioner a token's subject is, so a practitioner may do it for any practitioner whose
clinics are all in the token's scope (as managers and admins may)."""

CLINIC_FEEDS = frozenset({"network_admin", "clinic_manager"})
"""Make, list and revoke a clinic's calendar feeds."""

NETWORK_SETTINGS = frozenset({"network_admin"})
"""Change the network's booking settings (whether calendar feeds name patients in full)."""


def require_clinic(who: Principal, clinic_id: UUID) -> None:
    """Forbidden (403) unless the token's clinic scope includes `clinic_id`."""
    if not who.may_act_in(clinic_id):
        raise Forbidden(f"Your token does not let you act in clinic {clinic_id}.")
