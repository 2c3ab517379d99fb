"""The catalog's SQL: allergen classes, ingredients, and the approved lists (network, clinic)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from services.formulary.domain import (
    AllergenClass,
    Category,
    Certainty,
    Ingredient,
    IngredientStatus,
)
from shared.db import Transaction

# ---------------------------------------------------------------------------------------------
# Allergen classes


@dataclass(frozen=True, slots=True)
class AllergenClassEntry:
    """An allergen class as the network's catalog holds it."""

    allergen_class: AllergenClass
    demo: bool
    created_at: datetime
    updated_at: datetime


def _allergen_class(row: Mapping[str, Any]) -> AllergenClass:
    links = {code: Certainty(c) for code, c in (row["cross_reacts_with"] or {}).items()}
    return AllergenClass(row["code"], row["name"], links)


def _allergen_class_entry(row: Mapping[str, Any]) -> AllergenClassEntry:
    return AllergenClassEntry(
        allergen_class=_allergen_class(row),
        demo=row["demo"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def _links(allergen_class: AllergenClass) -> dict[str, str]:
    """The cross-reactivity as stored (a JSON column: class code → certainty)."""
    return {code: str(c) for code, c in allergen_class.cross_reacts_with.items()}


async def allergen_classes(tx: Transaction, *, network_id: UUID) -> dict[str, AllergenClass]:
    """Every class of the network, by code (what the rules read)."""
    rows = await tx.fetch(
        "SELECT code, name, cross_reacts_with FROM allergen_classes WHERE network_id = $1",
        network_id,
    )
    return {r["code"]: _allergen_class(r) for r in rows}


async def list_allergen_classes(
    tx: Transaction, *, network_id: UUID, after: str | None, limit: int
) -> list[AllergenClassEntry]:
    rows = await tx.fetch(
        """SELECT * FROM allergen_classes
           WHERE network_id = $1 AND ($2::text IS NULL OR code > $2)
           ORDER BY code LIMIT $3""",
        network_id,
        after,
        limit,
    )
    return [_allergen_class_entry(r) for r in rows]


async def get_allergen_class(
    tx: Transaction, *, network_id: UUID, code: str
) -> AllergenClassEntry | None:
    row = await tx.fetchrow(
        "SELECT * FROM allergen_classes WHERE network_id = $1 AND code = $2", network_id, code
    )
    return _allergen_class_entry(row) if row is not None else None


async def insert_allergen_class(
    tx: Transaction, *, network_id: UUID, allergen_class: AllergenClass, demo: bool = False
) -> AllergenClassEntry | None:
    """The new entry, or None when the network already has that code."""
    row = await tx.fetchrow(
        """INSERT INTO allergen_classes (network_id, code, name, cross_reacts_with, demo)
           VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING *""",
        network_id,
        allergen_class.code,
        allergen_class.name,
        _links(allergen_class),
        demo,
    )
    return _allergen_class_entry(row) if row is not None else None


async def update_allergen_class(
    tx: Transaction, *, network_id: UUID, allergen_class: AllergenClass
) -> AllergenClassEntry:
    row = await tx.fetchrow(
        """UPDATE allergen_classes SET name = $3, cross_reacts_with = $4, updated_at = now()
           WHERE network_id = $1 AND code = $2 RETURNING *""",
        network_id,
        allergen_class.code,
        allergen_class.name,
        _links(allergen_class),
    )
    return _allergen_class_entry(row)


# ---------------------------------------------------------------------------------------------
# Ingredients


@dataclass(frozen=True, slots=True)
class IngredientEntry:
    """An ingredient as the network's catalog holds it."""

    ingredient: Ingredient
    demo: bool
    created_at: datetime
    updated_at: datetime


def _ingredient(row: Mapping[str, Any]) -> Ingredient:
    return Ingredient(
        code=row["code"],
        name=row["name"],
        category=Category(row["category"]),
        allergen_classes=frozenset(row["allergen_classes"]),
        max_amount_per_session=Decimal(row["max_amount_per_session"]),
        unit=row["unit"],
        contraindicated_conditions=frozenset(row["contraindicated_conditions"]),
        pigmentation_risk=row["pigmentation_risk"],
        status=IngredientStatus(row["status"]),
    )


def _ingredient_entry(row: Mapping[str, Any]) -> IngredientEntry:
    return IngredientEntry(
        ingredient=_ingredient(row),
        demo=row["demo"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def _ingredient_values(ingredient: Ingredient) -> tuple[object, ...]:
    # The sets are stored sorted, so they read back in a stable order.
    return (
        ingredient.code,
        ingredient.name,
        str(ingredient.category),
        sorted(ingredient.allergen_classes),
        ingredient.max_amount_per_session,
        ingredient.unit,
        sorted(ingredient.contraindicated_conditions),
        ingredient.pigmentation_risk,
        str(ingredient.status),
    )


async def ingredients(tx: Transaction, *, network_id: UUID) -> dict[str, Ingredient]:
    """Every ingredient of the network, by code (what the rules read)."""
    rows = await tx.fetch("SELECT * FROM ingredients WHERE network_id = $1", network_id)
    return {r["code"]: _ingredient(r) for r in rows}


async def list_ingredients(
    tx: Transaction,
    *,
    network_id: UUID,
    after: str | None,
    limit: int,
    category: Category | None = None,
    status: IngredientStatus | None = None,
) -> list[IngredientEntry]:
    rows = await tx.fetch(
        """SELECT * FROM ingredients
           WHERE network_id = $1 AND ($2::text IS NULL OR code > $2)
             AND ($3::text IS NULL OR category = $3) AND ($4::text IS NULL OR status = $4)
           ORDER BY code LIMIT $5""",
        network_id,
        after,
        category,
        status,
        limit,
    )
    return [_ingredient_entry(r) for r in rows]


async def get_ingredient(tx: Transaction, *, network_id: UUID, code: str) -> IngredientEntry | None:
    row = await tx.fetchrow(
        "SELECT * FROM ingredients WHERE network_id = $1 AND code = $2", network_id, code
    )
    return _ingredient_entry(row) if row is not None else None


async def insert_ingredient(
    tx: Transaction, *, network_id: UUID, ingredient: Ingredient, demo: bool = False
) -> IngredientEntry | None:
    """The new entry, or None when the network already has that code."""
    row = await tx.fetchrow(
        """INSERT INTO ingredients (network_id, code, name, category, allergen_classes,
               max_amount_per_session, unit, contraindicated_conditions, pigmentation_risk,
               status, demo)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
           ON CONFLICT DO NOTHING RETURNING *""",
        network_id,
        *_ingredient_values(ingredient),
        demo,
    )
    return _ingredient_entry(row) if row is not None else None


async def update_ingredient(
    tx: Transaction, *, network_id: UUID, ingredient: Ingredient
) -> IngredientEntry:
    row = await tx.fetchrow(
        """UPDATE ingredients SET name = $3, category = $4, allergen_classes = $5,
               max_amount_per_session = $6, unit = $7, contraindicated_conditions = $8,
               pigmentation_risk = $9, status = $10, updated_at = now()
           WHERE network_id = $1 AND code = $2 RETURNING *""",
        network_id,
        *_ingredient_values(ingredient),
    )
    return _ingredient_entry(row)


# ---------------------------------------------------------------------------------------------
# Approved lists


async def approved_codes(tx: Transaction, *, network_id: UUID) -> frozenset[str]:
    rows = await tx.fetch(
        "SELECT ingredient_code FROM approved_ingredients WHERE network_id = $1", network_id
    )
    return frozenset(r["ingredient_code"] for r in rows)


async def replace_approved_codes(
    tx: Transaction, *, network_id: UUID, codes: Iterable[str]
) -> None:
    await tx.execute("DELETE FROM approved_ingredients WHERE network_id = $1", network_id)
    await add_approved_codes(tx, network_id=network_id, codes=codes)


async def add_approved_codes(tx: Transaction, *, network_id: UUID, codes: Iterable[str]) -> None:
    await tx.execute(
        """INSERT INTO approved_ingredients (network_id, ingredient_code)
           SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING""",
        network_id,
        sorted(set(codes)),
    )


async def remove_approved_code(tx: Transaction, *, network_id: UUID, code: str) -> None:
    await tx.execute(
        "DELETE FROM approved_ingredients WHERE network_id = $1 AND ingredient_code = $2",
        network_id,
        code,
    )


async def clinic_codes(
    tx: Transaction, *, network_id: UUID, clinic_id: UUID
) -> frozenset[str] | None:
    """The clinic's narrowing of the network's list, or None when it has none."""
    codes = await tx.fetchval(
        "SELECT ingredient_codes FROM clinic_approved_lists "
        "WHERE network_id = $1 AND clinic_id = $2",
        network_id,
        clinic_id,
    )
    return frozenset(codes) if codes is not None else None


async def set_clinic_codes(
    tx: Transaction, *, network_id: UUID, clinic_id: UUID, codes: Sequence[str], by: str
) -> None:
    await tx.execute(
        """INSERT INTO clinic_approved_lists (network_id, clinic_id, ingredient_codes, updated_by)
           VALUES ($1, $2, $3, $4)
           ON CONFLICT (network_id, clinic_id) DO UPDATE
           SET ingredient_codes = EXCLUDED.ingredient_codes, updated_by = EXCLUDED.updated_by,
               updated_at = now()""",
        network_id,
        clinic_id,
        sorted(set(codes)),
        by,
    )


async def delete_clinic_codes(tx: Transaction, *, network_id: UUID, clinic_id: UUID) -> bool:
    """Whether the clinic had a narrowing to delete."""
    deleted = await tx.fetchval(
        "DELETE FROM clinic_approved_lists WHERE network_id = $1 AND clinic_id = $2 RETURNING true",
        network_id,
        clinic_id,
    )
    return bool(deleted)
