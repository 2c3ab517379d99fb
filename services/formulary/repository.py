"""SQL of the formulary service (asyncpg): catalog, blends, lots, the lot ledger, the replica.

Every function takes the caller's transaction and the network it acts for; nothing here commits.
Catalog rows come back as domain objects where the engine needs them, as records otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import asyncpg

from services.formulary.domain import (
    AllergenClass,
    Allergy,
    AllergySeverity,
    AllergyStatus,
    Blend,
    Category,
    Certainty,
    Indication,
    Ingredient,
    IngredientStatus,
    Lot,
    LotStatus,
    Medication,
    PlannedComponent,
    SafetyProfile,
)
from shared.db import Transaction

Row = asyncpg.Record

# ---------------------------------------------------------------------------------------------
# Allergen classes


def allergen_class_of(row: Row) -> AllergenClass:
    links = {code: Certainty(c) for code, c in (row["cross_reacts_with"] or {}).items()}
    return AllergenClass(row["code"], row["name"], links)


async def allergen_classes(tx: Transaction, *, network_id: UUID) -> dict[str, AllergenClass]:
    rows = await tx.fetch(
        "SELECT code, name, cross_reacts_with FROM allergen_classes WHERE network_id = $1",
        network_id,
    )
    return {r["code"]: allergen_class_of(r) for r in rows}


async def list_allergen_classes(
    tx: Transaction, *, network_id: UUID, after: str | None, limit: int
) -> list[Row]:
    return await tx.fetch(
        """SELECT * FROM allergen_classes
           WHERE network_id = $1 AND ($2::text IS NULL OR code > $2)
           ORDER BY code LIMIT $3""",
        network_id,
        after,
        limit,
    )


async def get_allergen_class(tx: Transaction, *, network_id: UUID, code: str) -> Row | None:
    return await tx.fetchrow(
        "SELECT * FROM allergen_classes WHERE network_id = $1 AND code = $2", network_id, code
    )


def _links(allergen_class: AllergenClass) -> dict[str, str]:
    return {code: str(c) for code, c in allergen_class.cross_reacts_with.items()}


async def insert_allergen_class(
    tx: Transaction, *, network_id: UUID, allergen_class: AllergenClass, demo: bool = False
) -> Row | None:
    """The new row, or None when the network already has that code."""
    return await tx.fetchrow(
        """INSERT INTO allergen_classes (network_id, code, name, cross_reacts_with, demo)
           VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING *""",
        network_id,
        allergen_class.code,
        allergen_class.name,
        _links(allergen_class),
        demo,
    )


async def update_allergen_class(
    tx: Transaction, *, network_id: UUID, allergen_class: AllergenClass
) -> Row:
    return await tx.fetchrow(
        """UPDATE allergen_classes SET name = $3, cross_reacts_with = $4, updated_at = now()
           WHERE network_id = $1 AND code = $2 RETURNING *""",
        network_id,
        allergen_class.code,
        allergen_class.name,
        _links(allergen_class),
    )


# ---------------------------------------------------------------------------------------------
# Ingredients


def ingredient_of(row: Row) -> Ingredient:
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


async def ingredients(tx: Transaction, *, network_id: UUID) -> dict[str, Ingredient]:
    rows = await tx.fetch("SELECT * FROM ingredients WHERE network_id = $1", network_id)
    return {r["code"]: ingredient_of(r) for r in rows}


async def list_ingredients(
    tx: Transaction,
    *,
    network_id: UUID,
    after: str | None,
    limit: int,
    category: str | None = None,
    status: str | None = None,
) -> list[Row]:
    return await tx.fetch(
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


async def get_ingredient(tx: Transaction, *, network_id: UUID, code: str) -> Row | None:
    return await tx.fetchrow(
        "SELECT * FROM ingredients WHERE network_id = $1 AND code = $2", network_id, code
    )


def _ingredient_values(ingredient: Ingredient) -> tuple[Any, ...]:
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


async def insert_ingredient(
    tx: Transaction, *, network_id: UUID, ingredient: Ingredient, demo: bool = False
) -> Row | None:
    """The new row, or None when the network already has that code."""
    return await tx.fetchrow(
        """INSERT INTO ingredients (network_id, code, name, category, allergen_classes,
               max_amount_per_session, unit, contraindicated_conditions, pigmentation_risk,
               status, demo)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
           ON CONFLICT DO NOTHING RETURNING *""",
        network_id,
        *_ingredient_values(ingredient),
        demo,
    )


async def update_ingredient(tx: Transaction, *, network_id: UUID, ingredient: Ingredient) -> Row:
    return await tx.fetchrow(
        """UPDATE ingredients SET name = $3, category = $4, allergen_classes = $5,
               max_amount_per_session = $6, unit = $7, contraindicated_conditions = $8,
               pigmentation_risk = $9, status = $10, updated_at = now()
           WHERE network_id = $1 AND code = $2 RETURNING *""",
        network_id,
        *_ingredient_values(ingredient),
    )


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


async def clinic_approved_list(tx: Transaction, *, network_id: UUID, clinic_id: UUID) -> Row | None:
    return await tx.fetchrow(
        "SELECT * FROM clinic_approved_lists WHERE network_id = $1 AND clinic_id = $2",
        network_id,
        clinic_id,
    )


async def clinic_codes(
    tx: Transaction, *, network_id: UUID, clinic_id: UUID
) -> frozenset[str] | None:
    """The clinic's narrowing of the network's list, or None when it has none."""
    row = await clinic_approved_list(tx, network_id=network_id, clinic_id=clinic_id)
    return frozenset(row["ingredient_codes"]) if row is not None else None


async def set_clinic_codes(
    tx: Transaction, *, network_id: UUID, clinic_id: UUID, codes: Sequence[str], by: str
) -> Row:
    return await tx.fetchrow(
        """INSERT INTO clinic_approved_lists (network_id, clinic_id, ingredient_codes, updated_by)
           VALUES ($1, $2, $3, $4)
           ON CONFLICT (network_id, clinic_id) DO UPDATE
           SET ingredient_codes = EXCLUDED.ingredient_codes, updated_by = EXCLUDED.updated_by,
               updated_at = now()
           RETURNING *""",
        network_id,
        clinic_id,
        sorted(set(codes)),
        by,
    )


async def delete_clinic_codes(tx: Transaction, *, network_id: UUID, clinic_id: UUID) -> bool:
    deleted = await tx.fetchval(
        "DELETE FROM clinic_approved_lists WHERE network_id = $1 AND clinic_id = $2 RETURNING true",
        network_id,
        clinic_id,
    )
    return bool(deleted)


# ---------------------------------------------------------------------------------------------
# Blends (versioned: a version is never changed)

_BLEND_COLUMNS = """b.id, b.current_version, b.demo, b.created_at AS first_created_at,
    v.version, v.name, v.indication, v.areas, v.components, v.created_at, v.created_by"""


def blend_of(row: Row) -> Blend:
    return Blend(
        name=row["name"],
        indication=Indication(row["indication"]),
        areas=tuple(row["areas"]),
        components=components_of(row["components"]),
    )


def components_of(stored: list[dict[str, str]]) -> tuple[PlannedComponent, ...]:
    return tuple(
        PlannedComponent(c["ingredient_code"], Decimal(c["amount"]) if c["amount"] else None)
        for c in stored
    )


def _stored_components(blend: Blend) -> list[dict[str, str | None]]:
    return [
        {
            "ingredient_code": c.ingredient_code,
            "amount": None if c.amount is None else str(c.amount),
        }
        for c in blend.components
    ]


async def insert_blend(
    tx: Transaction, *, id: UUID, network_id: UUID, blend: Blend, by: str, demo: bool = False
) -> Row | None:
    """Version 1 of a new blend; None when that id exists already."""
    created = await tx.fetchval(
        """INSERT INTO blends (id, network_id, current_version, demo) VALUES ($1, $2, 1, $3)
           ON CONFLICT DO NOTHING RETURNING true""",
        id,
        network_id,
        demo,
    )
    if not created:
        return None
    await _insert_version(tx, id=id, network_id=network_id, version=1, blend=blend, by=by)
    return await get_blend(tx, network_id=network_id, id=id)


async def add_blend_version(
    tx: Transaction, *, network_id: UUID, id: UUID, blend: Blend, by: str
) -> Row | None:
    """The next version of an existing blend; None when the network has no such blend."""
    version = await tx.fetchval(
        """UPDATE blends SET current_version = current_version + 1
           WHERE network_id = $1 AND id = $2 RETURNING current_version""",
        network_id,
        id,
    )
    if version is None:
        return None
    await _insert_version(tx, id=id, network_id=network_id, version=version, blend=blend, by=by)
    return await get_blend(tx, network_id=network_id, id=id)


async def _insert_version(
    tx: Transaction, *, id: UUID, network_id: UUID, version: int, blend: Blend, by: str
) -> None:
    await tx.execute(
        """INSERT INTO blend_versions
               (blend_id, version, network_id, name, indication, areas, components, created_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)""",
        id,
        version,
        network_id,
        blend.name,
        str(blend.indication),
        list(blend.areas),
        _stored_components(blend),
        by,
    )


async def get_blend(
    tx: Transaction, *, network_id: UUID, id: UUID, version: int | None = None
) -> Row | None:
    """A version of a blend (the current one when `version` is None)."""
    return await tx.fetchrow(
        f"""SELECT {_BLEND_COLUMNS} FROM blends b
            JOIN blend_versions v ON v.blend_id = b.id
            WHERE b.network_id = $1 AND b.id = $2
              AND v.version = coalesce($3::int, b.current_version)""",
        network_id,
        id,
        version,
    )


async def list_blends(
    tx: Transaction,
    *,
    network_id: UUID,
    after: UUID | None,
    limit: int,
    indication: str | None = None,
) -> list[Row]:
    return await tx.fetch(
        f"""SELECT {_BLEND_COLUMNS} FROM blends b
            JOIN blend_versions v ON v.blend_id = b.id AND v.version = b.current_version
            WHERE b.network_id = $1 AND ($2::uuid IS NULL OR b.id > $2)
              AND ($3::text IS NULL OR v.indication = $3)
            ORDER BY b.id LIMIT $4""",
        network_id,
        after,
        indication,
        limit,
    )


async def list_blend_versions(tx: Transaction, *, network_id: UUID, id: UUID) -> list[Row]:
    return await tx.fetch(
        f"""SELECT {_BLEND_COLUMNS} FROM blends b
            JOIN blend_versions v ON v.blend_id = b.id
            WHERE b.network_id = $1 AND b.id = $2 ORDER BY v.version""",
        network_id,
        id,
    )


async def blend_names(tx: Transaction, *, network_id: UUID) -> set[str]:
    rows = await tx.fetch(
        """SELECT v.name FROM blends b
           JOIN blend_versions v ON v.blend_id = b.id AND v.version = b.current_version
           WHERE b.network_id = $1""",
        network_id,
    )
    return {r["name"] for r in rows}


# ---------------------------------------------------------------------------------------------
# Lots


def lot_of(row: Row) -> Lot:
    return Lot(
        lot_number=row["lot_number"],
        ingredient_code=row["ingredient_code"],
        expires_on=row["expires_on"],
        status=LotStatus(row["status"]),
        supplier=row["supplier"],
    )


async def insert_lot(
    tx: Transaction,
    *,
    id: UUID,
    network_id: UUID,
    lot: Lot,
    supplier: str,
    by: str,
    demo: bool = False,
) -> Row | None:
    """The new lot, or None when the network already has a lot with that number."""
    return await tx.fetchrow(
        """INSERT INTO lots (id, network_id, ingredient_code, supplier, lot_number, expires_on,
               received_by, demo)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING RETURNING *""",
        id,
        network_id,
        lot.ingredient_code,
        supplier,
        lot.lot_number,
        lot.expires_on,
        by,
        demo,
    )


async def get_lot(
    tx: Transaction, *, network_id: UUID, id: UUID, for_update: bool = False
) -> Row | None:
    lock = " FOR UPDATE" if for_update else ""
    return await tx.fetchrow(
        f"SELECT * FROM lots WHERE network_id = $1 AND id = $2{lock}", network_id, id
    )


async def lots_by_number(
    tx: Transaction, *, network_id: UUID, numbers: Sequence[str]
) -> dict[str, Row]:
    rows = await tx.fetch(
        "SELECT * FROM lots WHERE network_id = $1 AND lot_number = ANY($2::text[])",
        network_id,
        list(numbers),
    )
    return {r["lot_number"]: r for r in rows}


async def lock_lot_by_number(tx: Transaction, *, network_id: UUID, lot_number: str) -> Row | None:
    """The lot, share-locked so that a recall running at the same time waits for this writer."""
    return await tx.fetchrow(
        "SELECT * FROM lots WHERE network_id = $1 AND lot_number = $2 FOR SHARE",
        network_id,
        lot_number,
    )


async def list_lots(
    tx: Transaction,
    *,
    network_id: UUID,
    after: tuple[str, UUID] | None,
    limit: int,
    ingredient_code: str | None = None,
    status: str | None = None,
    lot_number: str | None = None,
) -> list[Row]:
    after_number, after_id = after if after else (None, None)
    return await tx.fetch(
        """SELECT * FROM lots
           WHERE network_id = $1
             AND ($2::text IS NULL OR (lot_number, id) > ($2, $3::uuid))
             AND ($4::text IS NULL OR ingredient_code = $4)
             AND ($5::text IS NULL OR status = $5)
             AND ($6::text IS NULL OR lot_number = $6)
           ORDER BY lot_number, id LIMIT $7""",
        network_id,
        after_number,
        after_id,
        ingredient_code,
        status,
        lot_number,
        limit,
    )


async def mark_recalled(
    tx: Transaction,
    *,
    network_id: UUID,
    id: UUID,
    reason: str,
    by: str,
    at: datetime,
    exposed_patients: int,
) -> Row:
    return await tx.fetchrow(
        """UPDATE lots SET status = 'recalled', recalled_at = $3, recalled_by = $4,
               recall_reason = $5, exposed_patients = $6
           WHERE network_id = $1 AND id = $2 RETURNING *""",
        network_id,
        id,
        at,
        by,
        reason,
        exposed_patients,
    )


# ---------------------------------------------------------------------------------------------
# The lot ledger


async def record_exposure(
    tx: Transaction,
    *,
    network_id: UUID,
    lot_number: str,
    ingredient_code: str,
    ingredient_name: str,
    amount: Decimal,
    unit: str,
    patient_id: UUID,
    appointment_id: UUID,
    clinic_id: UUID,
    practitioner_id: UUID,
    administered_at: datetime,
    event_id: UUID,
) -> Row | None:
    """The new ledger row, or None when this session's use of the lot is recorded already."""
    return await tx.fetchrow(
        """INSERT INTO lot_exposures (network_id, lot_number, ingredient_code, ingredient_name,
               amount, unit, patient_id, appointment_id, clinic_id, practitioner_id,
               administered_at, event_id)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
           ON CONFLICT DO NOTHING RETURNING *""",
        network_id,
        lot_number,
        ingredient_code,
        ingredient_name,
        amount,
        unit,
        patient_id,
        appointment_id,
        clinic_id,
        practitioner_id,
        administered_at,
        event_id,
    )


