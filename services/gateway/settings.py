"""Settings of the gateway service: the platform block plus `GATEWAY_`-prefixed options."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore", populate_by_name=True)

    service: str = "gateway"
    port: int = 8080

    # Tokens issued at POST /auth/token.
    token_ttl_seconds: int = 900

    # The sign-in throttle (docs/gateway.md, "Throttle"): failed attempts count per account (an
    # email or client id) and per (account, address); past the free ones, exponential backoff.
    login_window_seconds: int = Field(86_400, ge=60)
    """How long a failed attempt counts."""
    login_free_failures_per_address: int = Field(5, ge=1)
    """Failed attempts for one account from one address before that address waits for it."""
    login_free_failures_per_account: int = Field(20, ge=1)
    """Failed attempts for one account from all addresses (each address counting at most its
    free ones) before addresses it has not signed in from wait for it."""
    login_backoff_seconds: int = Field(30, ge=1)
    """The first wait; it doubles with each further failure."""
    login_backoff_max_seconds: int = Field(900, ge=1)
    login_known_address_days: int = Field(30, ge=1)
    """How long an address where an account signed in stays exempt from the account's wait."""

    # Which peers may say who the client is (X-Forwarded-For, X-Forwarded-Proto): uvicorn's
    # forwarded_allow_ips, a comma-separated list of addresses and networks ("*" for any). Empty:
    # none, the client is the TCP peer. Set it to the reverse proxy or ingress in front.
    forwarded_allow_ips: str = Field("", validation_alias="FORWARDED_ALLOW_IPS")

    # The services behind /api/<service>/… (local ports of DESIGN §9).
    booking_url: str = "http://127.0.0.1:8001"
    records_url: str = "http://127.0.0.1:8002"
    formulary_url: str = "http://127.0.0.1:8003"
    notifications_url: str = "http://127.0.0.1:8004"
    proxy_connect_timeout_seconds: float = 1.0
    proxy_read_timeout_seconds: float = 10.0
    proxy_keepalive_seconds: float = Field(2.0, gt=0)
    """How long a connection to a service is kept idle for reuse: well under the services'
    uvicorn keep-alive (5 s), so the gateway never sends on a connection the service is closing."""

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
