"""Who may do what in notifications, in one place: the roles of each kind of action, the scope."""

from __future__ import annotations

from uuid import UUID

from shared import vocabulary
from shared.auth import STAFF_ROLES, Principal

STAFF = STAFF_ROLES
"""Read the message log, the schedule, templates and branding; change a patient's preferences."""

LOG_READERS = STAFF_ROLES | {"integration"}
"""Read the message log and one message: staff, and integration clients following what was sent
for their network (their clinics, as for staff). Nothing else of notifications is theirs."""

ADMINS = frozenset({"network_admin"})
"""Change the network's own wording of templates and its branding."""

WEBHOOK_MANAGERS = vocabulary.WEBHOOK_MANAGERS
"""Register, change and delete the network's webhook endpoints; read their deliveries."""


def clinic_scope(who: Principal) -> list[UUID]:
    """The clinics whose messages the caller may see; empty means every clinic of the network."""
    return sorted(who.clinic_ids)
