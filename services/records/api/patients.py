"""Patients: register, read, update, search; consents."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime
from uuid import UUID, uuid4

from fastapi import APIRouter, Header, Query, Response
from fastapi.encoders import jsonable_encoder

from services.records import domain, repository
from services.records.api import views
from services.records.api.access import Chart
from services.records.domain import Permission
from services.records.schemas import (
    ConsentCreate,
    ConsentPage,
    ConsentRead,
    PatientCreate,
    PatientPage,
    PatientRead,
    PatientSummary,
    PatientUpdate,
)
from shared import idempotency, outbox
from shared.errors import Invalid
from shared.events.records import PatientSafetyProfileChanged
from shared.idempotency import IdempotencyKey
from shared.pagination import Cursor, Limit, decode_cursor, encode_cursor, page_of
from shared.service import problem

router = APIRouter(tags=["patients"])
SOURCE = "mesocare/records"

NOT_FOUND = problem("No such patient in your network (the attempt is audited)")
FORBIDDEN = problem("Your role may not do this (the attempt is audited)")


@router.post(
    "/patients",
    status_code=201,
    summary="Register a patient",
    description=(
        "Emits PatientRegistered and the first PatientSafetyProfileChanged (version 1). "
        "`fitzpatrick_skin_type` is clinical: only practitioners may set it. "
        "`declared_allergies` (the allergies the patient declares at intake) may be sent by "
        "any role that registers: they only make cross-checks stricter, and become the "
        "allergies of safety profile version 1. Changing or removing them later is the "
        "practitioners' safety-profile PUT."
    ),
    responses={
        403: FORBIDDEN,
        409: problem("Email or phone already used in your network (`existing_patient_id`)"),
    },
)
async def register_patient(
    body: PatientCreate,
    chart: Chart,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> PatientRead:
    who, tx = chart.who, chart.tx
    patient_id = uuid4()
    async with chart.open(None, "patient.create", Permission.WRITE_CONTACT) as opened:
        opened.fields = sorted(body.model_fields_set)
        if body.fitzpatrick_skin_type is not None:
            chart.require(Permission.WRITE_CLINICAL)
        chart.require_clinic(body.clinic_id)
        prior = await idempotency.replay_or_claim(
            tx,
            network_id=who.network_id,
            key=idempotency_key,
            method="POST",
            path=chart.request.url.path,
            body=body,
        )
        if prior is not None:
            opened.patient_id = UUID(json.loads(bytes(prior.body))["id"])
            return prior  # type: ignore[return-value]
        now = datetime.now(UTC)
        values = {
            "id": patient_id,
            "network_id": who.network_id,
            "given_name": body.given_name,
            "family_name": body.family_name,
            "date_of_birth": body.date_of_birth,
            "email": body.email,
            "phone": body.phone,
            "preferred_channel": body.preferred_channel
            or domain.default_channel(body.email, body.phone),
            "channel_opt_outs": list(body.channel_opt_outs),
            "locale": body.locale,
            "timezone": body.timezone,
            "quiet_hours_start": body.quiet_hours_start,
            "quiet_hours_end": body.quiet_hours_end,
            "clinics_visited": [body.clinic_id] if body.clinic_id else [],
            "created_at": now,
            "created_by": who.sub,
            "updated_at": now,
            "updated_by": who.sub,
        }
        consents = [
            domain.ConsentEntry(c.kind, c.granted, c.wording_version, c.recorded_at or now, who.sub)
            for c in body.consents
        ]
        marketing = domain.marketing_consent(consents)
        domain.check_contact(views.contact_of(values, marketing))
        try:
            await repository.insert_patient(tx, values)
        except domain.DuplicatePatient as exc:
            # The refusal tells the caller which patient holds the contact: audit it there.
            with contextlib.suppress(KeyError, ValueError):
                opened.patient_id = UUID(exc.extra["existing_patient_id"])
            raise
        opened.patient_id = patient_id
        for entry in consents:
            await repository.insert_consent(
                tx,
                id=uuid4(),
                network_id=who.network_id,
                patient_id=patient_id,
                kind=entry.kind,
                granted=entry.granted,
                wording_version=entry.wording_version,
                recorded_at=entry.recorded_at,
                recorded_by=entry.recorded_by,
            )
        profile = {
            "fitzpatrick_skin_type": body.fitzpatrick_skin_type,
            "allergies": [a.model_dump(mode="json") for a in body.declared_allergies],
            "conditions": [],
            "medications": [],
        }
        await repository.insert_profile(
            tx,
            network_id=who.network_id,
            patient_id=patient_id,
            content=profile,
            at=now,
            by=who.sub,
        )
        await outbox.add(tx, views.registered(values, marketing), source=SOURCE)
        # Version 1 of the profile: formulary's replica knows the patient from the start, so a
        # cross-check answers for them rather than `unknown_patient`, and blocks the allergens
        # they declared from the first session.
        await outbox.add(
            tx,
            PatientSafetyProfileChanged(
                network_id=who.network_id,
                patient_id=patient_id,
                version=1,
                **domain.profile_facts(profile),
            ),
            source=SOURCE,
        )
        row = await repository.get_patient(tx, network_id=who.network_id, id=patient_id)
        created = await views.patient_read(tx, row or {})
        await idempotency.remember(
            tx, network_id=who.network_id, key=idempotency_key, status_code=201, response=created
        )
    response.headers["Location"] = f"/v1/patients/{patient_id}"
    response.headers["ETag"] = domain.etag(created.version)
    return created


@router.get(
    "/patients",
    summary="Search patients by name, email or phone (partial, case-insensitive)",
    description="Criteria combine with AND; `q` matches any of name, email and phone.",
    responses={403: FORBIDDEN},
)
async def search_patients(
    chart: Chart,
    q: str | None = Query(None, max_length=200),
    name: str | None = Query(None, max_length=200),
    email: str | None = Query(None, max_length=254),
    phone: str | None = Query(None, max_length=32),
    limit: Limit = 50,
    cursor: Cursor = None,
) -> PatientPage:
    query = domain.SearchQuery(q=q, name=name, email=email, phone=phone)
    async with chart.open(None, "patient.search", Permission.READ_CONTACT) as opened:
        opened.fields = query.fields()
        domain.check_search(query)
        rows = await repository.search_patients(
            chart.tx,
            network_id=chart.who.network_id,
            query=query,
            limit=limit,
            after=_search_after(cursor),
        )
        items, next_cursor = page_of(
            rows, limit, lambda r: encode_cursor(r["family_name"], r["given_name"], r["id"])
        )
    return PatientPage(items=[PatientSummary(**r) for r in items], next_cursor=next_cursor)


def _uuid(text: str) -> UUID:
    try:
        return UUID(text)
    except ValueError as exc:
        raise Invalid("The cursor is not one this API issued.", field="cursor") from exc


def _search_after(cursor: str | None) -> tuple[str, str, UUID] | None:
    after = decode_cursor(cursor, 3)
    if after is None:
        return None
    if any("\x00" in v for v in after):
        raise Invalid("The cursor is not one this API issued.", field="cursor")
    return after[0], after[1], _uuid(after[2])


@router.get(
    "/patients/{patient_id}",
    summary="A patient: contact, preferences, skin type, clinics visited, current consents",
    responses={403: FORBIDDEN, 404: NOT_FOUND},
)
async def get_patient(patient_id: UUID, chart: Chart, response: Response) -> PatientRead:
    async with chart.open(patient_id, "patient.read", Permission.READ_CONTACT) as opened:
        patient = await views.patient_read(chart.tx, opened.row)
    response.headers["ETag"] = domain.etag(patient.version)
    return patient


@router.patch(
    "/patients/{patient_id}",
    summary="Change contact data and preferences",
    description=(
        "Send only the fields to change; null clears an optional field. Emits "
        "PatientContactChanged when contact or preferences change. If-Match (or "
        "`expected_version`) is optional here: when sent, a stale version is a 409."
    ),
    responses={
        403: FORBIDDEN,
        404: NOT_FOUND,
        409: problem("Email or phone already used, or a stale version"),
    },
)
async def update_patient(
    patient_id: UUID,
    body: PatientUpdate,
    chart: Chart,
    response: Response,
    if_match: str | None = Header(None, alias="If-Match"),
) -> PatientRead:
    who, tx = chart.who, chart.tx
    async with chart.open(
        patient_id, "patient.update", Permission.WRITE_CONTACT, lock=True
    ) as opened:
        row = opened.row
        if if_match is not None or body.expected_version is not None:
            expected = domain.parse_if_match(if_match, body.expected_version)
            domain.check_expected_version(row["version"], expected)
        sent = body.model_dump(exclude_unset=True, exclude={"expected_version"})
        for required in ("given_name", "family_name", "locale", "timezone", "preferred_channel"):
            if required in sent and sent[required] is None:
                raise Invalid("This field may not be cleared.", field=required)
        if "channel_opt_outs" in sent and sent["channel_opt_outs"] is None:
            sent["channel_opt_outs"] = []
        changes = domain.changed_fields(row, sent)
        opened.fields = changes
        if changes:
            merged = {**row, **sent}
            history = await repository.consents_of(
                tx, network_id=who.network_id, patient_id=patient_id
            )
            marketing = domain.marketing_consent(history)
            domain.check_contact(views.contact_of(merged, marketing))
            await repository.update_patient(
                tx,
                network_id=who.network_id,
                id=patient_id,
                values={
                    **{k: sent[k] for k in changes},
                    "updated_at": datetime.now(UTC),
                    "updated_by": who.sub,
                },
            )
            if set(changes) & set(views.CONTACT_COLUMNS):
                await outbox.add(tx, views.contact_changed(merged, marketing), source=SOURCE)
        fresh = await repository.get_patient(tx, network_id=who.network_id, id=patient_id)
        patient = await views.patient_read(tx, fresh or {})
    response.headers["ETag"] = domain.etag(patient.version)
    return patient


@router.post(
    "/patients/{patient_id}/consents",
    status_code=201,
    summary="Record a consent given or withdrawn",
    description=(
        "Every entry is kept; a withdrawal is an entry with `granted: false`. A change of "
        "the marketing consent emits PatientContactChanged."
    ),
    responses={403: FORBIDDEN, 404: NOT_FOUND, 409: problem("Idempotency-Key reused")},
)
async def record_consent(
    patient_id: UUID,
    body: ConsentCreate,
    chart: Chart,
    idempotency_key: IdempotencyKey = None,
) -> ConsentRead:
    who, tx = chart.who, chart.tx
    async with chart.open(
        patient_id, "consent.record", Permission.WRITE_CONTACT, lock=True
    ) as opened:
        opened.fields = [f"consents.{body.kind}"]
        prior = await idempotency.replay_or_claim(
            tx,
            network_id=who.network_id,
            key=idempotency_key,
            method="POST",
            path=chart.request.url.path,
            body=body,
        )
        if prior is not None:
            return prior  # type: ignore[return-value]
        before = await repository.consents_of(tx, network_id=who.network_id, patient_id=patient_id)
        entry = domain.ConsentEntry(
            body.kind, body.granted, body.wording_version, body.recorded_at or datetime.now(UTC),
            who.sub,
        )  # fmt: skip
        await repository.insert_consent(
            tx,
            id=uuid4(),
            network_id=who.network_id,
            patient_id=patient_id,
            kind=entry.kind,
            granted=entry.granted,
            wording_version=entry.wording_version,
            recorded_at=entry.recorded_at,
            recorded_by=entry.recorded_by,
        )
        after = await repository.consents_of(tx, network_id=who.network_id, patient_id=patient_id)
        marketing = domain.marketing_consent(after)
        if marketing != domain.marketing_consent(before):
            await outbox.add(tx, views.contact_changed(opened.row, marketing), source=SOURCE)
        created = views.consent_read(entry)
        await idempotency.remember(
            tx,
            network_id=who.network_id,
            key=idempotency_key,
            status_code=201,
            response=jsonable_encoder(created),
        )
    return created


@router.get(
    "/patients/{patient_id}/consents",
    summary="Current consents and their whole history (grants and withdrawals)",
    responses={403: FORBIDDEN, 404: NOT_FOUND},
)
async def list_consents(patient_id: UUID, chart: Chart) -> ConsentPage:
    async with chart.open(patient_id, "consent.read", Permission.READ_CONTACT):
        history = await repository.consents_of(
            chart.tx, network_id=chart.who.network_id, patient_id=patient_id
        )
    return ConsentPage(
        current={k: views.consent_read(e) for k, e in domain.current_consents(history).items()},
        history=[views.consent_read(e) for e in history],
    )
