"""Blends (cocktails): versioned; editing makes a new version, old versions stay readable."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from uuid import UUID, uuid4

from services.formulary import repository
from services.formulary.domain import (
    Blend,
    Indication,
    Ingredient,
    PlannedComponent,
    validate_blend,
)
from services.formulary.repository import BlendVersion
from services.formulary.schemas import BlendCreate
from shared.auth import Principal
from shared.errors import NotFound
from shared.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class CatalogBlend:
    """A version of a blend, with the network's ingredients that name its components."""

    version: BlendVersion
    ingredients: Mapping[str, Ingredient]


def _blend(cmd: BlendCreate) -> Blend:
    return Blend(
        name=cmd.name,
        indication=Indication(cmd.indication),
        areas=tuple(cmd.areas),
        components=tuple(PlannedComponent(c.ingredient_code, c.amount) for c in cmd.components),
    )


async def _validated(uow: UnitOfWork, network_id: UUID, cmd: BlendCreate) -> Blend:
    """Only the network's approved ingredients, each within its limit (422 naming fields)."""
    blend = _blend(cmd)
    validate_blend(
        blend,
        ingredients=await repository.ingredients(uow.tx, network_id=network_id),
        approved_codes=await repository.approved_codes(uow.tx, network_id=network_id),
    )
    return blend


async def _in_catalog(uow: UnitOfWork, network_id: UUID, version: BlendVersion) -> CatalogBlend:
    return CatalogBlend(version, await repository.ingredients(uow.tx, network_id=network_id))


def _at(version: int | None) -> str:
    return f" at version {version}" if version is not None else ""


async def create(uow: UnitOfWork, who: Principal, cmd: BlendCreate) -> CatalogBlend:
    """Version 1 of a new blend."""
    new = await _validated(uow, who.network_id, cmd)
    created = await repository.insert_blend(
        uow.tx, id=uuid4(), network_id=who.network_id, blend=new, by=who.sub
    )
    assert created is not None  # a fresh uuid4
    return await _in_catalog(uow, who.network_id, created)


async def list_blends(
    uow: UnitOfWork,
    who: Principal,
    *,
    indication: Indication | None,
    after: UUID | None,
    limit: int,
) -> list[CatalogBlend]:
    """The network's blends by id, each at its current version."""
    versions = await repository.list_blends(
        uow.tx, network_id=who.network_id, after=after, limit=limit, indication=indication
    )
    ingredients = await repository.ingredients(uow.tx, network_id=who.network_id)
    return [CatalogBlend(v, ingredients) for v in versions]


async def blend(
    uow: UnitOfWork, who: Principal, blend_id: UUID, version: int | None = None
) -> CatalogBlend:
    """A blend at its current version, or at `version` (404 otherwise)."""
    found = await repository.get_blend(
        uow.tx, network_id=who.network_id, id=blend_id, version=version
    )
    if found is None:
        raise NotFound(f"No blend {blend_id}{_at(version)} in your network.")
    return await _in_catalog(uow, who.network_id, found)


async def edit(uow: UnitOfWork, who: Principal, blend_id: UUID, cmd: BlendCreate) -> CatalogBlend:
    """Save a new version of a blend; earlier versions stay readable."""
    if await repository.get_blend(uow.tx, network_id=who.network_id, id=blend_id) is None:
        raise NotFound(f"No blend {blend_id} in your network.")
    changed = await _validated(uow, who.network_id, cmd)
    edited = await repository.add_blend_version(
        uow.tx, network_id=who.network_id, id=blend_id, blend=changed, by=who.sub
    )
    if edited is None:
        raise NotFound(f"No blend {blend_id} in your network.")
    return await _in_catalog(uow, who.network_id, edited)


async def versions(uow: UnitOfWork, who: Principal, blend_id: UUID) -> list[CatalogBlend]:
    """Every version of a blend, oldest first (404 for none)."""
    found = await repository.list_blend_versions(uow.tx, network_id=who.network_id, id=blend_id)
    if not found:
        raise NotFound(f"No blend {blend_id} in your network.")
    ingredients = await repository.ingredients(uow.tx, network_id=who.network_id)
    return [CatalogBlend(v, ingredients) for v in found]
