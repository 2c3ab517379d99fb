"""Settings of the gateway service: the platform block plus `GATEWAY_`-prefixed options."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")

    service: str = "gateway"
    port: int = 8080

    # Tokens issued at POST /auth/token.
    token_ttl_seconds: int = 900

    # Login throttling: failed attempts inside the window, per username (or client id) and per
    # client address. The address limit is higher because a clinic's staff share one address.
    login_window_seconds: int = 300
    login_max_failures_per_username: int = 5
    login_max_failures_per_address: int = 20

    # The services behind /api/<service>/… (local ports of DESIGN §9).
    booking_url: str = "http://127.0.0.1:8001"
    records_url: str = "http://127.0.0.1:8002"
    formulary_url: str = "http://127.0.0.1:8003"
    notifications_url: str = "http://127.0.0.1:8004"
    proxy_connect_timeout_seconds: float = 1.0
    proxy_read_timeout_seconds: float = 10.0

    # The staff console's session (server-side; the cookie holds only a random id).
    session_cookie: str = "mesocare_session"
    session_idle_minutes: int = 60
    session_max_hours: int = 12
    cookie_secure: bool = False
    """Send cookies over HTTPS only; always on with MESOCARE_ENV=production."""

    @property
    def secure_cookies(self) -> bool:
        return self.cookie_secure or self.platform.env == "production"

    def service_urls(self) -> dict[str, str]:
        return {
            "booking": self.booking_url,
            "records": self.records_url,
            "formulary": self.formulary_url,
            "notifications": self.notifications_url,
        }
