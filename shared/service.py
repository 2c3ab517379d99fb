"""What every service has in common: app factory, lifespan (pool, migrations, relay, consumer),
probes, metrics, request ids and the problem handlers. Each service's `app.py` calls `build_app`.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any
from uuid import UUID

import asyncpg
from fastapi import APIRouter, FastAPI, Query, Request, Response
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest

from shared import fhir, pagination, telemetry
from shared.auth import RateLimiter, TokenVerifier
from shared.consumer import Consumer, Registry
from shared.db import (
    DatabaseNotUtf8,
    create_pool,
    enforce_row_security,
    ensure_database,
    grant_runtime,
    login_of,
    migrate,
)
from shared.errors import PROBLEM_JSON, Invalid, type_uri
from shared.http import KEEP_ALIVE_SECONDS
from shared.kafka import broker_reachable
from shared.openapi import complete_document
from shared.outbox import Relay
from shared.problems import install_problem_handlers
from shared.settings import ServiceSettings, refuse
from shared.uow import Database, enter_tenant

log = logging.getLogger("mesocare.service")

DEMO_SEED_LOCK_ID = 0x64656D6F  # "demo"

DemoSeeder = Callable[[asyncpg.Connection, UUID], Awaitable[Any]]
Resource = Callable[[FastAPI], contextlib.AbstractAsyncContextManager[Any]]


@dataclass
class ServiceSpec:
    settings: ServiceSettings
    title: str
    description: str
    migrations: Path
    routers: Sequence[APIRouter] = ()
    prefix: str = ""
    """Put before every router's paths (the API version, `/v1`), but a FHIR router's (whose own
    prefix is `/fhir/R4`)."""
    handlers: Registry = field(default_factory=dict)
    version: str = "1.0.0"
    seed_demo: DemoSeeder | None = None
    """Loads this service's share of the demo network (MESOCARE_DEMO_NETWORK_ID) at start."""
    resources: Sequence[Resource] = ()
    """What the service holds for its lifetime besides the platform's (HTTP clients, workers):
    entered once the pool exists, left before the consumer, relay and pool stop."""
    append_only: Sequence[str] = ()
    """Tables the runtime login may only insert into and read (an audit trail)."""


def _freeze_what_was_built() -> None:
    """Keep the objects built at start (modules, models, routes, templates) out of the garbage
    collector's full passes: each pass over all of them stopped the event loop for about 65 ms,
    which showed as the slowest requests and events."""
    gc.collect()
    gc.freeze()


def _seeded_summary(seeded: Any) -> str:
    """What a demo seeder reports, without the rows themselves (the gateway's hold logins)."""
    if isinstance(seeded, list | tuple | set):
        return f"{len(seeded)} new"
    return str(seeded)


class Readiness:
    """Database and broker reachability, checked at most every `ttl` seconds."""

    def __init__(self, pool: asyncpg.Pool, bootstrap: str, ttl: float = 2.0) -> None:
        self.pool, self.bootstrap, self.ttl = pool, bootstrap, ttl
        self._checked_at = 0.0
        self._state: dict[str, bool] = {"database": False, "broker": False}
        self._lock = asyncio.Lock()

    async def state(self) -> dict[str, bool]:
        async with self._lock:
            if time.monotonic() - self._checked_at > self.ttl:
                self._state = {
                    "database": await self._database(),
                    "broker": await broker_reachable(self.bootstrap),
                }
                self._checked_at = time.monotonic()
            return dict(self._state)

    async def _database(self) -> bool:
        try:
            async with asyncio.timeout(2):
                return await self.pool.fetchval("SELECT true")
        except Exception:
            return False


async def migrated_pool(
    settings: ServiceSettings, migrations: Path, *, append_only: Sequence[str] = ()
) -> asyncpg.Pool:
    """The runtime login's pool, once the owner's login has migrated and granted it its rights."""
    dsn, owner_dsn = settings.dsn(), settings.migration_dsn()
    await ensure_database(owner_dsn)
    if owner_dsn != dsn:
        owner = await create_pool(owner_dsn, min_size=1, max_size=1)
        try:
            await migrate(owner, migrations, service=settings.service)
            async with owner.acquire() as conn:
                await enforce_row_security(conn)
                await grant_runtime(conn, role=login_of(dsn), append_only=append_only)
        finally:
            await owner.close()
    pool = await create_pool(dsn, min_size=settings.db_pool_min, max_size=settings.db_pool_max)
    if owner_dsn == dsn:
        await migrate(pool, migrations, service=settings.service)
        async with pool.acquire() as conn:
            await enforce_row_security(conn)
    return pool


