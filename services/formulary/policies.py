"""Who may do what in formulary, in one place: the roles of each kind of action, clinic scope."""

from __future__ import annotations

from uuid import UUID

from shared import vocabulary
from shared.auth import ROLES, Principal
from shared.errors import Forbidden

READERS = ROLES
"""Reading the catalog and running cross-checks: every staff role and integrations."""

ADMINS = vocabulary.FORMULARY_ADMINS
"""Catalog changes, approved lists, blends, receiving lots and recalls (DESIGN §5)."""


def require_clinic(who: Principal, clinic_id: UUID) -> None:
    """Forbidden (403) unless the token's clinic scope includes `clinic_id`."""
    if not who.may_act_in(clinic_id):
        raise Forbidden("Your token does not cover that clinic.")
