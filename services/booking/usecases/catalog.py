"""Treatment types, and prices per clinic, treatment type and experience tier."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID, uuid4

from services.booking import repository
from services.booking.domain import define_treatment_type
from services.booking.policies import require_clinic
from services.booking.repository import Price, TreatmentType
from services.booking.schemas import PriceCreate, PriceUpdate, TreatmentTypeCreate
from services.booking.usecases.paging import Listing, cursor_uuid
from shared.auth import Principal
from shared.errors import Invalid, NotFound
from shared.pagination import decode_cursor, encode_cursor, page_of
from shared.uow import UnitOfWork


def _minutes(value: int | None) -> timedelta | None:
    return None if value is None else timedelta(minutes=value)


def _whole_minutes(span: timedelta) -> int:
    return int(span.total_seconds() // 60)


_BODY_FIELDS = {"duration": "duration_minutes", "buffer": "buffer_minutes"}
"""The domain's names of a treatment type's spans, and the request's."""


async def define(uow: UnitOfWork, who: Principal, cmd: TreatmentTypeCreate) -> TreatmentType:
    """Define a treatment type; duration and buffer default from its kind and areas."""
    try:
        defined = define_treatment_type(
            id=uuid4(),
            kind=cmd.kind,
            indication=cmd.indication,
            areas=cmd.areas,
            duration=_minutes(cmd.duration_minutes),
            buffer=_minutes(cmd.buffer_minutes),
        )
    except Invalid as exc:
        named = [e.get("field") for e in exc.extra.get("errors", ())]
        if len(named) == 1 and named[0] in _BODY_FIELDS:
            raise Invalid(exc.detail, field=_BODY_FIELDS[named[0]]) from None
        raise
    treatment = TreatmentType(
        id=defined.id,
        network_id=who.network_id,
        name=cmd.name,
        kind=defined.kind.value,
        indication=defined.indication.value,
        areas=[a.value for a in sorted(defined.areas)],
        duration_minutes=_whole_minutes(defined.duration),
        buffer_minutes=_whole_minutes(defined.buffer),
    )
    await repository.insert_treatment_type(
        uow.tx,
        network_id=treatment.network_id,
        id=treatment.id,
        name=treatment.name,
        kind=treatment.kind,
        indication=treatment.indication,
        areas=treatment.areas,
        duration_minutes=treatment.duration_minutes,
        buffer_minutes=treatment.buffer_minutes,
    )
    return treatment


async def treatment_type(uow: UnitOfWork, who: Principal, type_id: UUID) -> TreatmentType:
    """A treatment type of the caller's network."""
    treatment = await repository.get_treatment_type(uow.tx, network_id=who.network_id, id=type_id)
    if treatment is None:
        raise NotFound(f"No treatment type {type_id} in your network.")
    return treatment


async def treatment_types(
    uow: UnitOfWork, who: Principal, *, limit: int, cursor: str | None
) -> Listing[TreatmentType]:
    """The network's treatment types by name, a page at a time."""
    after = decode_cursor(cursor, 2)
    types = await repository.list_treatment_types(
        uow.tx,
        network_id=who.network_id,
        limit=limit,
        after=(after[0], cursor_uuid(after[1])) if after else None,
    )
    page, next_cursor = page_of(types, limit, lambda t: encode_cursor(t.name, t.id))
    return Listing(page, next_cursor)


async def set_price(uow: UnitOfWork, who: Principal, cmd: PriceCreate) -> Price:
    """Price a treatment type at a clinic, in the clinic's currency, for everyone or one tier."""
    clinic = await repository.get_clinic(uow.tx, network_id=who.network_id, id=cmd.clinic_id)
    if clinic is None:
        raise Invalid(f"No clinic {cmd.clinic_id} in your network.", field="clinic_id")
    require_clinic(who, cmd.clinic_id)
    treatment = await repository.get_treatment_type(
        uow.tx, network_id=who.network_id, id=cmd.treatment_type_id
    )
    if treatment is None:
        raise Invalid(
            f"No treatment type {cmd.treatment_type_id} in your network.",
            field="treatment_type_id",
        )
    if cmd.currency != clinic.currency:
        raise Invalid(
            f"Clinic {cmd.clinic_id} prices in {clinic.currency}, not {cmd.currency}.",
            field="currency",
        )
    price = Price(
        id=uuid4(),
        network_id=who.network_id,
        clinic_id=cmd.clinic_id,
        treatment_type_id=cmd.treatment_type_id,
        tier=cmd.tier.value if cmd.tier else None,
        amount_minor=cmd.amount_minor,
        currency=cmd.currency,
    )
    await repository.insert_price(uow.tx, price)
    return price


async def change_price(uow: UnitOfWork, who: Principal, price_id: UUID, cmd: PriceUpdate) -> Price:
    """Change what a price costs (its clinic, type, tier and currency stay)."""
    current = await repository.get_price(uow.tx, network_id=who.network_id, id=price_id)
    if current is None:
        raise NotFound(f"No price {price_id} in your network.")
    require_clinic(who, current.clinic_id)
    changed = await repository.set_price_amount(
        uow.tx, network_id=who.network_id, id=price_id, amount_minor=cmd.amount_minor
    )
    assert changed is not None  # read in this transaction
    return changed


async def prices(
    uow: UnitOfWork,
    who: Principal,
    *,
    clinic_id: UUID | None = None,
    treatment_type_id: UUID | None = None,
) -> list[Price]:
    """Prices, optionally of one clinic or one treatment type."""
    return await repository.list_prices(
        uow.tx, network_id=who.network_id, clinic_id=clinic_id, treatment_type_id=treatment_type_id
    )
