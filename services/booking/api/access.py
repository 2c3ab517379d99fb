"""The role dependencies of booking's routes, from the rules in `services.booking.policies`."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from services.booking import policies
from services.booking.policies import require_clinic
from shared.auth import Principal, require_roles

Reader = Annotated[Principal, Depends(require_roles(*policies.READERS))]
Editor = Annotated[Principal, Depends(require_roles(*policies.EDITORS))]
Booker = Annotated[Principal, Depends(require_roles(*policies.BOOKERS))]
FrontDesk = Annotated[Principal, Depends(require_roles(*policies.FRONT_DESK))]
Practitioner = Annotated[Principal, Depends(require_roles(*policies.PRACTITIONERS))]

__all__ = ["Booker", "Editor", "FrontDesk", "Practitioner", "Reader", "require_clinic"]
