"""Settings: one platform block shared by every service, plus a per-service block with its prefix.

Built in `__main__`/`create_app` and passed down; nothing reads the environment at import time.
"""

from __future__ import annotations

import sys
from typing import Literal, NoReturn, TypeVar
from urllib.parse import urlsplit, urlunsplit
from uuid import UUID

from pydantic import Field, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEVELOPMENT_JWT_SECRET = "mesocare-development-secret-change-me-0123456789"
"""The documented development default; refused outside development and test."""


class PlatformSettings(BaseSettings):
    """The block every service shares (no prefix: these are the well-known names)."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    env: Literal["development", "test", "production"] = Field(
        "development", validation_alias="MESOCARE_ENV"
    )
    log_level: str = Field("INFO", validation_alias="MESOCARE_LOG_LEVEL")
    database_url: str = Field(
        "postgresql://postgres@127.0.0.1:5432/postgres",
        validation_alias="DATABASE_URL",
        description="A PostgreSQL server; each service uses its own database on it.",
    )
    kafka_bootstrap_servers: str = Field(
        "127.0.0.1:9092", validation_alias="KAFKA_BOOTSTRAP_SERVERS"
    )
    kafka_idempotence: bool = Field(
        False,
        validation_alias="KAFKA_IDEMPOTENCE",
        description="Idempotent producer: on for Apache Kafka, off for tansu (unsupported).",
    )
    kafka_session_timeout_ms: int = Field(10_000, validation_alias="KAFKA_SESSION_TIMEOUT_MS")
    kafka_heartbeat_interval_ms: int = Field(3_000, validation_alias="KAFKA_HEARTBEAT_INTERVAL_MS")
    kafka_fetch_max_wait_ms: int = Field(
        500,
        validation_alias="KAFKA_FETCH_MAX_WAIT_MS",
        description=(
            "How long a consumer's fetch may wait for new messages. Apache Kafka answers as "
            "soon as one arrives; tansu holds the fetch for the whole time, so the local stack "
            "asks for 10 ms (else every event waits half of it on average)."
        ),
    )
    otel_traces_exporter: Literal["none", "console", "otlp"] = Field(
        "none", validation_alias="OTEL_TRACES_EXPORTER"
    )
    otel_exporter_otlp_endpoint: str | None = Field(
        None, validation_alias="OTEL_EXPORTER_OTLP_ENDPOINT"
    )
    trace_queries: bool = Field(
        False,
        validation_alias="MESOCARE_TRACE_QUERIES",
        description=(
            "A span for every SQL statement inside traced requests and handlers. Off by "
            "default: each costs about as much CPU as a simple query itself."
        ),
    )
    jwt_secret: str = Field(DEVELOPMENT_JWT_SECRET, validation_alias="MESOCARE_JWT_SECRET")
    jwt_issuer: str = Field("mesocare", validation_alias="MESOCARE_JWT_ISSUER")
    jwt_audience: str = Field("mesocare", validation_alias="MESOCARE_JWT_AUDIENCE")
    jwt_jwks_url: str | None = Field(None, validation_alias="MESOCARE_JWT_JWKS_URL")
    jwt_max_lifetime_seconds: int = Field(
        12 * 3600,
        ge=60,
        validation_alias="MESOCARE_JWT_MAX_LIFETIME_SECONDS",
        description="A token whose exp is further than this after its iat is refused (401), "
        "whoever signed it: a leaked long-lived token is not a key for years",
    )
    cursor_secret: str | None = Field(
        None,
        validation_alias="MESOCARE_CURSOR_SECRET",
        description="Signs pagination cursors (a tampered one is a 400); default: derived from "
        "MESOCARE_JWT_SECRET. Required with MESOCARE_JWT_JWKS_URL, where there is no such secret",
    )
    rate_limit_per_minute: int = Field(
        600,
        ge=1,
        validation_alias="MESOCARE_RATE_LIMIT_PER_MINUTE",
        description="Requests a staff token may make a minute to one service replica (bursts "
        "up to that many); more is a 429 with Retry-After",
    )
    integration_rate_limit_per_minute: int = Field(
        1200,
        ge=1,
        validation_alias="MESOCARE_INTEGRATION_RATE_LIMIT_PER_MINUTE",
        description="The same for an integration client's token: a budget of its own, since a "
        "chain's systems sync in batches",
    )
    max_body_bytes: int = Field(
        1024 * 1024,
        ge=1024,
        validation_alias="MESOCARE_MAX_BODY_BYTES",
        description="A request body larger than this is refused with 413 before it is read",
    )
    public_base_url: str = Field(
        "http://127.0.0.1:8080",
        validation_alias="MESOCARE_PUBLIC_BASE_URL",
        description="The gateway's address as clients reach it: FHIR Bundles' fullUrl and links",
    )
    demo_network_id: UUID | None = Field(
        None,
        validation_alias="MESOCARE_DEMO_NETWORK_ID",
        description="Seed demo data into this network at start (local stack only).",
    )

    @model_validator(mode="after")
    def _no_development_secret_in_production(self) -> PlatformSettings:
        if (
            self.env == "production"
            and self.jwt_jwks_url is None
            and self.jwt_secret == DEVELOPMENT_JWT_SECRET
        ):
            raise ValueError(
                "MESOCARE_JWT_SECRET is the development default; set a real secret "
                "(or MESOCARE_JWT_JWKS_URL) to run with MESOCARE_ENV=production"
            )
        if self.env == "production" and self.demo_network_id is not None:
            raise ValueError("MESOCARE_DEMO_NETWORK_ID seeds demo data; not in production")
        if self.jwt_jwks_url is None and len(self.jwt_secret) < 32:
            raise ValueError("MESOCARE_JWT_SECRET must be at least 32 characters")
        if self.jwt_jwks_url is not None and not self.cursor_secret and self.env == "production":
            raise ValueError(
                "MESOCARE_CURSOR_SECRET must be set with MESOCARE_JWT_JWKS_URL (every replica "
                "signs pagination cursors with it)"
            )
        if self.cursor_secret is not None and len(self.cursor_secret) < 32:
            raise ValueError("MESOCARE_CURSOR_SECRET must be at least 32 characters")
        return self

    def cursor_key(self) -> bytes:
        """The key pagination cursors are signed with, the same on every replica."""
        import hashlib

        secret = self.cursor_secret or f"cursor:{self.jwt_secret}"
        return hashlib.sha256(secret.encode()).digest()


class ServiceSettings(BaseSettings):
    """The per-service block; subclasses set `service` and the env prefix (`BOOKING_`, …)."""

    model_config = SettingsConfigDict(extra="ignore")

    service: str = ""
    host: str = "127.0.0.1"
    port: int = 8000
    database_url: str | None = Field(
        None,
        description="This service's own database and its runtime login; default: "
        "mesocare_<service> on DATABASE_URL",
    )
    migration_database_url: str | None = Field(
        None,
        description="The same database with its owner's login, which applies the migrations "
        "and grants the runtime login its rights; default: the runtime login does it (a "
        "development server where the one login may do everything)",
    )
    db_pool_min: int = 1
    db_pool_max: int = 10
    relay_poll_seconds: float = 1.0
    consumer_max_attempts: int = 3
    platform: PlatformSettings = Field(default_factory=PlatformSettings)

    def dsn(self) -> str:
        """The connection string of this service's own database (its runtime login)."""
        if self.database_url:
            return self.database_url
        return database_on_server(self.platform.database_url, f"mesocare_{self.service}")

    def migration_dsn(self) -> str:
        """The connection string the migrations run with: the owner's, else the runtime one."""
        return self.migration_database_url or self.dsn()


