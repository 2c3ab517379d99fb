"""How a patient is reached."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter

from services.notifications.api.deps import FORBIDDEN, Now, Staff
from services.notifications.schemas import Preferences, PreferencesRead
from services.notifications.usecases import preferences
from shared.openapi import problem
from shared.uow import UnitOfWorkRoute, UoW

router = APIRouter(route_class=UnitOfWorkRoute, tags=["notifications"])

NOT_KNOWN = problem("Patient not known to notifications")


@router.get(
    "/patients/{patient_id}/preferences",
    summary="How a patient is reached: channel, opt-outs, consent, locale, timezone, quiet hours",
    responses={403: FORBIDDEN, 404: NOT_KNOWN},
)
async def get_preferences(patient_id: UUID, who: Staff, uow: UoW) -> PreferencesRead:
    return await preferences.preferences(uow, who, patient_id)


@router.put(
    "/patients/{patient_id}/preferences",
    summary="Change how a patient is reached",
    description=(
        "Replaces the preferences. Contact details (email, phone) come from records; a later "
        "change there replaces these preferences too (the newest fact wins)."
    ),
    responses={403: FORBIDDEN, 404: NOT_KNOWN},
)
async def put_preferences(
    patient_id: UUID, body: Preferences, who: Staff, uow: UoW, now: Now
) -> PreferencesRead:
    return await preferences.change_preferences(uow, who, patient_id, body, now=now)
