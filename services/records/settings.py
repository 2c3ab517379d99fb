"""Settings of the records service: the platform block plus `RECORDS_`-prefixed options."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="RECORDS_", extra="ignore")

    service: str = "records"
    port: int = 8002
