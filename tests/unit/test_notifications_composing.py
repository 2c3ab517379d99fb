"""Every message kind renders from its event with the shipped templates, in en and es."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest

from services.notifications.composing import NO_ADDRESS, Scene, context
from services.notifications.domain import MessageKind, allowed_variables
from services.notifications.rendering import render
from shared.events.base import Event
from shared.events.booking import (
    AppointmentBooked,
    AppointmentCancelled,
    AppointmentRescheduled,
    ClinicRef,
    PractitionerRef,
    Preparation,
    SessionCompleted,
)
from shared.events.formulary import RecalledLotExposure
from shared.events.records import AdverseEventReported

NETWORK, PATIENT = uuid4(), uuid4()
STARTS = datetime(2026, 3, 3, 9, 30, tzinfo=UTC)  # 10:30 in Madrid
APPOINTMENT = {
    "network_id": NETWORK,
    "appointment_id": uuid4(),
    "patient_id": PATIENT,
    "clinic": ClinicRef(clinic_id=uuid4(), name="Lumina Centro", timezone="Europe/Madrid"),
    "practitioner": PractitionerRef(practitioner_id=uuid4(), name="Dr Marta Ruiz"),
    "room_id": uuid4(),
    "treatment_type_id": uuid4(),
    "treatment_name": "Skin rejuvenation",
    "kind": "treatment",
    "indication": "skin_rejuvenation",
    "areas": ["face", "scalp"],
    "starts_at": STARTS,
    "ends_at": STARTS + timedelta(minutes=45),
}
SESSION = SessionCompleted(
    **APPOINTMENT,
    completed_at=STARTS + timedelta(minutes=45),
    completed_by="dr",
    preparation=Preparation(disinfection="chlorhexidine", numbing_cream=False),
    next_session_due=date(2026, 3, 17),
    maintenance_due=date(2026, 9, 1),
)
EXPOSURE = RecalledLotExposure(
    network_id=NETWORK,
    lot_id=uuid4(),
    lot_number="HA-1",
    ingredient_code="ha",
    ingredient_name="Hyaluronic acid",
    supplier="Acme",
    reason="sterility",
    patient_id=PATIENT,
    appointment_id=uuid4(),
    administered_at=STARTS,
    clinic_id=uuid4(),
    practitioner_id=uuid4(),
)
ADVERSE = AdverseEventReported(
    network_id=NETWORK,
    adverse_event_id=uuid4(),
    patient_id=PATIENT,
    kind="allergic_reaction",
    severity="severe",
    onset_at=STARTS,
    description="",
    reported_by="reception",
)
EVENTS: dict[MessageKind, Event] = {
    MessageKind.APPOINTMENT_CONFIRMATION: AppointmentBooked(**APPOINTMENT),
    MessageKind.APPOINTMENT_REMINDER: AppointmentBooked(**APPOINTMENT),
    MessageKind.APPOINTMENT_RESCHEDULED: AppointmentRescheduled(
        **APPOINTMENT,
        previous_starts_at=STARTS - timedelta(days=1),
        previous_ends_at=STARTS - timedelta(days=1) + timedelta(minutes=45),
    ),
    MessageKind.APPOINTMENT_CANCELLED: AppointmentCancelled(
        **APPOINTMENT, reason="asked", cancelled_by="reception"
    ),
    MessageKind.AFTERCARE: SESSION,
    MessageKind.SIDE_EFFECT_CHECKIN: SESSION,
    MessageKind.NEXT_SESSION_DUE: SESSION,
    MessageKind.MAINTENANCE_REMINDER: SESSION,
    MessageKind.ADVERSE_EVENT_ALERT: ADVERSE,
    MessageKind.RECALL_NOTICE_PATIENT: EXPOSURE,
    MessageKind.RECALL_NOTICE_PRACTITIONER: EXPOSURE,
}


def scene(locale: str = "en") -> Scene:
    madrid = ZoneInfo("Europe/Madrid")
    return Scene(
        recipient_name="Ana",
        locale=locale,
        patient_tz=madrid,
        clinic_tz=madrid,
        clinic_name="Lumina Centro",
        clinic_phone="+34 910 000 000",
        network_name="Lumina",
        signature=None,
        patient_name="Ana García",
    )


def test_every_kind_has_an_event_here() -> None:
    assert set(EVENTS) == set(MessageKind)


@pytest.mark.parametrize("kind", list(MessageKind))
@pytest.mark.parametrize("locale", ["en", "es"])
def test_each_kind_renders_from_its_event(kind: MessageKind, locale: str) -> None:
    ctx = context(kind, EVENTS[kind], scene(locale))

    rendered = render(kind, locale, ctx)

    assert set(ctx) == allowed_variables(kind)
    assert rendered.subject and rendered.text and rendered.sms


def test_appointment_times_are_on_the_clinic_s_wall_clock() -> None:
    ctx = context(
        MessageKind.APPOINTMENT_CONFIRMATION, EVENTS[MessageKind.APPOINTMENT_CONFIRMATION], scene()
    )

    assert (ctx["appointment_date"], ctx["appointment_time"]) == ("Tuesday 3 March 2026", "10:30")
    assert ctx["duration_minutes"] == 45
    assert ctx["clinic_address"] == NO_ADDRESS


def test_spanish_aftercare_uses_the_spanish_wording_and_area_names() -> None:
    rendered = render(
        MessageKind.AFTERCARE, "es", context(MessageKind.AFTERCARE, SESSION, scene("es"))
    )

    assert "Utilice un champú suave." in rendered.text
    assert rendered.locale == "es"


def test_the_signature_defaults_to_the_clinic_team() -> None:
    ctx = context(MessageKind.AFTERCARE, SESSION, scene())

    assert ctx["signature"] == "The Lumina Centro team"


def test_an_adverse_event_without_a_session_says_so() -> None:
    rendered = render(
        MessageKind.ADVERSE_EVENT_ALERT,
        "en",
        context(MessageKind.ADVERSE_EVENT_ALERT, ADVERSE, scene()),
    )

    assert "not linked to a session" in rendered.text
    assert "allergic reaction" in rendered.subject
