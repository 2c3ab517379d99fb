"""The Admin area's index: the sections the signed-in role may use."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.gateway.console.pages import admin
from services.gateway.console.rendering import render
from services.gateway.console.sessions import CurrentStaff

router = APIRouter(prefix="/admin")


@router.get("")
async def index(request: Request, staff: CurrentStaff) -> Response:
    return render(request, staff, admin.index(staff))
