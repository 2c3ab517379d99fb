"""The message log, one message, and the schedule."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter

from services.notifications.api.deps import FORBIDDEN, NOT_A_LOG_READER, LogReader, Staff
from services.notifications.domain import MessageKind
from services.notifications.schemas import MessageRead, MessageStatus, MessageSummary
from services.notifications.usecases import messages
from shared.openapi import problem
from shared.pagination import Cursor, Limit, Page
from shared.uow import UnitOfWorkRoute, UoW

router = APIRouter(route_class=UnitOfWorkRoute, tags=["notifications"])


@router.get("/messages", summary="The message log, newest first", responses={403: NOT_A_LOG_READER})
async def list_messages(
    who: LogReader,
    uow: UoW,
    patient_id: UUID | None = None,
    appointment_id: UUID | None = None,
    status: MessageStatus | None = None,
    kind: MessageKind | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[MessageSummary]:
    return await messages.log(
        uow,
        who,
        patient_id=patient_id,
        appointment_id=appointment_id,
        status=status,
        kind=kind,
        cursor=cursor,
        limit=limit,
    )


@router.get(
    "/messages/{message_id}",
    summary="One message: rendered content, status and every attempt",
    responses={403: NOT_A_LOG_READER, 404: problem("No such message in your network")},
)
async def get_message(message_id: UUID, who: LogReader, uow: UoW) -> MessageRead:
    return await messages.message(uow, who, message_id)


@router.get(
    "/scheduled", summary="Messages still to go out, soonest first", responses={403: FORBIDDEN}
)
async def list_scheduled(
    who: Staff,
    uow: UoW,
    patient_id: UUID | None = None,
    appointment_id: UUID | None = None,
    kind: MessageKind | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[MessageSummary]:
    return await messages.scheduled(
        uow,
        who,
        patient_id=patient_id,
        appointment_id=appointment_id,
        kind=kind,
        cursor=cursor,
        limit=limit,
    )
