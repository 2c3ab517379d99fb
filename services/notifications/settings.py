"""Settings of the notifications service: the platform block plus `NOTIFICATIONS_` options."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="NOTIFICATIONS_", extra="ignore")

    service: str = "notifications"
    port: int = 8004

    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_from: str = "MesoCare <no-reply@mesocare.test>"
    smtp_timeout_seconds: float = 10.0
    sms_url: str | None = Field(
        None, description="The SMS provider's endpoint (POST JSON); unset means no SMS channel"
    )
    sms_timeout_seconds: float = 10.0

    reminder_lead_hours: float = Field(24.0, description="How long before an appointment")
    contraindicated_checkin_after_hours: float = Field(
        4.0,
        gt=0,
        description=(
            "After a session in which something contraindicated was injected (an acknowledged "
            "deviation), the side-effect check-in goes this many hours later instead of about a "
            "day; quiet hours still hold it"
        ),
    )
    default_network_name: str = "MesoCare"

    worker_enabled: bool = True
    worker_poll_seconds: float = Field(1.0, description="Fallback poll when no NOTIFY arrives")
    worker_batch_size: int = 20
    worker_concurrency: int = 10
    max_attempts: int = 8
    sending_lease_seconds: float = Field(
        300.0,
        description=(
            "A message left in `sending` this long (the worker stopped mid-send) is recorded as "
            "failed with an unknown outcome instead of being sent again"
        ),
    )
    unknown_recipient_grace_seconds: float = Field(
        300.0,
        description=(
            "How long a message waits for its recipient's contact data to arrive (events from "
            "other services may come later) before it is recorded as skipped"
        ),
    )

    webhook_concurrency: int = Field(
        32, ge=1, description="Webhook deliveries being sent at once, across all endpoints"
    )
    webhook_endpoint_concurrency: int = Field(
        4,
        ge=1,
        description=(
            "Deliveries being sent at once to one endpoint: a slow receiver holds no more, so it "
            "never delays the others"
        ),
    )
    webhook_timeout_seconds: float = Field(
        10.0, gt=0, description="A receiver that has not answered in this long failed the attempt"
    )
    webhook_poll_seconds: float = Field(
        1.0, gt=0, description="How often the webhook sender looks for retries falling due"
    )
