"""What every records endpoint depends on: the caller, as the audit log names them.

There are no role dependencies here: a refused chart access is itself audited, so the roles are
checked inside the use cases' audited access (`usecases/access.py`, rules in `policies.py`).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from services.records.usecases.access import Caller
from shared.auth import CurrentPrincipal


async def chart_caller(request: Request, who: CurrentPrincipal) -> Caller:
    """The caller, with the id of the request their audit rows name."""
    return Caller(who=who, request_id=getattr(request.state, "request_id", None))


ChartCaller = Annotated[Caller, Depends(chart_caller)]