def build_app(spec: ServiceSpec) -> FastAPI:
    settings = spec.settings
    name = settings.service
    pagination.use_cursor_key(settings.platform.cursor_key())

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        telemetry.setup(name, settings.platform)
        pool = await migrated_pool(settings, spec.migrations, append_only=spec.append_only)
        demo_network = settings.platform.demo_network_id
        if spec.seed_demo is not None and demo_network is not None:
            async with pool.acquire() as conn, conn.transaction():
                # One replica seeds at a time; the seeders are idempotent.
                await conn.execute("SELECT pg_advisory_xact_lock($1)", DEMO_SEED_LOCK_ID)
                await enter_tenant(conn, demo_network)
                seeded = await spec.seed_demo(conn, demo_network)
            log.info(
                "demo data seeded",
                extra={"network_id": str(demo_network), "seeded": _seeded_summary(seeded)},
            )
        relay = Relay(
            pool=pool,
            platform=settings.platform,
            service=name,
            poll_seconds=settings.relay_poll_seconds,
        )
        consumer = Consumer(
            pool=pool,
            platform=settings.platform,
            group=name,
            handlers=spec.handlers,
            source=f"mesocare/{name}",
            max_attempts=settings.consumer_max_attempts,
        )
        app.state.pool = pool
        app.state.database = Database(pool, source=f"mesocare/{name}")
        app.state.settings = settings
        app.state.verifier = TokenVerifier(settings.platform)
        app.state.rate_limiter = RateLimiter(
            per_minute=settings.platform.rate_limit_per_minute,
            integration_per_minute=settings.platform.integration_rate_limit_per_minute,
        )
        app.state.relay = relay
        app.state.consumer = consumer
        app.state.readiness = Readiness(pool, settings.platform.kafka_bootstrap_servers)
        tasks = [
            asyncio.create_task(relay.run(), name=f"{name}-relay"),
            asyncio.create_task(consumer.run(), name=f"{name}-consumer"),
        ]
        log.info("service started", extra={"port": settings.port})
        try:
            async with contextlib.AsyncExitStack() as held:
                for resource in spec.resources:
                    await held.enter_async_context(resource(app))
                _freeze_what_was_built()
                yield
        finally:
            # Stop taking events, let in-flight handlers finish, flush the relay, then close.
            await consumer.stop()
            await relay.stop()
            _done, pending = await asyncio.wait(tasks, timeout=10)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
            await relay.close()
            await pool.close()
            log.info("service stopped")

    app = FastAPI(
        title=spec.title,
        description=spec.description,
        version=spec.version,
        lifespan=lifespan,
        # Server spans and the duration histogram come from RequestContext, not FastAPI's own.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    install_problem_handlers(app)
    complete_document(app)
    _install_probes(app)
    for router in spec.routers:
        app.include_router(router, prefix=_prefix_of(router, spec))
    app.add_middleware(BodyLimit, max_bytes=settings.platform.max_body_bytes)
    _install_request_context(app, spec)
    return app


def _prefix_of(router: APIRouter, spec: ServiceSpec) -> str:
    """The API version's prefix, except for a FHIR router: FHIR's paths are its own
    (`/fhir/R4/...`, the router's own prefix)."""
    return "" if fhir.is_fhir_path(router.prefix) else spec.prefix


def _install_request_context(app: FastAPI, spec: ServiceSpec) -> None:
    templates = {
        id(route): _prefix_of(router, spec) + route.path_format
        for router in spec.routers
        for route in router.routes
        if isinstance(route, APIRoute)
    }
    app.add_middleware(RequestContext, templates=templates)


class BodyLimit:
    """A request body over `max_bytes` is answered 413 (problem+json) before it is read in full:
    at once when its Content-Length says so, else as soon as the bytes received pass the limit
    (the app then sees the client gone, and whatever it would still send is dropped)."""

    def __init__(self, app: Any, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(send, scope["path"])
            return
        received = 0
        refused = False

        async def limited_receive() -> Any:
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    refused = True
                    await self._refuse(send, scope["path"])
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Any) -> None:
            if not refused:
                await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except Exception:
            if not refused:
                raise
            # The app saw the client go away mid-body (Starlette's ClientDisconnect): answered.

    async def _refuse(self, send: Any, path: str) -> None:
        body = json.dumps(
            {
                "type": type_uri("body-too-large"),
                "title": "Request body too large",
                "status": 413,
                "detail": f"Request bodies are limited to {self.max_bytes} bytes.",
                "instance": path,
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", PROBLEM_JSON.encode()),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


class RequestContext:
    """What every request gets, in one plain ASGI layer: its id (`X-Request-ID`, the caller's
    or a new one), a SERVER span (child of the caller's `traceparent`, current while the request
    runs), the `http.server.request.duration` histogram by route template, and one log line.

    One layer rather than FastAPI's telemetry plus an `@app.middleware("http")` wrapper: those
    cost more than the rest of a one-query request (a task and streams per request, the whole
    middleware stack walked again per request). Probes and scrapes get only the id.
    """

    def __init__(self, app: Any, templates: dict[int, str]) -> None:
        self.app = app
        self.templates = templates
        self.tracer = telemetry.tracer("mesocare.http")
        self.duration = telemetry.meter("mesocare.http").create_histogram(
            "http.server.request.duration",
            unit="s",
            description="Duration of HTTP server requests, by route template",
            explicit_bucket_boundaries_advisory=DURATION_BUCKETS,
        )

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        rid = headers.get(b"x-request-id", b"").decode("latin-1") or str(uuid.uuid4())
        scope.setdefault("state", {})["request_id"] = rid
        rid_token = telemetry.request_id_var.set(rid)
        status = 500

        async def send_with_id(message: Any) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                extra = (b"x-request-id", rid.encode("latin-1"))
                message = {**message, "headers": [*message.get("headers", ()), extra]}
            await send(message)

        if scope["path"] in UNTRACED_PATHS:
            try:
                await self.app(scope, receive, send_with_id)
            finally:
                telemetry.request_id_var.reset(rid_token)
            return
        method = scope["method"]
        span = self.tracer.start_span(
            method,
            context=telemetry.context_from(headers.get(b"traceparent"), headers.get(b"tracestate")),
            kind=SpanKind.SERVER,
            attributes={
                "http.request.method": method,
                "url.path": telemetry.scrub_path(scope["path"]),
            },
        )
        span_token = otel_context.attach(trace.set_span_in_context(span))
        started = time.perf_counter()
        error: BaseException | None = None
        try:
            await self.app(scope, receive, send_with_id)
        except BaseException as exc:
            error = exc
            raise
        finally:
            seconds = time.perf_counter() - started
            route = self.templates.get(id(scope.get("route")))
            labels = {"http.request.method": method, "http.response.status_code": status}
            if route is not None:
                labels["http.route"] = route
                span.update_name(f"{method} {route}")
            span.set_attributes(labels)
            if error is not None or status >= 500:
                span.set_status(Status(StatusCode.ERROR))
                span.set_attribute("error.type", type(error).__name__ if error else str(status))
            self.duration.record(seconds, labels)
            _log_request(scope, method, route, status, seconds)
            otel_context.detach(span_token)
            span.end()
            telemetry.request_id_var.reset(rid_token)


ReadinessChecks = Annotated[
    str,
    Query(
        description="Comma-separated: `database`, `broker`",
        pattern=r"^\s*(?:(?:database|broker)\s*)?(?:,\s*(?:(?:database|broker)\s*)?)*$",
    ),
]

UNTRACED_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10]


def _log_request(scope: Any, method: str, route: str | None, status: int, seconds: float) -> None:
    """One line per request, by route template: ids stay out, and so do query and body."""
    where = {"route": route} if route else {"path": scope["path"]}
    log.info(
        "request",
        extra={
            "method": method,
            **where,
            "status": status,
            "duration_ms": round(seconds * 1000, 1),
        },
    )


def _install_probes(app: FastAPI) -> None:
    probes = APIRouter(tags=["operations"])

    @probes.get("/healthz", summary="Liveness: the process is up")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @probes.get(
        "/readyz",
        summary="Readiness: database and broker reachable",
        description=(
            "200 when every requested check passes, else 503. `checks` narrows what is "
            "required (e.g. `?checks=database` for a load balancer: with the broker down, "
            "writes still succeed into the outbox, so the service can keep taking traffic)."
        ),
        responses={503: {"description": "A required check failed"}},
    )
    async def readyz(request: Request, checks: ReadinessChecks = "database,broker") -> JSONResponse:
        state = await request.app.state.readiness.state()
        required = [c.strip() for c in checks.split(",") if c.strip()]
        unknown = sorted(set(required) - set(state))
        if unknown:
            raise Invalid(f"unknown checks: {', '.join(unknown)}", field="checks")
        ready = all(state[c] for c in required)
        return JSONResponse(
            {"status": "ready" if ready else "unavailable", "checks": state},
            status_code=200 if ready else 503,
        )

    @probes.get("/metrics", summary="Prometheus metrics", response_class=Response)
    async def metrics() -> Response:
        return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)

    app.include_router(probes)


def serve(app: FastAPI, settings: ServiceSettings) -> None:
    """Run one service process: uvicorn handles SIGINT/SIGTERM and then runs the lifespan exit.

    Its database is checked first: one in another encoding than UTF-8 is refused with one line
    and exit 78 (a configuration error), before anything is written to it.
    """
    import uvicorn

    try:
        asyncio.run(ensure_database(settings.migration_dsn()))
    except DatabaseNotUtf8 as exc:
        refuse(settings.service, exc)

    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=10,
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
        lifespan="on",
        # Who the client is: X-Forwarded-For only from the proxies a service names (the
        # gateway's FORWARDED_ALLOW_IPS); the others trust none.
        proxy_headers=True,
        forwarded_allow_ips=getattr(settings, "forwarded_allow_ips", "") or "",
    )
