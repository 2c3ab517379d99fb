"""The message log and the schedule as staff read them: the caller's network only and, for staff
limited to some clinics, the messages of those clinics."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from uuid import UUID

from services.notifications import policies, repository
from services.notifications.domain import MessageKind
from services.notifications.schemas import Attempt, MessageRead, MessageStatus, MessageSummary
from shared.auth import Principal
from shared.errors import Invalid, NotFound
from shared.pagination import Page, decode_cursor, encode_cursor, page_of
from shared.uow import UnitOfWork


async def log(
    uow: UnitOfWork,
    who: Principal,
    *,
    patient_id: UUID | None = None,
    appointment_id: UUID | None = None,
    status: MessageStatus | None = None,
    kind: MessageKind | None = None,
    cursor: str | None = None,
    limit: int,
) -> Page[MessageSummary]:
    """The message log, newest first."""
    rows = await repository.list_messages(
        uow.tx,
        network_id=who.network_id,
        clinic_ids=policies.clinic_scope(who),
        filters=repository.MessageFilter(
            patient_id, appointment_id, status, str(kind) if kind else None
        ),
        after=_after(cursor, "log"),
        limit=limit + 1,
    )
    return _page(rows, limit, "log", lambda m: m.created_at)


async def scheduled(
    uow: UnitOfWork,
    who: Principal,
    *,
    patient_id: UUID | None = None,
    appointment_id: UUID | None = None,
    kind: MessageKind | None = None,
    cursor: str | None = None,
    limit: int,
) -> Page[MessageSummary]:
    """Messages still to go out, soonest first."""
    rows = await repository.list_scheduled(
        uow.tx,
        network_id=who.network_id,
        clinic_ids=policies.clinic_scope(who),
        filters=repository.MessageFilter(
            patient_id, appointment_id, kind=str(kind) if kind else None
        ),
        after=_after(cursor, "scheduled"),
        limit=limit + 1,
    )
    return _page(rows, limit, "scheduled", lambda m: m.send_at)


async def message(uow: UnitOfWork, who: Principal, message_id: UUID) -> MessageRead:
    """One message: its rendered content (once rendered), status and every attempt."""
    found = await repository.get_message(
        uow.tx,
        network_id=who.network_id,
        clinic_ids=policies.clinic_scope(who),
        message_id=message_id,
    )
    if found is None:
        raise NotFound(f"No message {message_id} in your network.")
    attempts = await repository.get_attempts(uow.tx, message_id)
    return MessageRead(
        **_summary(found).model_dump(),
        locale=found.locale,
        subject=found.subject,
        body=found.body,
        sms=found.sms,
        attempts_log=[Attempt.model_validate(a, from_attributes=True) for a in attempts],
    )


def _summary(message: repository.Message) -> MessageSummary:
    return MessageSummary.model_validate(message, from_attributes=True)


def _after(cursor: str | None, listing: str) -> repository.Position | None:
    """Where the previous page of `listing` ended; Invalid for another listing's cursor."""
    values = decode_cursor(cursor, 3)
    if values is None:
        return None
    if values[0] != listing:
        raise Invalid("The cursor belongs to another listing.", field="cursor")
    try:
        return datetime.fromisoformat(values[1]), UUID(values[2])
    except ValueError as exc:
        raise Invalid("The cursor is not one this API issued.", field="cursor") from exc


def _page(
    rows: list[repository.Message],
    limit: int,
    listing: str,
    ordered_by: Callable[[repository.Message], datetime],
) -> Page[MessageSummary]:
    items, next_cursor = page_of(
        rows, limit, lambda m: encode_cursor(listing, ordered_by(m).isoformat(), m.id)
    )
    return Page[MessageSummary](items=[_summary(m) for m in items], next_cursor=next_cursor)
