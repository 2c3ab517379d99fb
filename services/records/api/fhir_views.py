"""Records in, FHIR R4 resources out: what each field of the chart becomes (docs/fhir.md).

Codes come from a standard system where MesoCare's vocabulary maps onto one for certain (UCUM
units, SNOMED CT for the intradermal route and anaphylaxis, HL7's own code systems for statuses
and severities); every other code is the project's own, in a code system under
`shared.fhir.CODE_SYSTEM_BASE` named after the vocabulary table it comes from.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from services.records.repository.fhir import (
    Administration,
    ConsentRecord,
    LinkedAdverseEvent,
    ProfileEntry,
)
from services.records.repository.patients import Patient
from services.records.repository.treatments import Treatment
from shared import vocabulary
from shared.fhir import CODE_SYSTEM_BASE, IDENTIFIER_SYSTEM_BASE, instant

Resource = dict[str, Any]

EXTENSION_BASE = "https://mesocare.dev/fhir/StructureDefinition/"
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"
TERMINOLOGY = "http://terminology.hl7.org/CodeSystem/"

INTRADERMAL = {"system": SNOMED, "code": "372464004", "display": "Intradermal route"}
"""Mesotherapy injects into the dermis, the middle layer of the skin (the guide)."""
ANAPHYLAXIS = {"system": SNOMED, "code": "39579001", "display": "Anaphylaxis"}
UCUM_UNITS = {
    "mm": "mm",
    "mg": "mg",
    "g": "g",
    "mcg": "ug",
    "ug": "ug",
    "µg": "ug",
    "ml": "mL",
    "mL": "mL",
}
"""The units MesoCare records (amounts given, depths) that are UCUM units, with UCUM's code."""


def _reference(resource_type: str, id: UUID | str, display: str | None = None) -> Resource:
    reference: Resource = {"reference": f"{resource_type}/{id}"}
    if display:
        reference["display"] = display
    return reference


def _coded(table: str, code: str, display: str | None = None) -> Resource:
    """A concept of one of MesoCare's own code systems, with its label where there is one."""
    label = display or vocabulary.label(code)
    coding: Resource = {"system": CODE_SYSTEM_BASE + table, "code": code}
    if label:
        coding["display"] = label
    return {"coding": [coding], "text": label or code}


def _status(system: str, code: str) -> Resource:
    return {"coding": [{"system": TERMINOLOGY + system, "code": code}]}


def _dropped_empty(resource: Resource) -> Resource:
    """FHIR has no nulls and no empty lists: an absent value is left out."""
    return {k: v for k, v in resource.items() if v is not None and v != []}


# ---------------------------------------------------------------------------------------------
# Patient


def patient(p: Patient) -> Resource:
    telecom = [
        {"system": system, "value": value, "rank": 1 if p.preferred_channel == channel else 2}
        for system, channel, value in (("email", "email", p.email), ("phone", "sms", p.phone))
        if value
    ]
    return _dropped_empty(
        {
            "resourceType": "Patient",
            "id": str(p.id),
            "meta": {"versionId": str(p.version), "lastUpdated": instant(p.updated_at)},
            "identifier": [{"system": IDENTIFIER_SYSTEM_BASE + "patient", "value": str(p.id)}],
            "active": True,
            "name": [{"use": "official", "family": p.family_name, "given": [p.given_name]}],
            "telecom": telecom,
            "birthDate": p.date_of_birth.isoformat() if p.date_of_birth else None,
            "communication": [
                {
                    "language": {"coding": [{"system": "urn:ietf:bcp:47", "code": p.locale}]},
                    "preferred": True,
                }
            ],
        }
    )


# ---------------------------------------------------------------------------------------------
# Safety profile entries


def _entry_meta(e: ProfileEntry) -> Resource:
    """The version of the safety profile the entry is part of."""
    return {"versionId": str(e.version), "lastUpdated": instant(e.updated_at)}


def _day(value: str | None) -> str | None:
    return date.fromisoformat(value).isoformat() if value else None


