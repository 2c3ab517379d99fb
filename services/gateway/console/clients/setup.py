"""What the Admin setup pages read from booking and send to it: clinics with their rooms,
practitioners with their working hours and time off, treatment types and their prices."""

from __future__ import annotations

from uuid import UUID

from pydantic import RootModel

from services.gateway.console.clients.calls import Answer, Body, Caller, Items
from services.gateway.console.clients.model import Model

SERVICE = "booking"


class NewClinic(Body):
    name: str
    address: str
    timezone: str
    currency: str
    slot_grid_minutes: int
    phone: str | None = None
    email: str | None = None


class ClinicDetail(NewClinic):
    """A clinic as booking keeps it: what it was opened with, and its id."""

    id: str


class ClinicChange(Body):
    """A clinic's changeable fields; phone and email are cleared by null (sent as such)."""

    name: str
    address: str
    slot_grid_minutes: int
    phone: str | None = None
    email: str | None = None

    def as_json(self) -> object:
        return self.model_dump(mode="json")


class Room(Model):
    id: str
    name: str


class Rooms(RootModel[list[Room]]):
    model_config = {"frozen": True}


class NewRoom(Body):
    name: str


class PractitionerDetail(Model):
    id: str
    name: str
    email: str | None = None
    phone: str | None = None
    licence_number: str
    licence_expires_on: str
    clinic_ids: list[str] = []
    indications: list[str] = []
    experience_tier: str


class PractitionerFields(Body):
    """A practitioner as registered or changed; email and phone are cleared by null."""

    name: str
    email: str | None = None
    phone: str | None = None
    licence_number: str
    licence_expires_on: str
    clinic_ids: list[str]
    indications: list[str]
    experience_tier: str

    def as_json(self) -> object:
        return self.model_dump(mode="json")


class HoursRow(Body):
    weekday: int
    start: str
    end: str


class Week(Body):
    hours: list[HoursRow]


class WeekRead(Model):
    hours: list[HoursRow] = []


class NewTimeOff(Body):
    start: str
    end: str
    reason: str | None = None


class TimeOffEntry(NewTimeOff):
    id: str


class TimesOff(RootModel[list[TimeOffEntry]]):
    model_config = {"frozen": True}


class TreatmentTypeDetail(Model):
    id: str
    name: str
    kind: str
    indication: str
    areas: list[str] = []
    duration_minutes: int
    buffer_minutes: int


class NewTreatmentType(Body):
    name: str
    kind: str
    indication: str
    areas: list[str] = []
    duration_minutes: int | None = None
    buffer_minutes: int | None = None


class NewPrice(Body):
    clinic_id: str
    treatment_type_id: str
    tier: str | None = None
    amount_minor: int
    currency: str


class Price(NewPrice):
    id: str


class Prices(RootModel[list[Price]]):
    model_config = {"frozen": True}


def _page(limit: int, cursor: str | None) -> dict[str, str | int | None]:
    return {"limit": limit, "cursor": cursor}


async def clinics_page(
    calls: Caller, *, limit: int, cursor: str | None
) -> Answer[Items[ClinicDetail]]:
    return await calls.read_page(SERVICE, "/v1/clinics", ClinicDetail, _page(limit, cursor))


async def all_clinics(calls: Caller) -> Answer[Items[ClinicDetail]]:
    return await calls.read_all(SERVICE, "/v1/clinics", ClinicDetail)


async def clinic(calls: Caller, clinic_id: UUID) -> Answer[ClinicDetail | None]:
    return await calls.read(SERVICE, f"/v1/clinics/{clinic_id}", ClinicDetail)


async def open_clinic(
    calls: Caller, body: NewClinic, *, idempotency_key: str
) -> Answer[str | None]:
    return await calls.create(SERVICE, "/v1/clinics", body, idempotency_key=idempotency_key)


async def change_clinic(calls: Caller, clinic_id: UUID, body: ClinicChange) -> Answer[None]:
    return await calls.send(SERVICE, "PATCH", f"/v1/clinics/{clinic_id}", body)


async def rooms(calls: Caller, clinic_id: UUID) -> Answer[Rooms | None]:
    return await calls.read(SERVICE, f"/v1/clinics/{clinic_id}/rooms", Rooms)


