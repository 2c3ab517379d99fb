"""HTTP boundary of the notifications service: the message log, the schedule, templates,
patient preferences and branding. Every query is scoped to the caller's network (and, for
staff limited to some clinics, to messages of those clinics)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import APIRouter, Depends, Request

from services.notifications import repository
from services.notifications.domain import COMMON_VARIABLES, MessageKind, QuietHours, kind_spec
from services.notifications.rendering import (
    Part,
    default_renderer,
    normalise_locale,
    validate_template,
)
from services.notifications.schemas import (
    Attempt,
    BrandingRead,
    BrandingUpdate,
    MessageRead,
    MessageStatus,
    MessageSummary,
    Preferences,
    PreferencesRead,
    TemplatePart,
    TemplateRead,
    TemplateUpdate,
)
from shared.auth import Principal, require_roles
from shared.db import Tx
from shared.errors import Invalid, NotFound
from shared.pagination import Cursor, Limit, Page, decode_cursor, encode_cursor, page_of
from shared.service import problem

router = APIRouter(prefix="/v1", tags=["notifications"])

Staff = Annotated[
    Principal,
    Depends(require_roles("network_admin", "clinic_manager", "practitioner", "receptionist")),
]
Admin = Annotated[Principal, Depends(require_roles("network_admin"))]

FORBIDDEN = problem("The token lacks a staff role")
ADMIN_ONLY = problem("Only network admins change this")


def _now(request: Request) -> datetime:
    return request.app.state.clock.now()


def _summary(row: Any) -> dict[str, Any]:
    return {k: row[k] for k in MessageSummary.model_fields}


def _after(cursor: str | None, kind: str) -> tuple[datetime, UUID] | None:
    values = decode_cursor(cursor, 3)
    if values is None:
        return None
    if values[0] != kind:
        raise Invalid("The cursor belongs to another listing.", field="cursor")
    try:
        return datetime.fromisoformat(values[1]), UUID(values[2])
    except ValueError as exc:
        raise Invalid("The cursor is not one this API issued.", field="cursor") from exc


@router.get(
    "/messages",
    summary="The message log, newest first",
    responses={403: FORBIDDEN},
)
async def list_messages(
    tx: Tx,
    who: Staff,
    patient_id: UUID | None = None,
    appointment_id: UUID | None = None,
    status: MessageStatus | None = None,
    kind: MessageKind | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[MessageSummary]:
    rows = await repository.list_messages(
        tx,
        network_id=who.network_id,
        clinic_ids=sorted(who.clinic_ids),
        filters={
            "patient_id": patient_id,
            "appointment_id": appointment_id,
            "status": status,
            "kind": str(kind) if kind else None,
        },
        after=_after(cursor, "log"),
        limit=limit + 1,
    )
    items, next_cursor = page_of(
        rows, limit, lambda r: encode_cursor("log", r["created_at"].isoformat(), r["id"])
    )
    return Page[MessageSummary](
        items=[MessageSummary(**_summary(r)) for r in items], next_cursor=next_cursor
    )


@router.get(
    "/messages/{message_id}",
    summary="One message: rendered content, status and every attempt",
    responses={403: FORBIDDEN, 404: problem("No such message in your network")},
)
async def get_message(message_id: UUID, tx: Tx, who: Staff) -> MessageRead:
    row = await repository.get_message(
        tx, network_id=who.network_id, clinic_ids=sorted(who.clinic_ids), message_id=message_id
    )
    if row is None:
        raise NotFound(f"No message {message_id} in your network.")
    attempts = await repository.get_attempts(tx, message_id)
    return MessageRead(
        **_summary(row),
        locale=row["locale"],
        subject=row["subject"],
        body=row["body"],
        sms=row["sms"],
        attempts_log=[Attempt(**{k: a[k] for k in Attempt.model_fields}) for a in attempts],
    )


@router.get(
    "/scheduled",
    summary="Messages still to go out, soonest first",
    responses={403: FORBIDDEN},
)
async def list_scheduled(
    tx: Tx,
    who: Staff,
    patient_id: UUID | None = None,
    appointment_id: UUID | None = None,
    kind: MessageKind | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[MessageSummary]:
    rows = await repository.list_scheduled(
        tx,
        network_id=who.network_id,
        clinic_ids=sorted(who.clinic_ids),
        filters={
            "patient_id": patient_id,
            "appointment_id": appointment_id,
            "kind": str(kind) if kind else None,
        },
        after=_after(cursor, "scheduled"),
        limit=limit + 1,
    )
    items, next_cursor = page_of(
        rows, limit, lambda r: encode_cursor("scheduled", r["send_at"].isoformat(), r["id"])
    )
    return Page[MessageSummary](
        items=[MessageSummary(**_summary(r)) for r in items], next_cursor=next_cursor
    )


# --- templates -----------------------------------------------------------------------------------


async def _template(tx: Tx, network_id: UUID, kind: MessageKind, locale: str) -> TemplateRead:
    overrides = await repository.template_overrides(tx, network_id, str(kind))
    parts: dict[str, TemplatePart] = {}
    for part in Part:
        used, source = default_renderer().resolve(kind, locale, part, overrides)  # type: ignore[arg-type]
        origin = "network" if (used, str(part)) in overrides else "default"
        parts[str(part)] = TemplatePart(source=source, origin=origin, locale=used)
    spec = kind_spec(kind)
    return TemplateRead(
        kind=kind,
        locale=locale,
        variables={**COMMON_VARIABLES, **spec.variables},
        **parts,
    )


@router.get(
    "/templates/{kind}/{locale}",
    summary="The templates of one message kind in one locale (the network's own or the default)",
    responses={403: FORBIDDEN},
)
async def get_template(kind: MessageKind, locale: str, tx: Tx, who: Staff) -> TemplateRead:
    return await _template(tx, who.network_id, kind, normalise_locale(locale))


@router.put(
    "/templates/{kind}/{locale}",
    summary="Set the network's own wording of a message kind in a locale",
    description=(
        "Each part given is validated: it must parse, use only the kind's variables and render "
        "with sample values. A refused template is a 422 whose `errors` name the line."
    ),
    responses={403: ADMIN_ONLY},
)
async def put_template(
    kind: MessageKind, locale: str, body: TemplateUpdate, tx: Tx, who: Admin, request: Request
) -> TemplateRead:
    locale = normalise_locale(locale)
    given = body.model_dump(exclude_none=True)
    if not given:
        raise Invalid("Give at least one of subject, text or sms.", field="body")
    for part, source in given.items():
        validate_template(kind, part, source)
    for part, source in given.items():
        await repository.put_template_override(
            tx,
            network_id=who.network_id,
            kind=str(kind),
            locale=locale,
            part=part,
            source=source,
            now=_now(request),
            by=who.sub,
        )
    return await _template(tx, who.network_id, kind, locale)


# --- patient preferences -------------------------------------------------------------------------


def _preferences(row: Any) -> PreferencesRead:
    return PreferencesRead(
        **{k: row[k] for k in PreferencesRead.model_fields if k != "channel_opt_outs"},
        channel_opt_outs=list(row["channel_opt_outs"]),
    )


@router.get(
    "/patients/{patient_id}/preferences",
    summary="How a patient is reached: channel, opt-outs, consent, locale, timezone, quiet hours",
    responses={403: FORBIDDEN, 404: problem("Patient not known to notifications")},
)
async def get_preferences(patient_id: UUID, tx: Tx, who: Staff) -> PreferencesRead:
    row = await repository.get_patient(tx, who.network_id, patient_id)
    if row is None:
        raise NotFound(f"No patient {patient_id} in your network.")
    return _preferences(row)


@router.put(
    "/patients/{patient_id}/preferences",
    summary="Change how a patient is reached",
    description=(
        "Replaces the preferences. Contact details (email, phone) come from records; a later "
        "change there replaces these preferences too (the newest fact wins)."
    ),
    responses={403: FORBIDDEN, 404: problem("Patient not known to notifications")},
)
async def put_preferences(
    patient_id: UUID, body: Preferences, tx: Tx, who: Staff, request: Request
) -> PreferencesRead:
    try:
        ZoneInfo(body.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise Invalid(f"{body.timezone!r} is not an IANA timezone", field="timezone") from None
    if (body.quiet_hours_start is None) != (body.quiet_hours_end is None):
        raise Invalid("Give both quiet hours start and end, or neither.", field="quiet_hours_end")
    if body.quiet_hours_start is not None and body.quiet_hours_end is not None:
        QuietHours(body.quiet_hours_start, body.quiet_hours_end)  # raises InvalidQuietHours
    row = await repository.update_preferences(
        tx,
        network_id=who.network_id,
        patient_id=patient_id,
        as_of=_now(request),
        preferred_channel=body.preferred_channel,
        channel_opt_outs=sorted(set(body.channel_opt_outs)),
        marketing_consent=body.marketing_consent,
        locale=normalise_locale(body.locale),
        timezone=body.timezone,
        quiet_hours_start=body.quiet_hours_start,
        quiet_hours_end=body.quiet_hours_end,
    )
    if row is None:
        raise NotFound(f"No patient {patient_id} in your network.")
    return _preferences(row)


# --- branding ------------------------------------------------------------------------------------


@router.get(
    "/branding", summary="The network's name and signature in messages", responses={403: FORBIDDEN}
)
async def get_branding(tx: Tx, who: Staff, request: Request) -> BrandingRead:
    row = await repository.get_branding(tx, who.network_id)
    if row is None:
        return BrandingRead(network_name=request.app.state.settings.default_network_name)
    return BrandingRead(
        network_name=row["network_name"], signature=row["signature"], updated_at=row["updated_at"]
    )


@router.put(
    "/branding", summary="Set the network's name and signature", responses={403: ADMIN_ONLY}
)
async def put_branding(body: BrandingUpdate, tx: Tx, who: Admin, request: Request) -> BrandingRead:
    row = await repository.put_branding(
        tx,
        network_id=who.network_id,
        network_name=body.network_name,
        signature=body.signature,
        now=_now(request),
        by=who.sub,
    )
    return BrandingRead(
        network_name=row["network_name"], signature=row["signature"], updated_at=row["updated_at"]
    )