def allergy_intolerance(e: ProfileEntry) -> Resource:
    a = e.entry
    severity = a.get("severity") or "moderate"
    manifestation = (
        {"coding": [ANAPHYLAXIS], "text": a.get("reaction") or "Anaphylaxis"}
        if severity == "anaphylaxis"
        else {"text": a.get("reaction") or "Reaction not described"}
    )
    return _dropped_empty(
        {
            "resourceType": "AllergyIntolerance",
            "id": e.id,
            "meta": _entry_meta(e),
            "clinicalStatus": _status("allergyintolerance-clinical", a.get("status") or "active"),
            "criticality": "high" if severity == "anaphylaxis" else None,
            "code": _coded("allergen", a["code"]),
            "patient": _reference("Patient", e.patient_id),
            "recordedDate": _day(a.get("noted_on")),
            "reaction": [
                {
                    "manifestation": [manifestation],
                    "severity": "severe" if severity == "anaphylaxis" else severity,
                }
            ],
        }
    )


def condition(e: ProfileEntry) -> Resource:
    c = e.entry
    return _dropped_empty(
        {
            "resourceType": "Condition",
            "id": e.id,
            "meta": _entry_meta(e),
            "clinicalStatus": _status("condition-clinical", "active"),
            "category": [_status("condition-category", "problem-list-item")],
            "code": _coded("condition", c["code"]),
            "subject": _reference("Patient", e.patient_id),
            "onsetDateTime": _day(c.get("since")),
            "note": [{"text": c["note"]}] if c.get("note") else None,
        }
    )


def medication_statement(e: ProfileEntry) -> Resource:
    m = e.entry
    return _dropped_empty(
        {
            "resourceType": "MedicationStatement",
            "id": e.id,
            "meta": _entry_meta(e),
            "extension": [
                {
                    "url": EXTENSION_BASE + "medication-class",
                    "valueCoding": _coded("medication-class", code)["coding"][0],
                }
                for code in m.get("classes", [])
            ],
            "status": "active",
            "medicationCodeableConcept": {"text": m["name"]},
            "subject": _reference("Patient", e.patient_id),
            "dateAsserted": instant(e.updated_at),
            "dosage": [{"text": m["dose"]}] if m.get("dose") else None,
        }
    )


# ---------------------------------------------------------------------------------------------
# Consents


def consent(c: ConsentRecord) -> Resource:
    scope = "treatment" if c.kind == "treatment" else "patient-privacy"
    return {
        "resourceType": "Consent",
        "id": str(c.id),
        "status": "active" if c.current else "inactive",
        "scope": _status("consentscope", scope),
        "category": [
            {"coding": [{"system": "http://loinc.org", "code": "59284-0"}]},
            _coded("consent-kind", c.kind, c.kind.capitalize()),
        ],
        "patient": _reference("Patient", c.patient_id),
        "dateTime": instant(c.recorded_at),
        "policyRule": {"text": f"MesoCare {c.kind} consent wording, version {c.wording_version}"},
        "provision": {"type": "permit" if c.granted else "deny"},
    }


# ---------------------------------------------------------------------------------------------
# Treatments


def _performer(t: Treatment) -> list[Resource]:
    return [{"actor": _reference("Practitioner", t.practitioner_id, t.practitioner_name)}]


def _quantity(amount: Decimal | str | float, unit: str) -> Resource:
    quantity: Resource = {"value": float(Decimal(str(amount))), "unit": unit}
    if unit in UCUM_UNITS:
        quantity |= {"system": UCUM, "code": UCUM_UNITS[unit]}
    return quantity