async def list_exposures(
    tx: Transaction,
    *,
    network_id: UUID,
    lot_number: str,
    after: tuple[datetime, int] | None,
    limit: int,
) -> list[Row]:
    after_at, after_id = after if after else (None, None)
    return await tx.fetch(
        """SELECT * FROM lot_exposures
           WHERE network_id = $1 AND lot_number = $2
             AND ($3::timestamptz IS NULL OR (administered_at, id) > ($3, $4::bigint))
           ORDER BY administered_at, id LIMIT $5""",
        network_id,
        lot_number,
        after_at,
        after_id,
        limit,
    )


async def exposures_to_notify(tx: Transaction, *, network_id: UUID, lot_number: str) -> list[Row]:
    """Ledger rows of the lot whose patients have not been notified yet, locked."""
    return await tx.fetch(
        """SELECT * FROM lot_exposures
           WHERE network_id = $1 AND lot_number = $2 AND recall_notified_at IS NULL
           ORDER BY administered_at, id FOR UPDATE""",
        network_id,
        lot_number,
    )


async def count_exposed_patients(tx: Transaction, *, network_id: UUID, lot_number: str) -> int:
    return await tx.fetchval(
        "SELECT count(DISTINCT patient_id) FROM lot_exposures "
        "WHERE network_id = $1 AND lot_number = $2",
        network_id,
        lot_number,
    )


