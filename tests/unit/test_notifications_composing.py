"""Every message kind renders from its event with the shipped templates, in en and es."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest

from services.notifications.domain import (
    AdminAlert,
    MessageKind,
    NotAnAdminAlert,
    admin_alert,
    allowed_variables,
)
from services.notifications.domain.composing import NO_ADDRESS, Scene, context
from services.notifications.domain.rendering import render
from shared.events.base import Event
from shared.events.booking import (
    AcknowledgedFinding,
    AdministeredIngredient,
    AppointmentBooked,
    AppointmentCancelled,
    AppointmentRescheduled,
    ClinicRef,
    Deviation,
    PlanFacts,
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
PLAN = PlanFacts(
    treatment_plan_id=uuid4(),
    treatment_type_id=uuid4(),
    treatment_name="Hair loss, scalp",
    indication="hair_loss",
    sessions_planned=6,
    interval_days=21,
    maintenance_interval_days=120,
)
CONSULTATION = SessionCompleted(
    **(APPOINTMENT | {"kind": "consultation", "treatment_name": "Consultation, hair loss"}),
    completed_at=STARTS + timedelta(minutes=30),
    completed_by="dr",
    preparation=Preparation(disinfection="none", numbing_cream=False),
    treatment_plan=PLAN,
)
CHAMOMILE = AdministeredIngredient(
    ingredient_code="chamomile_extract",
    ingredient_name="Chamomile extract",
    lot_number="CH-7",
    amount=Decimal("0.5"),
    unit="ml",
)
DEVIATED = SessionCompleted(
    **APPOINTMENT,
    completed_at=STARTS + timedelta(minutes=45),
    completed_by="dr.ruiz@example.test",
    preparation=Preparation(disinfection="chlorhexidine", numbing_cream=False),
    ingredients=[CHAMOMILE],
    deviations=[
        Deviation(
            ingredient_code="chamomile_extract",
            lot_numbers=["CH-7"],
            findings=[
                AcknowledgedFinding(
                    code="allergy.compositae",
                    ingredient="chamomile_extract",
                    reason="allergy",
                    severity="contraindicated",
                )
            ],
        ),
        Deviation(
            ingredient_code=None,
            findings=[
                AcknowledgedFinding(
                    code="contraindicated_condition.pregnancy",
                    reason="contraindicated_condition",
                    severity="caution",
                )
            ],
        ),
    ],
    deviation_reason="blend changed mid-session; patient consented",
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
ENDPOINT_ID = str(uuid4())
WEBHOOK_DISABLED = admin_alert(
    network_id=NETWORK,
    kind=MessageKind.WEBHOOK_ENDPOINT_DISABLED,
    about_id=uuid4(),
    variables={
        "endpoint_url": "https://crm.lumina.example/hooks",
        "endpoint_id": ENDPOINT_ID,
        "endpoint_description": "",
        "reason": "Every delivery for 24 hours failed.",
        "failing_since": "Monday 2 March 2026 09:00 UTC",
    },
)
EVENTS: dict[MessageKind, Event | AdminAlert] = {
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
    MessageKind.CONSULTATION_SUMMARY: CONSULTATION,
    MessageKind.NEXT_SESSION_DUE: SESSION,
    MessageKind.MAINTENANCE_REMINDER: SESSION,
    MessageKind.ADVERSE_EVENT_ALERT: ADVERSE,
    MessageKind.UNCHECKED_ADMINISTRATION_ALERT: DEVIATED,
    MessageKind.RECALL_NOTICE_PATIENT: EXPOSURE,
    MessageKind.RECALL_NOTICE_PRACTITIONER: EXPOSURE,
    MessageKind.WEBHOOK_ENDPOINT_DISABLED: WEBHOOK_DISABLED,
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


class TestConsultationSummary:
    def test_tells_the_plan_agreed_and_the_guide_s_preparation_advice(self) -> None:
        ctx = context(MessageKind.CONSULTATION_SUMMARY, CONSULTATION, scene())
        text = render(MessageKind.CONSULTATION_SUMMARY, "en", ctx).text

        assert (ctx["plan_treatment_name"], ctx["plan_sessions"]) == ("Hair loss, scalp", 6)
        assert (ctx["plan_interval_days"], ctx["plan_maintenance_interval_days"]) == (21, 120)
        for fact in (
            "Hair loss, scalp",
            "6, one every 21 days",
            "a maintenance session every 120 days",
            "plant extracts, amino acids or vitamins",
            "skin infection or a blood coagulation disorder, consult your doctor",
            "cleans and disinfects",
            "between 30 and 60 minutes",
        ):
            assert fact in text
        assert "look after the treated area" not in text

    def test_without_a_plan_says_none_is_agreed_and_gives_no_plan(self) -> None:
        no_plan = CONSULTATION.model_copy(update={"treatment_plan": None})
        ctx = context(MessageKind.CONSULTATION_SUMMARY, no_plan, scene())
        text = render(MessageKind.CONSULTATION_SUMMARY, "en", ctx).text

        assert ctx["plan_treatment_name"] is None
        assert "No treatment plan has been agreed yet" in text
        assert "one every" not in text

    def test_reads_in_spanish(self) -> None:
        ctx = context(MessageKind.CONSULTATION_SUMMARY, CONSULTATION, scene("es"))
        rendered = render(MessageKind.CONSULTATION_SUMMARY, "es", ctx)

        assert rendered.locale == "es"
        assert "6, una cada 21 días" in rendered.text
        assert "extractos de plantas, aminoácidos o vitaminas" in rendered.text


class TestUncheckedAdministrationAlert:
    def test_names_each_deviation_with_its_lots_findings_and_the_reason(self) -> None:
        ctx = context(MessageKind.UNCHECKED_ADMINISTRATION_ALERT, DEVIATED, scene())
        rendered = render(MessageKind.UNCHECKED_ADMINISTRATION_ALERT, "en", ctx)

        assert ctx["highest_severity"] == "contraindicated"
        assert [d["ingredient"] for d in ctx["deviations"]] == [
            "Chamomile extract",
            "the whole session",
        ]
        assert rendered.subject.startswith("URGENT")
        for fact in (
            "Ana García",
            str(PATIENT),
            "Tuesday 3 March 2026 11:15",  # the clinic's wall clock
            "Chamomile extract, lots CH-7",
            "contraindicated: allergy (allergy.compositae)",
            "caution: contraindicated condition (contraindicated_condition.pregnancy)",
            "dr.ruiz@example.test",
            "blend changed mid-session; patient consented",
        ):
            assert fact in rendered.text
        assert "allergy.compositae" in rendered.sms

    def test_caution_only_says_caution(self) -> None:
        caution = DEVIATED.model_copy(update={"deviations": DEVIATED.deviations[1:]})
        ctx = context(MessageKind.UNCHECKED_ADMINISTRATION_ALERT, caution, scene())
        assert ctx["highest_severity"] == "caution"
        assert (
            "within hours" not in render(MessageKind.UNCHECKED_ADMINISTRATION_ALERT, "en", ctx).text
        )


class TestSkinTypeInAftercare:
    @pytest.mark.parametrize("kind", [MessageKind.AFTERCARE, MessageKind.SIDE_EFFECT_CHECKIN])
    def test_pigmentation_changes_are_named_to_a_darker_skin_only(self, kind: MessageKind) -> None:
        darker = dataclasses.replace(scene(), skin_type=5)
        told = render(kind, "en", context(kind, SESSION, darker)).text
        not_known = render(kind, "en", context(kind, SESSION, scene())).text

        assert "pigmentation" in told
        assert "pigmentation" not in not_known
        assert "Small nodules or lumps" in told
        assert "Small nodules or lumps" in not_known


class TestWebhookEndpointDisabled:
    def test_says_what_was_disabled_why_since_when_and_how_to_re_enable_it(self) -> None:
        ctx = context(MessageKind.WEBHOOK_ENDPOINT_DISABLED, WEBHOOK_DISABLED, scene())
        rendered = render(MessageKind.WEBHOOK_ENDPOINT_DISABLED, "en", ctx)

        assert rendered.subject == "Webhook endpoint disabled: https://crm.lumina.example/hooks"
        assert ctx["endpoint_description"] is None
        assert "Description" not in rendered.text
        for fact in (
            "has been disabled",
            "Every delivery for 24 hours failed.",
            "Monday 2 March 2026 09:00 UTC",
            "Admin → Webhooks",
            f'PATCH /v1/webhook-endpoints/{ENDPOINT_ID} and the body {{"disabled": false}}',
            f"Id:             {ENDPOINT_ID}",
            "can be retried one by one",
        ):
            assert fact in rendered.text

    def test_an_alert_takes_exactly_the_kind_s_variables(self) -> None:
        with pytest.raises(NotAnAdminAlert, match="missing \\['reason'\\]"):
            admin_alert(
                network_id=NETWORK,
                kind=MessageKind.WEBHOOK_ENDPOINT_DISABLED,
                about_id=uuid4(),
                variables={k: v for k, v in WEBHOOK_DISABLED.variables.items() if k != "reason"},
            )
        with pytest.raises(NotAnAdminAlert, match="not an alert to the network's admins"):
            admin_alert(
                network_id=NETWORK,
                kind=MessageKind.ADVERSE_EVENT_ALERT,
                about_id=uuid4(),
                variables={},
            )
