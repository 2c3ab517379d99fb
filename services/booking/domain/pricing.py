"""Money and prices per clinic, treatment type and (optionally) practitioner experience tier.

Money is an integer amount of the currency's minor unit (cents) with its ISO 4217 code, never a
float. A clinic may price a treatment type once for everyone (untiered) and override it per
experience tier; a lookup for a tier without its own price falls back to the untiered one. A
lookup with no tier takes the untiered price only: there is no rule to pick among tiers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID

from shared.errors import Invalid

from .errors import DuplicatePrice, PriceNotSet

_CURRENCY = re.compile(r"[A-Z]{3}")


@dataclass(frozen=True, slots=True, order=False)
class Money:
    amount_minor: int
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.currency, str) or not _CURRENCY.fullmatch(self.currency):
            raise Invalid("currency is an ISO 4217 code such as EUR.", field="currency")
        if isinstance(self.amount_minor, bool) or not isinstance(self.amount_minor, int):
            raise Invalid("amount_minor is an integer number of minor units.", field="amount_minor")
        if self.amount_minor < 0:
            raise Invalid("amount_minor is not negative.", field="amount_minor")

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(0, currency)

    def __add__(self, other: Money) -> Money:
        if other.currency != self.currency:
            raise ValueError(f"cannot add {other.currency} to {self.currency}")
        return Money(self.amount_minor + other.amount_minor, self.currency)

    def times(self, count: int) -> Money:
        """This amount `count` times (count ≥ 0)."""
        if count < 0:
            raise ValueError("count must not be negative")
        return Money(self.amount_minor * count, self.currency)


class ExperienceTier(StrEnum):
    junior = "junior"
    senior = "senior"
    expert = "expert"


@dataclass(frozen=True, slots=True, kw_only=True)
class Price:
    """What one session of a treatment type costs at a clinic (for one tier, or for all)."""

    clinic_id: UUID
    treatment_type_id: UUID
    amount: Money
    tier: ExperienceTier | None = None

    def __post_init__(self) -> None:
        if self.amount.amount_minor <= 0:
            raise Invalid("A price is more than zero.", field="amount_minor")


class PriceList:
    """A network's prices, looked up by clinic, treatment type and optional experience tier."""

    def __init__(self, prices: Iterable[Price]) -> None:
        self._prices: dict[tuple[UUID, UUID, ExperienceTier | None], Price] = {}
        currencies: dict[UUID, str] = {}
        for price in prices:
            key = (price.clinic_id, price.treatment_type_id, price.tier)
            if key in self._prices:
                raise DuplicatePrice(
                    f"Clinic {price.clinic_id} already prices treatment type "
                    f"{price.treatment_type_id} for {price.tier or 'all tiers'}."
                )
            known = currencies.setdefault(price.clinic_id, price.amount.currency)
            if known != price.amount.currency:
                raise Invalid(
                    f"Clinic {price.clinic_id} prices in {known}, not {price.amount.currency}.",
                    field="currency",
                )
            self._prices[key] = price

    def lookup(
        self, *, clinic_id: UUID, treatment_type_id: UUID, tier: ExperienceTier | None = None
    ) -> Price:
        """The tier's price, else the untiered price; PriceNotSet (422) when neither exists."""
        if tier is not None and (price := self._prices.get((clinic_id, treatment_type_id, tier))):
            return price
        if price := self._prices.get((clinic_id, treatment_type_id, None)):
            return price
        raise PriceNotSet(
            f"Clinic {clinic_id} has no price for treatment type {treatment_type_id}"
            + (f" (tier {tier.value} or untiered)." if tier is not None else " (untiered).")
        )


def session_price(
    prices: Iterable[Price],
    *,
    clinic_id: UUID,
    treatment_type_id: UUID,
    tier: ExperienceTier | None,
) -> Money | None:
    """What one session costs: the tier's price, else the untiered one; None when neither is set."""
    try:
        return (
            PriceList(prices)
            .lookup(clinic_id=clinic_id, treatment_type_id=treatment_type_id, tier=tier)
            .amount
        )
    except PriceNotSet:
        return None