async def mark_notified(tx: Transaction, *, ids: Sequence[int], at: datetime) -> None:
    await tx.execute(
        "UPDATE lot_exposures SET recall_notified_at = $2 WHERE id = ANY($1::bigint[])",
        list(ids),
        at,
    )


# ---------------------------------------------------------------------------------------------
# The safety-profile replica


def profile_of(row: Row) -> SafetyProfile:
    return SafetyProfile(
        patient_id=row["patient_id"],
        version=row["version"],
        fitzpatrick_skin_type=row["fitzpatrick_skin_type"],
        allergies=tuple(
            Allergy(
                code=a["code"],
                reaction=a.get("reaction") or "",
                severity=AllergySeverity(a["severity"]),
                status=AllergyStatus(a.get("status", "active")),
            )
            for a in row["allergies"]
        ),
        conditions=frozenset(row["conditions"]),
        medications=tuple(
            Medication(m["name"], frozenset(m.get("classes", ()))) for m in row["medications"]
        ),
    )


async def get_profile(tx: Transaction, *, network_id: UUID, patient_id: UUID) -> Row | None:
    return await tx.fetchrow(
        "SELECT * FROM safety_profiles WHERE network_id = $1 AND patient_id = $2",
        network_id,
        patient_id,
    )


async def stored_profile_version(
    tx: Transaction, *, network_id: UUID, patient_id: UUID
) -> int | None:
    """The replica's version for the patient, row-locked until the transaction ends."""
    return await tx.fetchval(
        "SELECT version FROM safety_profiles WHERE network_id = $1 AND patient_id = $2 FOR UPDATE",
        network_id,
        patient_id,
    )


