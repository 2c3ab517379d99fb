"""Domain errors: 422 problems naming the offending fields (see shared/errors.py)."""

from __future__ import annotations

from shared.errors import Invalid

# ---------------------------------------------------------------------------------------------
# Errors (422 problems naming the offending fields; see shared/errors.py)


class UnknownCode(Invalid):
    """A code the network's catalog does not have."""

    type = "unknown-code"
    title = "Unknown code"


class InvalidPlan(Invalid):
    """A cross-check request that cannot be evaluated as given."""

    type = "invalid-plan"
    title = "Planned treatment is not valid"


class InvalidBlend(Invalid):
    """A blend that may not be saved: every offending field is listed in `errors`."""

    type = "invalid-blend"
    title = "Blend is not valid"


class InvalidCatalogEntry(Invalid):
    """An ingredient or allergen class definition that may not be saved."""

    type = "invalid-catalog-entry"
    title = "Catalog entry is not valid"


class InvalidSafetyProfile(Invalid):
    type = "invalid-safety-profile"
    title = "Safety profile is not valid"


class ExpiredLot(Invalid):
    type = "expired-lot"
    title = "Lot has already expired"


FieldError = dict[str, str]


def _raise_for(errors: list[FieldError], error: type[Invalid]) -> None:
    if errors:
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        raise error(detail, errors=errors)


def _field_error(field_name: str, message: str) -> FieldError:
    return {"field": field_name, "message": message}