def database_on_server(server_url: str, database: str) -> str:
    """The same server URL with another database name (query string kept, e.g. ?host=/socket)."""
    parts = urlsplit(server_url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + database, parts.query, parts.fragment))


EX_CONFIG = 78
"""sysexits.h: a configuration error. A process refused for its configuration exits with it."""

S = TypeVar("S", bound=BaseSettings)


class ConfigurationError(Exception):
    """One line for an operator: which variable, and what is wrong with it."""


def load_settings(cls: type[S], *, program: str) -> S:
    """The settings from the environment; on a configuration error, one line on stderr naming
    the variable and what is wrong, and exit 78 (EX_CONFIG) — never a stack trace."""
    try:
        return cls()
    except ValidationError as exc:
        refuse(program, ConfigurationError(describe(cls, exc)))


def refuse(program: str, error: BaseException) -> NoReturn:
    print(f"{program}: configuration error: {error}", file=sys.stderr, flush=True)
    raise SystemExit(EX_CONFIG)


def describe(cls: type[BaseSettings], exc: ValidationError) -> str:
    """The first problem of a ValidationError, named by its environment variable."""
    first = exc.errors()[0]
    message = str(first.get("msg", "not valid")).removeprefix("Value error, ")
    # A platform variable fails inside the service block's default factory, as its own model.
    model = PlatformSettings if exc.title == PlatformSettings.__name__ else cls
    variable = _variable(model, tuple(first.get("loc", ())))
    return f"{variable}: {message}" if variable else message


def _variable(cls: type[BaseSettings], loc: tuple[object, ...]) -> str | None:
    """The environment variable behind a field location, e.g. ('port',) → BOOKING_PORT."""
    model: type[BaseSettings] = cls
    for part in loc:
        field = model.model_fields.get(str(part))
        if field is None:
            # Fields read under an alias are located by the alias: the variable itself.
            aliases = {f.validation_alias for f in model.model_fields.values()}
            return str(part) if part in aliases else None
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseSettings):
            model = annotation
            continue
        alias = field.validation_alias
        if isinstance(alias, str):
            return alias
        prefix = str(model.model_config.get("env_prefix") or "")
        return f"{prefix}{part}".upper()
    return None