async def store_profile(
    tx: Transaction, *, network_id: UUID, profile: SafetyProfile, event_id: UUID
) -> bool:
    """Keep `profile` unless a version at least as new is stored (guards concurrent writers)."""
    stored = await tx.fetchval(
        """INSERT INTO safety_profiles (network_id, patient_id, version, fitzpatrick_skin_type,
               allergies, conditions, medications, event_id)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
           ON CONFLICT (network_id, patient_id) DO UPDATE SET
               version = EXCLUDED.version,
               fitzpatrick_skin_type = EXCLUDED.fitzpatrick_skin_type,
               allergies = EXCLUDED.allergies, conditions = EXCLUDED.conditions,
               medications = EXCLUDED.medications, event_id = EXCLUDED.event_id,
               received_at = now()
           WHERE safety_profiles.version < EXCLUDED.version
           RETURNING true""",
        network_id,
        profile.patient_id,
        profile.version,
        profile.fitzpatrick_skin_type,
        [
            {
                "code": a.code,
                "reaction": a.reaction,
                "severity": str(a.severity),
                "status": str(a.status),
            }
            for a in profile.allergies
        ],
        sorted(profile.conditions),
        [{"name": m.name, "classes": sorted(m.classes)} for m in profile.medications],
        event_id,
    )
    return bool(stored)
