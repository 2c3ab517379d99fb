"""Message kinds: who each is for, whether it needs marketing consent, what templates may use."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from shared.errors import Invalid


class MessageKind(StrEnum):
    APPOINTMENT_CONFIRMATION = "appointment_confirmation"
    APPOINTMENT_REMINDER = "appointment_reminder"
    APPOINTMENT_RESCHEDULED = "appointment_rescheduled"
    APPOINTMENT_CANCELLED = "appointment_cancelled"
    AFTERCARE = "aftercare"
    SIDE_EFFECT_CHECKIN = "side_effect_checkin"
    CONSULTATION_SUMMARY = "consultation_summary"
    NEXT_SESSION_DUE = "next_session_due"
    MAINTENANCE_REMINDER = "maintenance_reminder"
    ADVERSE_EVENT_ALERT = "adverse_event_alert"
    UNCHECKED_ADMINISTRATION_ALERT = "unchecked_administration_alert"
    RECALL_NOTICE_PATIENT = "recall_notice_patient"
    RECALL_NOTICE_PRACTITIONER = "recall_notice_practitioner"
    WEBHOOK_ENDPOINT_DISABLED = "webhook_endpoint_disabled"


class Audience(StrEnum):
    PATIENT = "patient"
    STAFF = "staff"


class Purpose(StrEnum):
    """Transactional messages serve care the patient asked for; promotional ones sell more of it."""

    TRANSACTIONAL = "transactional"
    PROMOTIONAL = "promotional"


class UnknownMessageKind(Invalid):
    type = "unknown-message-kind"
    title = "Unknown message kind"


BRANDING_VARIABLES: Mapping[str, str] = MappingProxyType(
    {
        "network_name": "the clinic chain's name",
        "clinic_name": "the clinic's name",
        "clinic_phone": "the clinic's phone number",
        "signature": "the closing lines the network chose (may be several lines)",
    }
)

COMMON_VARIABLES: Mapping[str, str] = MappingProxyType(
    {
        **BRANDING_VARIABLES,
        "recipient_name": "how to greet the recipient (patient or staff member)",
    }
)

_APPOINTMENT = {
    "appointment_date": "local date of the appointment, formatted for the locale",
    "appointment_time": "local start time of the appointment, formatted for the locale",
    "treatment_name": "the treatment type's name",
    "practitioner_name": "the practitioner's name",
    "clinic_address": "the clinic's street address",
}
_SIDE_EFFECTS = {
    "side_effects": (
        "list of {code, text}: the side effects the guide names, from the aftercare plan "
        "(pigmentation changes only for Fitzpatrick skin types IV-VI)"
    ),
    "call_the_clinic_if": "list of {code, text}: when to call the clinic, from the aftercare plan",
}


@dataclass(frozen=True, slots=True)
class KindSpec:
    """What one message kind is: its audience, purpose, urgency and template variables."""

    kind: MessageKind
    audience: Audience
    purpose: Purpose
    urgent: bool
    variables: Mapping[str, str]
    """Kind-specific variables (name -> meaning); the common ones come on top."""
    optional: frozenset[str] = frozenset()
    """Variables that may be empty (None, or [] for lists); templates must cope with that."""

    @property
    def needs_marketing_consent(self) -> bool:
        return self.purpose is Purpose.PROMOTIONAL

    @property
    def allowed_variables(self) -> frozenset[str]:
        return frozenset(COMMON_VARIABLES) | frozenset(self.variables)


def _spec(
    kind: MessageKind,
    audience: Audience,
    variables: Mapping[str, str],
    *,
    purpose: Purpose = Purpose.TRANSACTIONAL,
    urgent: bool = False,
    optional: frozenset[str] = frozenset(),
) -> KindSpec:
    return KindSpec(kind, audience, purpose, urgent, MappingProxyType(dict(variables)), optional)


_P, _S = Audience.PATIENT, Audience.STAFF
_K = MessageKind

KIND_SPECS: Mapping[MessageKind, KindSpec] = MappingProxyType(
    {
        _K.APPOINTMENT_CONFIRMATION: _spec(
            _K.APPOINTMENT_CONFIRMATION,
            _P,
            {**_APPOINTMENT, "duration_minutes": "booked length of the appointment in minutes"},
        ),
        _K.APPOINTMENT_REMINDER: _spec(_K.APPOINTMENT_REMINDER, _P, _APPOINTMENT),
        _K.APPOINTMENT_RESCHEDULED: _spec(
            _K.APPOINTMENT_RESCHEDULED,
            _P,
            {
                **_APPOINTMENT,
                "previous_date": "local date the appointment was moved from",
                "previous_time": "local time the appointment was moved from",
            },
        ),
        _K.APPOINTMENT_CANCELLED: _spec(
            _K.APPOINTMENT_CANCELLED,
            _P,
            {
                "appointment_date": _APPOINTMENT["appointment_date"],
                "appointment_time": _APPOINTMENT["appointment_time"],
                "treatment_name": _APPOINTMENT["treatment_name"],
            },
        ),
        _K.AFTERCARE: _spec(
            _K.AFTERCARE,
            _P,
            {
                "session_date": "local date of the completed session",
                "practitioner_name": "the practitioner who treated the patient",
                "treated_areas": "list of the treated areas' names, in the patient's language",
                "sections": "list of {key, title, instructions: [{code, text}]}, from the plan",
                **_SIDE_EFFECTS,
            },
        ),
        _K.SIDE_EFFECT_CHECKIN: _spec(
            _K.SIDE_EFFECT_CHECKIN,
            _P,
            {
                "session_date": "local date of the completed session",
                "treated_areas": "list of the treated areas' names, in the patient's language",
                **_SIDE_EFFECTS,
            },
        ),
        # Sent instead of aftercare when nothing was injected (a consultation, or a follow-up
        # that only looked): what was agreed and how to prepare for the treatment.
        _K.CONSULTATION_SUMMARY: _spec(
            _K.CONSULTATION_SUMMARY,
            _P,
            {
                "session_date": "local date of the visit",
                "practitioner_name": "the practitioner the patient saw",
                "treatment_name": "the visit's treatment type, e.g. a consultation",
                "plan_treatment_name": "the treatment of the plan agreed (may be empty: no plan)",
                "plan_sessions": "how many sessions the plan's course has (may be empty)",
                "plan_interval_days": "days between the course's sessions (may be empty)",
                "plan_maintenance_interval_days": (
                    "days between maintenance sessions after the course (may be empty)"
                ),
            },
            optional=frozenset(
                {
                    "plan_treatment_name",
                    "plan_sessions",
                    "plan_interval_days",
                    "plan_maintenance_interval_days",
                }
            ),
        ),
        _K.NEXT_SESSION_DUE: _spec(
            _K.NEXT_SESSION_DUE,
            _P,
            {
                "due_date": "local date the treatment plan says the next session is due",
                "treatment_name": "the treatment type's name",
                "practitioner_name": "the practitioner of the course",
            },
        ),
        # Transactional, like next_session_due: the guide presents maintenance sessions as part
        # of the care ("make sure to keep up with your maintenance sessions"), agreed in the
        # patient's treatment plan, not as an offer to sell more of it. So it needs no
        # marketing consent; a channel opt-out still holds, as for every message.
        _K.MAINTENANCE_REMINDER: _spec(
            _K.MAINTENANCE_REMINDER,
            _P,
            {
                "due_date": "local date the maintenance session is due",
                "treatment_name": "the treatment type's name",
            },
        ),
        _K.ADVERSE_EVENT_ALERT: _spec(
            _K.ADVERSE_EVENT_ALERT,
            _S,
            {
                "patient_name": "the patient's name",
                "patient_reference": "the patient's id or chart number in the console",
                "adverse_event": "what happened, e.g. 'allergic reaction'",
                "severity": "the reported severity",
                "onset": "local date and time the reaction began",
                "session_date": "local date of the session involved (may be empty)",
                "lot_numbers": "list of the lot numbers involved (may be empty)",
                "reported_by": "who reported it",
                "notes": "the reporter's notes (may be empty)",
            },
            urgent=True,
            optional=frozenset({"session_date", "lot_numbers", "notes"}),
        ),
        # Urgent: something was injected that no passing cross-check covered; the clinic's
        # manager and the practitioner must know at once, whatever the hour (as for an adverse
        # event).
        _K.UNCHECKED_ADMINISTRATION_ALERT: _spec(
            _K.UNCHECKED_ADMINISTRATION_ALERT,
            _S,
            {
                "patient_name": "the patient's name",
                "patient_reference": "the patient's id or chart number in the console",
                "session_date": "local date and time the session was completed",
                "treatment_name": "the treatment type's name",
                "practitioner_name": "the practitioner of the session",
                "completed_by": "who completed the session",
                "highest_severity": "contraindicated or caution: the worst finding",
                "deviations": (
                    "list of {ingredient, lot_numbers, findings: [{code, reason, severity}]}: "
                    "what was injected outside a passing cross-check and why it would not pass"
                ),
                "deviation_reason": "the practitioner's reason for going ahead (may be empty)",
            },
            urgent=True,
            optional=frozenset({"deviation_reason"}),
        ),
        _K.RECALL_NOTICE_PATIENT: _spec(
            _K.RECALL_NOTICE_PATIENT,
            _P,
            {
                "session_date": "local date of the session in which the lot was used",
                "product_name": "the recalled product's name",
                "lot_number": "the recalled lot number",
            },
        ),
        # Urgent: the practitioner may be about to treat someone else from the same stock.
        _K.RECALL_NOTICE_PRACTITIONER: _spec(
            _K.RECALL_NOTICE_PRACTITIONER,
            _S,
            {
                "patient_name": "the exposed patient's name",
                "patient_reference": "the patient's id or chart number in the console",
                "session_date": "local date of the session in which the lot was used",
                "product_name": "the recalled product's name",
                "lot_number": "the recalled lot number",
                "recall_reason": "the supplier's reason for the recall",
            },
            urgent=True,
        ),
        # To the network's admins (usecases/admin_alerts.py), worded from what the caller
        # tells: the outgoing webhooks stopped sending to an endpoint that kept failing.
        _K.WEBHOOK_ENDPOINT_DISABLED: _spec(
            _K.WEBHOOK_ENDPOINT_DISABLED,
            _S,
            {
                "endpoint_url": "the URL of the disabled webhook endpoint",
                "endpoint_id": "the endpoint's id (PATCH /v1/webhook-endpoints/{id})",
                "endpoint_description": "the endpoint's description (may be empty)",
                "reason": "why it was disabled, as a sentence",
                "failing_since": "when its deliveries started failing, as text",
            },
            optional=frozenset({"endpoint_description"}),
        ),
    }
)

ADMIN_ALERTS = frozenset({MessageKind.WEBHOOK_ENDPOINT_DISABLED})
"""Kinds sent to a network's admins about the network itself, worded from the variables their
caller gives (domain.admin_alerts), not from an event."""


SKIN_TYPE_KINDS = (MessageKind.AFTERCARE, MessageKind.SIDE_EFFECT_CHECKIN)
"""Kinds whose wording depends on the patient's skin type (the side effects they name)."""


def kind_spec(kind: MessageKind | str) -> KindSpec:
    """The spec of a kind; raises UnknownMessageKind for a name that is not one."""
    return KIND_SPECS[parse_kind(kind)]


def parse_kind(value: MessageKind | str) -> MessageKind:
    try:
        return MessageKind(value)
    except ValueError:
        raise UnknownMessageKind(
            f"unknown message kind {value!r}; expected one of {', '.join(MessageKind)}",
            field="kind",
        ) from None


def allowed_variables(kind: MessageKind | str) -> frozenset[str]:
    """Every variable a template of this kind may use: the common ones plus the kind's own."""
    return kind_spec(kind).allowed_variables


@dataclass(frozen=True, slots=True)
class Branding:
    """The network's branding, merged into every message's context."""

    network_name: str
    clinic_name: str
    clinic_phone: str
    signature: str

    def as_context(self) -> dict[str, str]:
        return {
            "network_name": self.network_name,
            "clinic_name": self.clinic_name,
            "clinic_phone": self.clinic_phone,
            "signature": self.signature,
        }
