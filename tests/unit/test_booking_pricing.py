"""Money and price lookup by clinic, treatment type and experience tier."""

from __future__ import annotations

from uuid import uuid4

import pytest

from services.booking.domain import (
    DuplicatePrice,
    ExperienceTier,
    Money,
    Price,
    PriceList,
    PriceNotSet,
)
from shared.errors import Invalid

CLINIC, OTHER_CLINIC, TYPE = uuid4(), uuid4(), uuid4()


def usd(dollars: int) -> Money:
    return Money(dollars * 100, "USD")


class TestMoney:
    def test_amounts_of_one_currency_add_up_in_minor_units(self) -> None:
        assert Money(25_050, "USD") + Money(50, "USD") == Money(25_100, "USD")
        assert usd(250).times(3) == usd(750)

    def test_adding_two_currencies_is_refused(self) -> None:
        with pytest.raises(ValueError, match="EUR"):
            _ = usd(1) + Money(100, "EUR")

    @pytest.mark.parametrize("currency", ["usd", "US", "EURO", ""])
    def test_a_currency_that_is_not_an_iso_4217_code_names_the_field(self, currency: str) -> None:
        with pytest.raises(Invalid) as caught:
            Money(100, currency)
        assert caught.value.extra["errors"][0]["field"] == "currency"

    @pytest.mark.parametrize("amount", [-1, 2.5, True])
    def test_an_amount_that_is_not_a_whole_non_negative_number_is_refused(
        self, amount: object
    ) -> None:
        with pytest.raises(Invalid):
            Money(amount, "USD")  # type: ignore[arg-type]

    def test_a_price_of_zero_is_refused(self) -> None:
        with pytest.raises(Invalid):
            Price(clinic_id=CLINIC, treatment_type_id=TYPE, amount=Money.zero("USD"))


class TestPriceLookup:
    prices = PriceList(
        [
            Price(clinic_id=CLINIC, treatment_type_id=TYPE, amount=usd(300)),
            Price(
                clinic_id=CLINIC,
                treatment_type_id=TYPE,
                amount=usd(450),
                tier=ExperienceTier.expert,
            ),
            Price(clinic_id=OTHER_CLINIC, treatment_type_id=TYPE, amount=usd(600)),
        ]
    )

    def test_a_tier_with_its_own_price_gets_it(self) -> None:
        found = self.prices.lookup(
            clinic_id=CLINIC, treatment_type_id=TYPE, tier=ExperienceTier.expert
        )
        assert found.amount == usd(450)

    def test_a_tier_without_its_own_price_falls_back_to_the_untiered_price(self) -> None:
        found = self.prices.lookup(
            clinic_id=CLINIC, treatment_type_id=TYPE, tier=ExperienceTier.junior
        )
        assert found.amount == usd(300)
        assert found.tier is None

    def test_no_tier_gets_the_untiered_price(self) -> None:
        assert self.prices.lookup(clinic_id=CLINIC, treatment_type_id=TYPE).amount == usd(300)

    def test_each_clinic_has_its_own_price(self) -> None:
        found = self.prices.lookup(clinic_id=OTHER_CLINIC, treatment_type_id=TYPE)
        assert found.amount == usd(600)

    def test_an_unpriced_treatment_type_is_a_422_price_not_set(self) -> None:
        with pytest.raises(PriceNotSet) as caught:
            self.prices.lookup(clinic_id=CLINIC, treatment_type_id=uuid4())
        assert caught.value.status == 422
        assert caught.value.to_problem()["type"].endswith("/price-not-set")

    def test_only_tiered_prices_do_not_price_a_lookup_without_tier(self) -> None:
        tiered_only = PriceList(
            [
                Price(
                    clinic_id=CLINIC,
                    treatment_type_id=TYPE,
                    amount=usd(400),
                    tier=ExperienceTier.senior,
                )
            ]
        )
        with pytest.raises(PriceNotSet):
            tiered_only.lookup(clinic_id=CLINIC, treatment_type_id=TYPE)


class TestPriceListIntegrity:
    def test_two_prices_for_the_same_clinic_type_and_tier_are_a_409(self) -> None:
        twice = Price(clinic_id=CLINIC, treatment_type_id=TYPE, amount=usd(300))
        with pytest.raises(DuplicatePrice) as caught:
            PriceList([twice, twice])
        assert caught.value.status == 409

    def test_one_clinic_prices_in_one_currency(self) -> None:
        with pytest.raises(Invalid) as caught:
            PriceList(
                [
                    Price(clinic_id=CLINIC, treatment_type_id=TYPE, amount=usd(300)),
                    Price(
                        clinic_id=CLINIC,
                        treatment_type_id=uuid4(),
                        amount=Money(30_000, "EUR"),
                    ),
                ]
            )
        assert caught.value.extra["errors"][0]["field"] == "currency"
