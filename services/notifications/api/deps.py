"""What the notifications endpoints ask for besides their parameters: the caller in a role, the
service's notion of now and its settings."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request

from services.notifications import policies
from services.notifications.clock import Clock
from services.notifications.settings import Settings
from shared.auth import Principal, require_roles
from shared.openapi import problem

Staff = Annotated[Principal, Depends(require_roles(*policies.STAFF))]
Admin = Annotated[Principal, Depends(require_roles(*policies.ADMINS))]
WebhookManager = Annotated[Principal, Depends(require_roles(*policies.WEBHOOK_MANAGERS))]
LogReader = Annotated[Principal, Depends(require_roles(*policies.LOG_READERS))]

FORBIDDEN = problem("The token lacks a staff role")
NOT_A_LOG_READER = problem("The token lacks a staff or integration role")
ADMIN_ONLY = problem("Only network admins change this")


async def _now(request: Request) -> datetime:
    clock: Clock = request.app.state.clock
    return clock.now()


async def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


Now = Annotated[datetime, Depends(_now)]
"""The clock's now (tests move it)."""

ServiceSettings = Annotated[Settings, Depends(_settings)]
