"""Settings of the gateway service: the platform block plus `GATEWAY_`-prefixed options."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")

    service: str = "gateway"
    port: int = 8080
