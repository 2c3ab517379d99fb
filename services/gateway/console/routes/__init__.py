"""The console's routes: each reads the request, asks one page builder of `pages` for its view
(or sends a form on), and renders it."""

from __future__ import annotations

from fastapi import APIRouter

from services.gateway.console.routes import (
    admin,
    appointments,
    book,
    calendar,
    consultation,
    day,
    feeds,
    formulary,
    integrations,
    messages,
    patients,
    setup,
    sign_in,
    staff,
    webhooks,
)

router = APIRouter(prefix="/console", include_in_schema=False)
# `calendar` before `appointments`: its POST …/move is a page of its own, not one of the
# appointment's actions (`POST /appointments/{id}/{action}`).
for module in (
    sign_in,
    day,
    calendar,
    book,
    appointments,
    consultation,
    patients,
    formulary,
    messages,
    feeds,
    admin,
    staff,
    integrations,
    webhooks,
):
    router.include_router(module.router)
router.include_router(setup.router)