async def add_room(calls: Caller, clinic_id: UUID, body: NewRoom) -> Answer[None]:
    return await calls.send(SERVICE, "POST", f"/v1/clinics/{clinic_id}/rooms", body)


async def remove_room(calls: Caller, clinic_id: UUID, room_id: UUID) -> Answer[None]:
    """Delete a room; booking keeps (409) one an appointment was ever booked in."""
    return await calls.send(SERVICE, "DELETE", f"/v1/clinics/{clinic_id}/rooms/{room_id}")


async def practitioners_page(
    calls: Caller, *, limit: int, cursor: str | None
) -> Answer[Items[PractitionerDetail]]:
    return await calls.read_page(
        SERVICE, "/v1/practitioners", PractitionerDetail, _page(limit, cursor)
    )


async def practitioner(calls: Caller, practitioner_id: UUID) -> Answer[PractitionerDetail | None]:
    return await calls.read(SERVICE, f"/v1/practitioners/{practitioner_id}", PractitionerDetail)


async def register_practitioner(
    calls: Caller, body: PractitionerFields, *, idempotency_key: str
) -> Answer[str | None]:
    return await calls.create(SERVICE, "/v1/practitioners", body, idempotency_key=idempotency_key)


async def change_practitioner(
    calls: Caller, practitioner_id: UUID, body: PractitionerFields
) -> Answer[None]:
    return await calls.send(SERVICE, "PATCH", f"/v1/practitioners/{practitioner_id}", body)


def _hours_path(practitioner_id: UUID, clinic_id: UUID) -> str:
    return f"/v1/practitioners/{practitioner_id}/clinics/{clinic_id}/working-hours"


async def week(calls: Caller, practitioner_id: UUID, clinic_id: UUID) -> Answer[WeekRead | None]:
    """The practitioner's weekly hours at the clinic."""
    return await calls.read(SERVICE, _hours_path(practitioner_id, clinic_id), WeekRead)


async def set_week(
    calls: Caller, practitioner_id: UUID, clinic_id: UUID, body: Week
) -> Answer[None]:
    """Replace the practitioner's whole week at the clinic."""
    return await calls.send(SERVICE, "PUT", _hours_path(practitioner_id, clinic_id), body)


async def times_off(calls: Caller, practitioner_id: UUID) -> Answer[TimesOff | None]:
    return await calls.read(SERVICE, f"/v1/practitioners/{practitioner_id}/time-off", TimesOff)


async def add_time_off(calls: Caller, practitioner_id: UUID, body: NewTimeOff) -> Answer[None]:
    return await calls.send(SERVICE, "POST", f"/v1/practitioners/{practitioner_id}/time-off", body)


async def remove_time_off(calls: Caller, practitioner_id: UUID, time_off_id: UUID) -> Answer[None]:
    return await calls.send(
        SERVICE, "DELETE", f"/v1/practitioners/{practitioner_id}/time-off/{time_off_id}"
    )


async def treatment_types_page(
    calls: Caller, *, limit: int, cursor: str | None
) -> Answer[Items[TreatmentTypeDetail]]:
    return await calls.read_page(
        SERVICE, "/v1/treatment-types", TreatmentTypeDetail, _page(limit, cursor)
    )


async def define_treatment_type(
    calls: Caller, body: NewTreatmentType, *, idempotency_key: str
) -> Answer[str | None]:
    return await calls.create(SERVICE, "/v1/treatment-types", body, idempotency_key=idempotency_key)


async def prices(calls: Caller) -> Answer[Prices | None]:
    """Every price of the network (booking answers them whole)."""
    return await calls.read(SERVICE, "/v1/prices", Prices)


async def set_price(calls: Caller, body: NewPrice) -> Answer[None]:
    return await calls.send(SERVICE, "POST", "/v1/prices", body)


class PriceChange(Body):
    amount_minor: int


async def change_price(calls: Caller, price_id: UUID, body: PriceChange) -> Answer[None]:
    return await calls.send(SERVICE, "PATCH", f"/v1/prices/{price_id}", body)