def procedure(t: Treatment) -> Resource:
    extensions: list[Resource] = []
    if t.technique:
        extensions.append({"url": EXTENSION_BASE + "technique", "valueString": t.technique})
    if t.depth_mm is not None:
        extensions.append(
            {
                "url": EXTENSION_BASE + "injection-depth",
                "valueQuantity": _quantity(t.depth_mm, "mm"),
            }
        )
    if t.injection_count is not None:
        extensions.append(
            {"url": EXTENSION_BASE + "injection-count", "valueInteger": t.injection_count}
        )
    follow_up = [
        {"text": f"{what} due {day.isoformat()}"}
        for what, day in (("Next session", t.next_session_due), ("Maintenance", t.maintenance_due))
        if day is not None
    ]
    return _dropped_empty(
        {
            "resourceType": "Procedure",
            "id": str(t.id),
            "extension": extensions,
            "identifier": [
                {"system": IDENTIFIER_SYSTEM_BASE + "appointment", "value": str(t.appointment_id)}
            ],
            "status": "completed",
            "category": _coded("treatment-kind", t.kind, t.kind.capitalize()),
            "code": {"text": t.treatment_name},
            "subject": _reference("Patient", t.patient_id),
            "performedPeriod": {"start": instant(t.started_at), "end": instant(t.completed_at)},
            "performer": _performer(t),
            "location": _reference("Location", t.clinic_id, t.clinic_name),
            "reasonCode": [_coded("indication", t.indication)],
            "bodySite": [_coded("treatment-area", area) for area in t.areas],
            "complication": [{"text": reaction} for reaction in t.immediate_reactions],
            "followUp": follow_up,
            "note": [{"text": t.notes}] if t.notes else None,
        }
    )


def _site(areas: list[str]) -> Resource | None:
    """The area injected; for a session of several areas, their names (the session does not
    say which ingredient went where)."""
    if len(areas) == 1:
        return _coded("treatment-area", areas[0])
    if not areas:
        return None
    return {"text": ", ".join(vocabulary.label(a) or a for a in areas)}


def medication_administration(a: Administration) -> Resource:
    t, i = a.treatment, a.ingredient
    dosage = _dropped_empty(
        {
            "site": _site(t.areas),
            "route": {"coding": [INTRADERMAL]},
            "method": {"text": t.technique} if t.technique else None,
            "dose": _quantity(i["amount"], i["unit"]),
        }
    )
    return {
        "resourceType": "MedicationAdministration",
        "id": a.id,
        "contained": [
            {
                "resourceType": "Medication",
                "id": "ingredient",
                "code": _coded("ingredient", i["ingredient_code"], i["ingredient_name"]),
                "batch": {"lotNumber": i["lot_number"]},
            }
        ],
        "status": "completed",
        "medicationReference": {"reference": "#ingredient"},
        "subject": _reference("Patient", t.patient_id),
        "partOf": [_reference("Procedure", t.id)],
        "effectivePeriod": {"start": instant(t.started_at), "end": instant(t.completed_at)},
        "performer": _performer(t),
        "dosage": dosage,
    }


# ---------------------------------------------------------------------------------------------
# Adverse events


def adverse_event(linked: LinkedAdverseEvent) -> Resource:
    e = linked.event
    suspects = [
        {
            "instance": {
                "identifier": {"system": IDENTIFIER_SYSTEM_BASE + "lot", "value": lot},
                "display": f"Lot {lot}",
            }
        }
        for lot in e.lot_numbers
    ]
    if linked.treatment_id is not None:
        suspects.insert(0, {"instance": _reference("Procedure", linked.treatment_id)})
    return _dropped_empty(
        {
            "resourceType": "AdverseEvent",
            "id": str(e.id),
            "extension": [{"url": EXTENSION_BASE + "description", "valueString": e.description}],
            "identifier": (
                {"system": IDENTIFIER_SYSTEM_BASE + "appointment", "value": str(e.appointment_id)}
                if e.appointment_id
                else None
            ),
            "actuality": "actual",
            "event": _coded("adverse-event-kind", e.kind),
            "subject": _reference("Patient", e.patient_id),
            "date": instant(e.onset_at),
            "recordedDate": instant(e.reported_at),
            "location": _reference("Location", e.clinic_id) if e.clinic_id else None,
            "severity": _status("adverse-event-severity", e.severity),
            "contributor": (
                [_reference("Practitioner", e.practitioner_id)] if e.practitioner_id else None
            ),
            "suspectEntity": suspects,
        }
    )


RESOURCE_OF: dict[str, Callable[[Any], Resource]] = {
    "AllergyIntolerance": allergy_intolerance,
    "Condition": condition,
    "MedicationStatement": medication_statement,
    "Consent": consent,
    "Procedure": procedure,
    "MedicationAdministration": medication_administration,
    "AdverseEvent": adverse_event,
}
"""The resource each row of a records resource type (but Patient) becomes."""
