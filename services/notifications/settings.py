"""Settings of the notifications service: the platform block plus `NOTIFICATIONS_` options."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="NOTIFICATIONS_", extra="ignore")

    service: str = "notifications"
    port: int = 8004
