"""Alerts to a network's admins about the network itself (a webhook endpoint disabled): called by
other use cases of this service, in their unit of work. The admins are those the gateway
announced (`StaffAccountChanged`, kept in `staff`); the existing dispatcher sends each alert,
email first, and the message log shows it."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from uuid import UUID

from services.notifications import repository
from services.notifications.domain import MessageKind, admin_alert
from services.notifications.usecases.scheduling import About, Schedule
from shared.uow import UnitOfWork

log = logging.getLogger("mesocare.notifications.admin_alerts")

ADMINS = "staff"
"""The recipient type of a message to one staff account."""


async def alert_network_admins(
    uow: UnitOfWork,
    *,
    network_id: UUID,
    kind: MessageKind,
    about_id: UUID,
    variables: Mapping[str, str],
    now: datetime,
) -> int:
    """Schedule one message of `kind` to every active network admin of `network_id`, due `now`;
    returns how many admins it addresses.

    `about_id` names this occurrence (the same alert is never sent twice): a repeat with the same
    (kind, about_id) schedules nothing new, so call it again freely when redelivered; another
    occurrence of the same thing (an endpoint disabled again) needs another id. `variables` are
    exactly the kind's own (domain.kinds; NotAnAdminAlert otherwise). With no active admin known,
    one message is still recorded, and skipped with the reason, so the log shows the alert.
    """
    alert = admin_alert(network_id=network_id, kind=kind, about_id=about_id, variables=variables)
    admins = await repository.active_network_admins(uow.tx, network_id)
    schedule = Schedule(alert, about_id, now)
    nobody = About(patient_id=None, appointment_id=None, clinic_id=None)
    for admin in admins:
        schedule.add(kind, ADMINS, admin.staff_id, nobody, due_at=now)
    if not admins:
        log.warning(
            "no active network admin known to alert",
            extra={"network_id": str(network_id), "kind": str(kind)},
        )
        # Addressed to the network itself, which no staff account is: skipped after the grace.
        schedule.add(kind, ADMINS, network_id, nobody, due_at=now)
    await schedule.write(uow)
    return len(admins)
