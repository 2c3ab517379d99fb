"""What the console reads from formulary and sends to it: the catalog (allergen classes,
ingredients, blends), the lots with who received them, and a lot's recall."""

from __future__ import annotations

from uuid import UUID

from services.gateway.console.clients.calls import Answer, Body, Caller, Items
from services.gateway.console.clients.model import Model

SERVICE = "formulary"


class AllergenClass(Model):
    code: str
    name: str


class Ingredient(Model):
    code: str
    name: str
    category: str = ""
    allergen_classes: list[str] = []
    unit: str | None = None
    status: str = ""
    approved: bool = False


class Component(Model):
    ingredient_code: str
    ingredient_name: str | None = None
    amount: str | None = None
    unit: str | None = None


class Blend(Model):
    id: str
    name: str
    version: int
    indication: str
    areas: list[str] = []
    components: list[Component] = []


class Recall(Model):
    reason: str
    recalled_at: str
    recalled_by: str
    exposed_patients: int


class Lot(Model):
    id: str
    lot_number: str
    ingredient_code: str
    supplier: str
    expires_on: str
    status: str
    expired: bool
    received_at: str | None = None
    received_by: str | None = None
    recall: Recall | None = None

    @property
    def state(self) -> str:
        """valid, expired or recalled: a recall outranks an expiry."""
        if self.status == "recalled":
            return "recalled"
        return "expired" if self.expired else "valid"

    @property
    def usable(self) -> bool:
        """Whether a session may use it today: active and not expired."""
        return self.status == "active" and not self.expired


class Exposure(Model):
    """A session that used the lot: whose, where, by whom, how much."""

    patient_id: str
    clinic_id: str
    practitioner_id: str
    administered_at: str
    amount: str
    unit: str
    recall_notified_at: str | None = None


class RecallOrder(Body):
    reason: str


async def allergen_classes(calls: Caller) -> Answer[Items[AllergenClass]]:
    return await calls.read_all(SERVICE, "/v1/allergen-classes", AllergenClass)


async def ingredients(calls: Caller) -> Answer[Items[Ingredient]]:
    return await calls.read_all(SERVICE, "/v1/ingredients", Ingredient)


async def ingredient(calls: Caller, code: str) -> Answer[Ingredient | None]:
    return await calls.read(SERVICE, f"/v1/ingredients/{code}", Ingredient)


async def blends(calls: Caller) -> Answer[Items[Blend]]:
    return await calls.read_all(SERVICE, "/v1/blends", Blend)


async def blend(calls: Caller, blend_id: str, version: int | None) -> Answer[Blend | None]:
    """A blend at a version (None: its current one)."""
    return await calls.read(SERVICE, f"/v1/blends/{blend_id}", Blend, {"version": version})


async def lots(calls: Caller, *, status: str | None = None) -> Answer[Items[Lot]]:
    """Every lot of the network, or those of one status."""
    return await calls.read_all(SERVICE, "/v1/lots", Lot, {"status": status})


async def lot(calls: Caller, lot_id: UUID) -> Answer[Lot | None]:
    return await calls.read(SERVICE, f"/v1/lots/{lot_id}", Lot)


async def exposures(
    calls: Caller, lot_id: UUID, *, limit: int, cursor: str | None
) -> Answer[Items[Exposure]]:
    """A page of the sessions that used the lot."""
    return await calls.read_page(
        SERVICE, f"/v1/lots/{lot_id}/exposures", Exposure, {"limit": limit, "cursor": cursor}
    )


async def recall(calls: Caller, lot_id: UUID, order: RecallOrder) -> Answer[None]:
    """Recall a lot (formulary lets only network admins)."""
    return await calls.send(SERVICE, "POST", f"/v1/lots/{lot_id}/recall", order)
