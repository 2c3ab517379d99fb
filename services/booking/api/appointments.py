"""Appointments: booking, the calendar views and the session lifecycle."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Response

from services.booking.api import views
from services.booking.api.deps import (
    Authorization,
    Booker,
    Formulary,
    FrontDesk,
    Practitioner,
    Reader,
    Records,
)
from services.booking.domain import Status
from services.booking.schemas import (
    AppointmentCreate,
    AppointmentPage,
    AppointmentRead,
    Cancel,
    EligibilityRead,
    Reschedule,
    SessionCompletion,
    SessionStart,
)
from services.booking.usecases import appointments, sessions
from services.booking.usecases.appointments import AppointmentQuery
from services.booking.usecases.caller import Caller
from shared.inputs import Day, Instant
from shared.openapi import problem, rules
from shared.pagination import Cursor, Limit
from shared.uow import Db, IdempotentUoW, UnitOfWorkRoute, UoW

router = APIRouter(route_class=UnitOfWorkRoute, tags=["appointments"])

NOT_FOUND = problem("No such appointment in your network")
FORBIDDEN = problem("Your role or clinic scope does not allow this")
ILLEGAL = problem("Not allowed in the appointment's current status (`allowed_actions`)")
TAKEN = problem("The practitioner or the room is taken then (`practitioner-taken`, `room-taken`)")
BOOKING_RULES = rules(
    "The request is not valid; `errors` names the fields",
    "The clinic, room, practitioner and treatment type are of your network (the room of the "
    "clinic, the practitioner working there)",
    "The patient is known to records in your network (`unknown-patient`)",
    "A treatment is booked after a consultation for its indication that stands (booked, "
    "checked in, in progress or completed) and starts before it (`consultation-required`)",
    "The end is after the start, as long as the treatment type says, not in the past, on the "
    "clinic's slot grid (`end-not-after-start`, `duration-mismatch`, `start-in-past`, "
    "`off-grid`)",
    "The practitioner is qualified, licensed, working and not on time off then",
)

LocalDate = Annotated[Day | None, Query(alias="date", description="Local date; needs clinic_id")]
From = Annotated[Instant | None, Query(alias="from")]
To = Annotated[Instant | None, Query(alias="to")]


# -- reading -----------------------------------------------------------------------------------


@router.get(
    "/appointments",
    summary="Appointments by clinic (and day), practitioner or patient, ordered by time",
    description=(
        "`clinic_id` + `date` is the clinic-day view (a local date in the clinic's timezone). "
        "`from` / `to` bound the start time (RFC 3339 with offset). Paginated by `cursor`."
    ),
    responses={404: problem("No such clinic in your network (`clinic_id`)")},
)
async def list_appointments(
    who: Reader,
    uow: UoW,
    clinic_id: UUID | None = None,
    practitioner_id: UUID | None = None,
    patient_id: UUID | None = None,
    status: Status | None = None,
    day: LocalDate = None,
    start: From = None,
    end: To = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> AppointmentPage:
    query = AppointmentQuery(clinic_id, practitioner_id, patient_id, status, day, start, end)
    found = await appointments.find(uow, who, query, limit=limit, cursor=cursor)
    return AppointmentPage(
        items=[views.appointment(a) for a in found.items], next_cursor=found.next_cursor
    )


@router.get("/appointments/{appointment_id}", summary="An appointment", responses={404: NOT_FOUND})
async def get_appointment(appointment_id: UUID, who: Reader, uow: UoW) -> AppointmentRead:
    return views.appointment(await appointments.get(uow, who, appointment_id))


@router.get(
    "/eligibility",
    summary="Whether a patient may be booked for a treatment type (the consultation rule)",
    description=(
        "The rule `POST /v1/appointments` applies, asked before a slot is chosen: a treatment "
        "is booked after a consultation for its indication that stands (booked, checked in, "
        "in progress or completed) and starts before it; `start` asks about one time, without "
        "it any time will do and `bookable_after` says from when. Not eligible: `problem` is "
        "the `consultation-required` problem booking would answer. `startable` says whether "
        "the session could start as far as the consultation goes (it must be completed)."
    ),
    responses={422: problem("No such treatment type in your network (`treatment_type_id`)")},
)
async def eligibility(
    patient_id: UUID,
    treatment_type_id: UUID,
    who: Reader,
    uow: UoW,
    start: Instant | None = None,
) -> EligibilityRead:
    found = await appointments.eligibility(
        uow, who, patient_id=patient_id, treatment_type_id=treatment_type_id, start=start
    )
    return views.eligibility(patient_id, found)


# -- booking and rescheduling ------------------------------------------------------------------


@router.post(
    "/appointments",
    status_code=201,
    summary="Book an appointment",
    description=(
        "Checks, in order: the clinic, room, practitioner and treatment type exist in your "
        "network; the patient is known (replica of records, else records is asked); a "
        "treatment needs a consultation for its indication that stands and starts before it "
        "(`GET /v1/eligibility` asks this before a slot is chosen); then the time "
        "(end after start, duration, not past, qualification, licence, working hours, slot "
        "grid, time off, calendar). Emits AppointmentBooked."
    ),
    responses={
        403: FORBIDDEN,
        409: TAKEN,
        422: BOOKING_RULES,
        503: problem("Records could not confirm the patient (fail closed)"),
    },
)
async def book(
    body: AppointmentCreate,
    who: Booker,
    authorization: Authorization,
    records: Records,
    uow: IdempotentUoW,
    response: Response,
) -> AppointmentRead:
    booked = await appointments.book(uow, Caller(who, authorization), records, body)
    response.headers["Location"] = f"/v1/appointments/{booked.id}"
    return views.appointment(booked)


@router.post(
    "/appointments/{appointment_id}/reschedule",
    summary="Move a booked appointment (time, and optionally room or practitioner)",
    description="Same checks as booking. Emits AppointmentRescheduled.",
    responses={403: FORBIDDEN, 404: NOT_FOUND, 409: TAKEN, 422: BOOKING_RULES},
)
async def reschedule(
    appointment_id: UUID, body: Reschedule, who: Booker, uow: UoW
) -> AppointmentRead:
    return views.appointment(await appointments.reschedule(uow, who, appointment_id, body))


@router.post(
    "/appointments/{appointment_id}/cancel",
    summary="Cancel an appointment, with a reason; frees its slot",
    description="Emits AppointmentCancelled.",
    responses={403: FORBIDDEN, 404: NOT_FOUND, 409: ILLEGAL},
)
async def cancel(appointment_id: UUID, body: Cancel, who: Booker, uow: UoW) -> AppointmentRead:
    return views.appointment(await appointments.cancel(uow, who, appointment_id, body))


@router.post(
    "/appointments/{appointment_id}/check-in",
    summary="The patient has arrived",
    description="Emits no event.",
    responses={403: FORBIDDEN, 404: NOT_FOUND, 409: ILLEGAL},
)
async def check_in(appointment_id: UUID, who: FrontDesk, uow: UoW) -> AppointmentRead:
    return views.appointment(await appointments.check_in(uow, who, appointment_id))


@router.post(
    "/appointments/{appointment_id}/no-show",
    summary="The patient did not come; frees the slot",
    description="Emits AppointmentNoShow.",
    responses={403: FORBIDDEN, 404: NOT_FOUND, 409: ILLEGAL},
)
async def no_show(appointment_id: UUID, who: FrontDesk, uow: UoW) -> AppointmentRead:
    return views.appointment(await appointments.no_show(uow, who, appointment_id))


# -- the session -------------------------------------------------------------------------------
# The session's use cases open their own short units around formulary's answer (no row lock is
# held while formulary is asked), so these routes take the database rather than a unit.

_REFUSED_PLAN = problem(
    "Illegal transition, the consultation is not completed (`consultation-not-completed`), "
    "or the cross-check blocks (`contraindicated`, "
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
        "a blend it starts without a cross-check. A treatment starts only once a "
        "consultation for its indication is completed: 409 `consultation-not-completed` names "
        "the one still open (422 `consultation-required` when none stands), asked before "
        "formulary. Emits SessionStarted."
    ),
    responses={
        403: FORBIDDEN,
        404: NOT_FOUND,
        409: _REFUSED_PLAN,
        422: problem(
            "The plan is not valid (`errors`), or no consultation for the indication stands "
            "(`consultation-required`)"
        ),
        503: _NO_FORMULARY,
    },
)
async def start(
    appointment_id: UUID,
    body: SessionStart,
    who: Practitioner,
    authorization: Authorization,
    db: Db,
    formulary: Formulary,
) -> AppointmentRead:
    caller = Caller(who, authorization)
    return views.appointment(await sessions.start(db, formulary, caller, appointment_id, body))


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
    appointment_id: UUID,
    body: SessionStart,
    who: Practitioner,
    authorization: Authorization,
    db: Db,
    formulary: Formulary,
) -> AppointmentRead:
    caller = Caller(who, authorization)
    return views.appointment(await sessions.recheck(db, formulary, caller, appointment_id, body))


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
    appointment_id: UUID,
    body: SessionCompletion,
    who: Practitioner,
    authorization: Authorization,
    db: Db,
    formulary: Formulary,
) -> AppointmentRead:
    caller = Caller(who, authorization)
    return views.appointment(await sessions.complete(db, formulary, caller, appointment_id, body))
