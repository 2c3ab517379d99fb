"""The role dependencies of formulary's routes, from the rules in `services.formulary.policies`."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from services.formulary import policies
from shared.auth import Principal, require_roles

Admin = Annotated[Principal, Depends(require_roles(*policies.ADMINS))]
"""Catalog changes and recalls: the network admin only."""

Reader = Annotated[Principal, Depends(require_roles(*policies.READERS))]
"""Reading the catalog and running cross-checks: every staff role and integrations."""
