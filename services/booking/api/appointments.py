"""Appointments: booking, the calendar views and the session lifecycle.

Every change and the event it causes are written in the request's one transaction (outbox).
Double booking is refused by the database's exclusion constraints whatever happens between
the checks here and the insert; the checks only word the answer early.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request, Response

from services.booking import repository
from services.booking.api import calendar, views
from services.booking.api.access import Booker, FrontDesk, Practitioner, Reader, require_clinic
from services.booking.api.lookups import ensure_patient_known
from services.booking.api.paging import cursor_datetime, cursor_uuid
from services.booking.clients.formulary import FormularyClient
from services.booking.domain import (
    Action,
    ExperienceTier,
    Indication,
    Money,
    Price,
    PriceList,
    PriceNotSet,
    Status,
    TreatmentKind,
    as_utc,
    check_bookable,
    check_consultation_completed,
    next_status,
    requires_completed_consultation,
)
from services.booking.schemas import (
    AppointmentCreate,
    AppointmentPage,
    AppointmentRead,
    Cancel,
    Reschedule,
    SessionCompletion,
    SessionStart,
)
from services.booking.usecases import sessions
from shared import idempotency, outbox
from shared.auth import Principal
from shared.db import Transaction, Tx
from shared.errors import Invalid, NotFound
from shared.events.booking import (
    AppointmentBooked,
    AppointmentCancelled,
    AppointmentNoShow,
    AppointmentRescheduled,
)
from shared.idempotency import IdempotencyKey
from shared.pagination import Cursor, Limit, decode_cursor, encode_cursor, page_of
from shared.service import problem
from shared.uow import Db

router = APIRouter(tags=["appointments"])
SOURCE = "mesocare/booking"

NOT_FOUND = problem("No such appointment in your network")
FORBIDDEN = problem("Your role or clinic scope does not allow this")
ILLEGAL = problem("Not allowed in the appointment's current status (`allowed_actions`)")
TAKEN = problem("The practitioner or the room is taken then (`practitioner-taken`, `room-taken`)")


# -- reading -----------------------------------------------------------------------------------


async def appointment_or_404(
    tx: Transaction, who: Principal, appointment_id: UUID, *, for_update: bool = False
) -> dict[str, Any]:
    row = await repository.get_appointment(
        tx, network_id=who.network_id, id=appointment_id, for_update=for_update
    )
    if row is None:
        raise NotFound(f"No appointment {appointment_id} in your network.")
    return row


async def _reload(tx: Transaction, who: Principal, appointment_id: UUID) -> dict[str, Any]:
    return await appointment_or_404(tx, who, appointment_id)


@router.get(
    "/appointments",
    summary="Appointments by clinic (and day), practitioner or patient, ordered by time",
    description=(
        "`clinic_id` + `date` is the clinic-day view (a local date in the clinic's timezone). "
        "`from` / `to` bound the start time (RFC 3339 with offset). Paginated by `cursor`."
    ),
)
async def list_appointments(
    tx: Tx,
    who: Reader,
    clinic_id: UUID | None = None,
    practitioner_id: UUID | None = None,
    patient_id: UUID | None = None,
    status: Status | None = None,
    day: Annotated[
        date | None, Query(alias="date", description="Local date; needs clinic_id")
    ] = None,
    start: Annotated[datetime | None, Query(alias="from")] = None,
    end: Annotated[datetime | None, Query(alias="to")] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> AppointmentPage:
    if day is not None:
        if clinic_id is None:
            raise Invalid("date is a clinic's local date: pass clinic_id too.", field="date")
        clinic = await repository.get_clinic(tx, network_id=who.network_id, id=clinic_id)
        if clinic is None:
            raise NotFound(f"No clinic {clinic_id} in your network.")
        start, end = calendar.local_window(ZoneInfo(clinic["timezone"]), day, day)
    else:
        start = as_utc(start, field="from") if start is not None else None
        end = as_utc(end, field="to") if end is not None else None
    after = decode_cursor(cursor, 2)
    rows = await repository.list_appointments(
        tx,
        network_id=who.network_id,
        clinic_id=clinic_id,
        practitioner_id=practitioner_id,
        patient_id=patient_id,
        status=status.value if status else None,
        start=start,
        end=end,
        after=(cursor_datetime(after[0]), cursor_uuid(after[1])) if after else None,
        limit=limit,
    )
    page, next_cursor = page_of(
        rows, limit, lambda r: encode_cursor(r["starts_at"].isoformat(), r["id"])
    )
    return AppointmentPage(items=[views.appointment(r) for r in page], next_cursor=next_cursor)


@router.get("/appointments/{appointment_id}", summary="An appointment", responses={404: NOT_FOUND})
async def get_appointment(appointment_id: UUID, tx: Tx, who: Reader) -> AppointmentRead:
    return views.appointment(await appointment_or_404(tx, who, appointment_id))


# -- booking and rescheduling ------------------------------------------------------------------


async def _checked_slot(
    tx: Transaction,
    *,
    who: Principal,
    clinic_id: UUID,
    treatment_type_id: UUID,
    room_id: UUID,
    practitioner_id: UUID,
    patient_id: UUID,
    start: datetime,
    end: datetime | None,
    moving: UUID | None = None,
) -> tuple[dict[str, Any], datetime, datetime]:
    """Load everything in one round trip and check it; (context, start, end) in UTC.

    Unknown ids → 422 naming the field; then domain.check_bookable (the database's exclusion
    constraints remain the guarantee against a concurrent double booking).
    """
    start = as_utc(start, field="start")
    ctx = await repository.booking_context(
        tx,
        network_id=who.network_id,
        clinic_id=clinic_id,
        treatment_type_id=treatment_type_id,
        room_id=room_id,
        practitioner_id=practitioner_id,
        patient_id=patient_id,
        start=start,
        day_start=start - timedelta(days=1),
        day_end=start + timedelta(days=1),
        excluding=moving,
    )
    if ctx["clinic_id"] is None:
        raise Invalid(f"No clinic {clinic_id} in your network.", field="clinic_id")
    require_clinic(who, clinic_id)
    if ctx["type_id"] is None:
        raise Invalid(
            f"No treatment type {treatment_type_id} in your network.", field="treatment_type_id"
        )
    if ctx["room_id"] is None or ctx["room_clinic_id"] != clinic_id:
        raise Invalid(f"No room {room_id} at clinic {clinic_id}.", field="room_id")
    if ctx["practitioner_id"] is None or not ctx["works_here"]:
        raise Invalid(
            f"No practitioner {practitioner_id} working at clinic {clinic_id}.",
            field="practitioner_id",
        )
    duration = timedelta(minutes=ctx["duration_minutes"])
    buffer = timedelta(minutes=ctx["buffer_minutes"])
    end = start + duration if end is None else as_utc(end, field="end")
    check_bookable(
        tz=ZoneInfo(ctx["clinic_timezone"]),
        start=start,
        end=end,
        duration=duration,
        buffer=buffer,
        grid=timedelta(minutes=ctx["slot_grid_minutes"]),
        indication=Indication(ctx["indication"]),
        practitioner=calendar.practitioner_availability({**ctx, "id": ctx["practitioner_id"]}),
        room_id=room_id,
        busy=calendar.busy(
            list(
                zip(
                    ctx["busy_practitioners"],
                    ctx["busy_rooms"],
                    ctx["busy_starts"],
                    ctx["busy_ends"],
                    strict=True,
                )
            )
        ),
        now=datetime.now(UTC),
    )
    return ctx, start, end


def _price(ctx: dict[str, Any]) -> Money | None:
    """The clinic's price for the treatment type at the practitioner's tier, if set."""
    prices = PriceList(
        Price(
            clinic_id=ctx["clinic_id"],
            treatment_type_id=ctx["type_id"],
            amount=Money(amount, currency),
            tier=ExperienceTier(tier) if tier else None,
        )
        for tier, amount, currency in zip(
            ctx["tiers"], ctx["amounts"], ctx["currencies"], strict=True
        )
    )
    try:
        return prices.lookup(
            clinic_id=ctx["clinic_id"],
            treatment_type_id=ctx["type_id"],
            tier=ExperienceTier(ctx["experience_tier"]),
        ).amount
    except PriceNotSet:
        return None


@router.post(
    "/appointments",
    status_code=201,
    summary="Book an appointment",
    description=(
        "Checks, in order: the clinic, room, practitioner and treatment type exist in your "
        "network; the patient is known (replica of records, else records is asked); a "
        "treatment needs a completed consultation for its indication; then the time "
        "(end after start, duration, not past, qualification, licence, working hours, slot "
        "grid, time off, calendar). Emits AppointmentBooked."
    ),
    responses={
        403: FORBIDDEN,
        409: TAKEN,
        503: problem("Records could not confirm the patient (fail closed)"),
    },
)
async def book(
    body: AppointmentCreate,
    tx: Tx,
    who: Booker,
    request: Request,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> AppointmentRead:
    prior = await idempotency.replay_or_claim(
        tx,
        network_id=who.network_id,
        key=idempotency_key,
        method="POST",
        path=request.url.path,
        body=body,
    )
    if prior is not None:
        return prior  # type: ignore[return-value]
    ctx, start, end = await _checked_slot(
        tx,
        who=who,
        clinic_id=body.clinic_id,
        treatment_type_id=body.treatment_type_id,
        room_id=body.room_id,
        practitioner_id=body.practitioner_id,
        patient_id=body.patient_id,
        start=body.start,
        end=body.end,
    )
    treatment = ctx
    if not ctx["patient_known"]:
        await ensure_patient_known(
            tx, request, network_id=who.network_id, patient_id=body.patient_id
        )
    kind = TreatmentKind(treatment["kind"])
    if requires_completed_consultation(kind):
        check_consultation_completed(
            kind=kind,
            indication=Indication(treatment["indication"]),
            completed_consultations={
                Indication(i)
                for i in await repository.completed_consultation_indications(
                    tx, network_id=who.network_id, patient_id=body.patient_id
                )
            },
        )
    plan_id = await _plan_for(tx, who, body, treatment)
    price = _price(ctx)
    appointment_id = uuid4()
    fields: dict[str, Any] = dict(
        id=appointment_id,
        network_id=who.network_id,
        clinic_id=body.clinic_id,
        room_id=body.room_id,
        practitioner_id=body.practitioner_id,
        patient_id=body.patient_id,
        treatment_type_id=body.treatment_type_id,
        treatment_plan_id=plan_id,
        kind=kind.value,
        indication=treatment["indication"],
        starts_at=start,
        ends_at=end,
        occupied_until=end + timedelta(minutes=ctx["buffer_minutes"]),
        price_minor=price.amount_minor if price else None,
        currency=price.currency if price else None,
        notes=body.notes,
        created_at=datetime.now(UTC),
        created_by=who.sub,
    )
    await repository.insert_appointment(tx, **fields)
    row = _new_row(ctx, fields)
    await outbox.add(tx, AppointmentBooked(**views.event_facts(row)), source=SOURCE)
    created = views.appointment(row)
    await idempotency.remember(
        tx, network_id=who.network_id, key=idempotency_key, status_code=201, response=created
    )
    response.headers["Location"] = f"/v1/appointments/{appointment_id}"
    return created


def _new_row(ctx: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
    """The row `repository.get_appointment` would return for a just-inserted appointment."""
    return {
        **{k: ctx[k] for k in _CONTEXT_COLUMNS},
        **fields,
        "status": Status.booked.value,
        **dict.fromkeys(_UNSET_COLUMNS),
    }


_CONTEXT_COLUMNS = (
    "clinic_name",
    "clinic_timezone",
    "clinic_phone",
    "clinic_email",
    "practitioner_name",
    "practitioner_email",
    "practitioner_phone",
    "treatment_name",
    "treatment_areas",
)
_UNSET_COLUMNS = (
    "checked_in_at",
    "started_at",
    "started_by",
    "cross_check",
    "acknowledgement",
    "completed_at",
    "completed_by",
    "completion",
    "cancelled_at",
    "cancelled_by",
    "cancel_reason",
)


async def _plan_for(
    tx: Transaction, who: Principal, body: AppointmentCreate, treatment: dict[str, Any]
) -> UUID | None:
    if body.treatment_plan_id is None:
        if treatment["kind"] != TreatmentKind.treatment:
            return None
        return await repository.latest_plan_for(
            tx,
            network_id=who.network_id,
            patient_id=body.patient_id,
            treatment_type_id=body.treatment_type_id,
        )
    plan = await repository.get_plan(tx, network_id=who.network_id, id=body.treatment_plan_id)
    if plan is None or plan["patient_id"] != body.patient_id:
        raise Invalid(
            f"Patient {body.patient_id} has no treatment plan {body.treatment_plan_id}.",
            field="treatment_plan_id",
        )
    if plan["indication"] != treatment["indication"]:
        raise Invalid(
            f"The plan is for {plan['indication']}, the treatment for {treatment['indication']}.",
            field="treatment_plan_id",
        )
    return plan["id"]


async def _transition(
    tx: Transaction, who: Principal, appointment_id: UUID, action: Action
) -> tuple[dict[str, Any], Status]:
    """The locked appointment and the status `action` leads to (IllegalTransition → 409)."""
    row = await appointment_or_404(tx, who, appointment_id, for_update=True)
    require_clinic(who, row["clinic_id"])
    return row, next_status(Status(row["status"]), action)


@router.post(
    "/appointments/{appointment_id}/reschedule",
    summary="Move a booked appointment (time, and optionally room or practitioner)",
    description="Same checks as booking. Emits AppointmentRescheduled.",
    responses={403: FORBIDDEN, 404: NOT_FOUND, 409: TAKEN},
)
async def reschedule(
    appointment_id: UUID, body: Reschedule, tx: Tx, who: Booker
) -> AppointmentRead:
    row, status = await _transition(tx, who, appointment_id, Action.reschedule)
    practitioner_id = body.practitioner_id or row["practitioner_id"]
    room_id = body.room_id or row["room_id"]
    ctx, start, end = await _checked_slot(
        tx,
        who=who,
        clinic_id=row["clinic_id"],
        treatment_type_id=row["treatment_type_id"],
        room_id=room_id,
        practitioner_id=practitioner_id,
        patient_id=row["patient_id"],
        start=body.start,
        end=body.end,
        moving=appointment_id,
    )
    occupied_until = end + timedelta(minutes=ctx["buffer_minutes"])
    await repository.update_appointment(
        tx,
        network_id=who.network_id,
        id=appointment_id,
        changes={
            "status": status.value,
            "practitioner_id": practitioner_id,
            "room_id": room_id,
            "starts_at": start,
            "ends_at": end,
            "occupied_until": occupied_until,
        },
    )
    moved = await _reload(tx, who, appointment_id)
    await outbox.add(
        tx,
        AppointmentRescheduled(
            **views.event_facts(moved),
            previous_starts_at=row["starts_at"],
            previous_ends_at=row["ends_at"],
        ),
        source=SOURCE,
    )
    return views.appointment(moved)


@router.post(
    "/appointments/{appointment_id}/cancel",
    summary="Cancel an appointment, with a reason; frees its slot",
    description="Emits AppointmentCancelled.",
    responses={403: FORBIDDEN, 404: NOT_FOUND, 409: ILLEGAL},
)
async def cancel(appointment_id: UUID, body: Cancel, tx: Tx, who: Booker) -> AppointmentRead:
    row, status = await _transition(tx, who, appointment_id, Action.cancel)
    await repository.update_appointment(
        tx,
        network_id=who.network_id,
        id=appointment_id,
        changes={
            "status": status.value,
            "cancelled_at": datetime.now(UTC),
            "cancelled_by": who.sub,
            "cancel_reason": body.reason,
        },
    )
    await outbox.add(
        tx,
        AppointmentCancelled(**views.event_facts(row), reason=body.reason, cancelled_by=who.sub),
        source=SOURCE,
    )
    return views.appointment(await _reload(tx, who, appointment_id))


@router.post(
    "/appointments/{appointment_id}/check-in",
    summary="The patient has arrived",
    description="Emits no event.",
    responses={403: FORBIDDEN, 404: NOT_FOUND, 409: ILLEGAL},
)
async def check_in(appointment_id: UUID, tx: Tx, who: FrontDesk) -> AppointmentRead:
    _row, status = await _transition(tx, who, appointment_id, Action.check_in)
    await repository.update_appointment(
        tx,
        network_id=who.network_id,
        id=appointment_id,
        changes={"status": status.value, "checked_in_at": datetime.now(UTC)},
    )
    return views.appointment(await _reload(tx, who, appointment_id))


@router.post(
    "/appointments/{appointment_id}/no-show",
    summary="The patient did not come; frees the slot",
    description="Emits AppointmentNoShow.",
    responses={403: FORBIDDEN, 404: NOT_FOUND, 409: ILLEGAL},
)
async def no_show(appointment_id: UUID, tx: Tx, who: FrontDesk) -> AppointmentRead:
    row, status = await _transition(tx, who, appointment_id, Action.no_show)
    await repository.update_appointment(
        tx, network_id=who.network_id, id=appointment_id, changes={"status": status.value}
    )
    await outbox.add(tx, AppointmentNoShow(**views.event_facts(row)), source=SOURCE)
    return views.appointment(await _reload(tx, who, appointment_id))


# -- the session -------------------------------------------------------------------------------


def _caller(who: Principal, request: Request) -> sessions.Caller:
    return sessions.Caller(who, request.headers.get("authorization"))


def _formulary(request: Request) -> FormularyClient:
    client: FormularyClient = request.app.state.formulary_client
    return client


_REFUSED_PLAN = problem(
    "Illegal transition, or the cross-check blocks (`contraindicated`, "
    "`cross-check-unknown-patient`, `caution-not-acknowledged`), with `findings`"
)
_NO_FORMULARY = problem("Formulary did not answer (fail closed): nothing was changed")


@router.post(
    "/appointments/{appointment_id}/start",
    summary="Start the session, after the formulary's cross-check (practitioners only)",
    description=(
        "A treatment names what is planned (`blend_id` [+ `blend_version`] or "
        "`ingredient_codes`, optional `lot_numbers`, `areas`) and formulary cross-checks it "
        "against the patient's safety profile, the clinic's approved list, the lots, and the "
        "appointment's indication and areas. `contraindicated` or `unknown_patient` → 409 "
        "carrying the findings; formulary slow or down → 503 (fail closed); `caution` → "
        "starts only with an `acknowledgement` naming every finding code and a reason, "
        "recorded with the appointment. A consultation or follow-up injects nothing: without "
        "a blend it starts without a cross-check. Emits SessionStarted."
    ),
    responses={403: FORBIDDEN, 404: NOT_FOUND, 409: _REFUSED_PLAN, 503: _NO_FORMULARY},
)
async def start(
    appointment_id: UUID, body: SessionStart, db: Db, who: Practitioner, request: Request
) -> AppointmentRead:
    row = await sessions.start(db, _formulary(request), _caller(who, request), appointment_id, body)
    return views.appointment(row)


@router.post(
    "/appointments/{appointment_id}/cross-check",
    summary="Re-check a changed plan before injecting it, during the session (practitioners)",
    description=(
        "The practitioner changed what will be injected (another blend or ingredient, lot, "
        "or area): formulary checks it as at the start, and a passing check becomes the one "
        "`complete` compares against. Same body and refusals as `start`; a refused plan "
        "changes nothing. Emits SessionRechecked."
    ),
    responses={403: FORBIDDEN, 404: NOT_FOUND, 409: _REFUSED_PLAN, 503: _NO_FORMULARY},
)
async def cross_check(
    appointment_id: UUID, body: SessionStart, db: Db, who: Practitioner, request: Request
) -> AppointmentRead:
    row = await sessions.recheck(
        db, _formulary(request), _caller(who, request), appointment_id, body
    )
    return views.appointment(row)


@router.post(
    "/appointments/{appointment_id}/complete",
    summary="Record what was administered and close the session (practitioners only)",
    description=(
        "A treatment records its preparation and each ingredient with lot, amount and unit. "
        "Blend and areas default to what the last passing check covered. Formulary checks "
        "exactly what was given; anything that check would not pass and the last passing "
        "check did not cover (another ingredient, lot or area, a higher amount, a lot "
        "recalled or expired since, a safety profile changed since) is a deviation: 409 "
        "`unchecked-administration` with `deviations` (each with its findings and codes) "
        "until `acknowledgement` names every code with a reason. Acknowledged, it is "
        "recorded as given, flagged, and the clinic's manager is alerted. A lot of another "
        "ingredient, an unknown lot or a unit that is not the ingredient's is a 422 naming "
        "`ingredients[i]`. Formulary down → 503, nothing recorded. Emits SessionCompleted "
        "with the deviations and `next_session_due` / `maintenance_due` from the plan."
    ),
    responses={
        403: FORBIDDEN,
        404: NOT_FOUND,
        409: problem(
            "Illegal transition, or `unchecked-administration` with `deviations` and "
            "`unacknowledged_codes`"
        ),
        503: _NO_FORMULARY,
    },
)
async def complete(
    appointment_id: UUID, body: SessionCompletion, db: Db, who: Practitioner, request: Request
) -> AppointmentRead:
    row = await sessions.complete(
        db, _formulary(request), _caller(who, request), appointment_id, body
    )
    return views.appointment(row)
