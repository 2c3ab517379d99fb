"""The whole system on one machine: PostgreSQL, broker, SMTP sink and the five services.

Used by `make run` (`python -m devstack run`) and by the end-to-end tests. Every process is
started in its own session so that Ctrl-C reaches only this runner, which then stops the services
first (so they flush their outbox relays), then the SMTP sink, the broker and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil

from devstack.broker import TANSU_FETCH_MAX_WAIT_MS, Tansu
from devstack.ports import port_open, wait_for_port
from devstack.postgres import EmbeddedPostgres, stop_stale_server
from shared.demo import DEMO_NETWORK_ID
from shared.provision import Logins, provision

SERVICES: dict[str, int] = {
    "booking": 8001,
    "records": 8002,
    "formulary": 8003,
    "notifications": 8004,
    "gateway": 8080,
}


@dataclass
class StackConfig:
    root: Path
    ports: dict[str, int] = field(default_factory=lambda: dict(SERVICES))
    pg_port: int = 55432
    kafka_port: int = 19092
    smtp_port: int = 2525
    sms_port: int = 2526
    database_url: str | None = None
    """An external PostgreSQL server; None starts the embedded one."""
    kafka_bootstrap: str | None = None
    """An external broker; None starts tansu."""
    kafka_advertised_port: int | None = None
    """tansu listens on `kafka_port` but advertises this port, where a proxy in front of it
    listens (devstack.kafka_proxy; `make chaos`): every client then goes through the proxy."""
    durable: bool = True
    seed_demo: bool = True
    """Load the demo network through the services' APIs once they are ready."""
    extra_env: dict[str, str] = field(default_factory=dict)
    databases: str | None = None
    """Name the databases mesocare_<databases>_<service> (several stacks on one server)."""

    @classmethod
    def from_environment(cls, root: Path) -> StackConfig:
        env = os.environ
        ports = {
            name: int(env.get(f"{name.upper()}_PORT", default))
            for name, default in SERVICES.items()
        }
        return cls(
            root=root,
            ports=ports,
            pg_port=int(env.get("MESOCARE_PG_PORT", 55432)),
            kafka_port=int(env.get("MESOCARE_KAFKA_PORT", 19092)),
            smtp_port=int(env.get("MESOCARE_SMTP_PORT", 2525)),
            sms_port=int(env.get("MESOCARE_SMS_PORT", 2526)),
            database_url=env.get("DATABASE_URL"),
            kafka_bootstrap=env.get("KAFKA_BOOTSTRAP_SERVERS"),
        )


class StackError(RuntimeError):
    pass


async def provision_all(admin_url: str, namespace: str | None = None) -> dict[str, Logins]:
    """Each service's database and logins, with passwords new at every start."""
    import secrets

    return {
        name: await provision(
            admin_url,
            f"{namespace}_{name}" if namespace else name,
            owner_password=secrets.token_urlsafe(24),
            runtime_password=secrets.token_urlsafe(24),
        )
        for name in SERVICES
    }


class LocalStack:
    def __init__(self, config: StackConfig) -> None:
        self.config = config
        self.root = config.root
        self.logs = self.root / "logs"
        self.postgres: EmbeddedPostgres | None = None
        self.broker: Tansu | None = None
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self._commands: dict[str, tuple[list[str], dict[str, str] | None]] = {}
        self.database_url = config.database_url or ""
        self.kafka_bootstrap = config.kafka_bootstrap or ""
        self.logins: dict[str, Logins] = {}

    # -- lifecycle -------------------------------------------------------------------------

    def start(self, say: Callable[[str], None] = print) -> None:
        self.logs.mkdir(parents=True, exist_ok=True)
        for name in stop_leftovers(self.root):
            say(f"• stopped {name}, left running by an earlier run")
        if not self.config.database_url and stop_stale_server(self.root / "pgdata"):
            say("• stopped PostgreSQL, left running by an earlier run")
        self._check_ports_free()
        if not self.database_url:
            say(f"• PostgreSQL (embedded) on 127.0.0.1:{self.config.pg_port}")
            self.postgres = EmbeddedPostgres(
                self.root / "pgdata", port=self.config.pg_port, durable=self.config.durable
            )
            self.postgres.start()
            self.database_url = self.postgres.url
        else:
            say("• PostgreSQL: external (DATABASE_URL)")
        if not self.kafka_bootstrap:
            say(f"• Kafka-protocol broker (tansu) on 127.0.0.1:{self.config.kafka_port}")
            self.broker = Tansu(
                port=self.config.kafka_port,
                log_path=self.logs / "tansu.log",
                advertised_port=self.config.kafka_advertised_port,
            )
            self.broker.start()
            self._remember("tansu", self.broker.process)
            self.kafka_bootstrap = self.broker.bootstrap
        else:
            say(f"• Kafka: external ({self.kafka_bootstrap})")
        from shared.kafka import ensure_topics

        asyncio.run(ensure_topics(self.kafka_bootstrap))
        say("• database logins: each service its own runtime login and owner (shared.provision)")
        self.logins = asyncio.run(provision_all(self.database_url, self.config.databases))
        say(f"• SMTP sink on 127.0.0.1:{self.config.smtp_port} (mail kept in {self.root / 'mail'})")
        self._spawn(
            "smtp-sink",
            [
                sys.executable,
                "-m",
                "devstack.smtp_sink",
                "--port",
                str(self.config.smtp_port),
                "--dir",
                str(self.root / "mail"),
            ],
        )
        wait_for_port(self.config.smtp_port, 10)
        say(f"• SMS sink on 127.0.0.1:{self.config.sms_port} (kept in {self.root / 'sms'})")
        self._spawn(
            "sms-sink",
            [
                sys.executable,
                "-m",
                "devstack.sms_sink",
                "--port",
                str(self.config.sms_port),
                "--dir",
                str(self.root / "sms"),
            ],
        )
        wait_for_port(self.config.sms_port, 10)
        for name in SERVICES:
            self._spawn(name, [sys.executable, "-m", f"services.{name}"], env=self.service_env())
        say("• services starting: " + ", ".join(SERVICES))
        self.wait_ready()
        if self.config.seed_demo:
            from devstack.seed import Seeder
            from shared.settings import PlatformSettings

            seeded = Seeder(
                urls={name: self.url(name) for name in SERVICES},
                platform=PlatformSettings(),
                say=say,
            ).run()
            say(f"• demo network ready ({', '.join(f'{v} {k}' for k, v in seeded.items())} new)")

    def service_env(self) -> dict[str, str]:
        # No service gets the superuser's DATABASE_URL: each its own logins, as deployed.
        inherited = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        env = {
            **inherited,
            "MESOCARE_ENV": os.environ.get("MESOCARE_ENV", "development"),
            "KAFKA_BOOTSTRAP_SERVERS": self.kafka_bootstrap,
            "KAFKA_IDEMPOTENCE": os.environ.get(
                "KAFKA_IDEMPOTENCE", "false" if self.broker else "true"
            ),
            "KAFKA_SESSION_TIMEOUT_MS": os.environ.get("KAFKA_SESSION_TIMEOUT_MS", "2000"),
            "KAFKA_HEARTBEAT_INTERVAL_MS": os.environ.get("KAFKA_HEARTBEAT_INTERVAL_MS", "500"),
            "KAFKA_FETCH_MAX_WAIT_MS": os.environ.get(
                "KAFKA_FETCH_MAX_WAIT_MS", str(TANSU_FETCH_MAX_WAIT_MS) if self.broker else "500"
            ),
            "MESOCARE_DEMO_NETWORK_ID": os.environ.get(
                "MESOCARE_DEMO_NETWORK_ID", str(DEMO_NETWORK_ID)
            ),
            "NOTIFICATIONS_SMTP_HOST": "127.0.0.1",
            "NOTIFICATIONS_SMTP_PORT": str(self.config.smtp_port),
            "NOTIFICATIONS_SMS_URL": f"http://127.0.0.1:{self.config.sms_port}/messages",
        }
        for name, logins in self.logins.items():
            env[f"{name.upper()}_DATABASE_URL"] = logins.runtime
            env[f"{name.upper()}_MIGRATION_DATABASE_URL"] = logins.owner
        env.update(self.config.extra_env)
        for name, port in self.config.ports.items():
            env[f"{name.upper()}_PORT"] = str(port)
            for other, other_port in self.config.ports.items():
                if other != name:
                    env[f"{name.upper()}_{other.upper()}_URL"] = f"http://127.0.0.1:{other_port}"
        # Calendar feed URLs name the gateway, wherever this stack put it.
        if "gateway" in self.config.ports:
            env.setdefault("BOOKING_PUBLIC_BASE_URL", self.url("gateway"))
        return env

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.config.ports[service]}"

    def wait_ready(self, timeout: float = 90.0, only: list[str] | None = None) -> None:
        deadline = time.monotonic() + timeout
        pending = set(only or SERVICES)
        with httpx.Client(timeout=3) as client:
            while pending:
                for name in sorted(pending):
                    proc = self.processes[name]
                    if proc.poll() is not None:
                        log = self.logs / f"{name}.log"
                        raise StackError(
                            f"{name} exited with {proc.returncode} while starting; "
                            f"see {log}\n{tail(log)}"
                        )
                    try:
                        if client.get(self.url(name) + "/readyz").status_code == 200:
                            pending.discard(name)
                    except httpx.HTTPError:
                        pass
                if pending and time.monotonic() > deadline:
                    raise StackError(
                        f"not ready after {timeout:.0f}s: {', '.join(sorted(pending))}"
                    )
                if pending:
                    time.sleep(0.2)

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        """Send `sig` (default SIGKILL) to one process of the stack and reap it."""
        proc = self.processes[name]
        _signal(proc, sig)
        _wait_or_kill(proc, 20)

    def restart(self, name: str, timeout: float = 90.0) -> None:
        """Start one process again as it was started (stopping it first if it still runs) and,
        for a service, wait until it answers /readyz."""
        argv, env = self._commands[name]
        proc = self.processes.get(name)
        if proc is not None and proc.poll() is None:
            _signal(proc, signal.SIGTERM)
            _wait_or_kill(proc, 20)
        self._spawn(name, argv, env=env)
        if name in SERVICES:
            self.wait_ready(timeout, only=[name])

    def stop(self) -> None:
        # Services first so their relays flush while the broker is still there.
        services = [n for n in self.processes if n in SERVICES]
        for name in services:
            _signal(self.processes[name], signal.SIGTERM)
        for name in services:
            _wait_or_kill(self.processes[name], 20)
        for name in [n for n in self.processes if n not in SERVICES]:
            _signal(self.processes[name], signal.SIGTERM)
            _wait_or_kill(self.processes[name], 5)
        self.processes.clear()
        if self.broker is not None:
            self.broker.stop()
        if self.postgres is not None:
            self.postgres.stop()
        (self.root / "pids.json").unlink(missing_ok=True)

    def crashed(self) -> str | None:
        for name, proc in self.processes.items():
            if proc.poll() is not None:
                return name
        return None

    # -- internals -------------------------------------------------------------------------

    def _check_ports_free(self) -> None:
        wanted = dict(self.config.ports)
        wanted["smtp sink"] = self.config.smtp_port
        wanted["sms sink"] = self.config.sms_port
        if not self.config.database_url:
            wanted["postgres"] = self.config.pg_port
        if not self.config.kafka_bootstrap:
            wanted["broker"] = self.config.kafka_port
        busy = [f"{name} ({port})" for name, port in wanted.items() if port_open(port)]
        if busy:
            raise StackError(
                "ports already in use: " + ", ".join(busy) + ". Stop whatever holds them or set "
                "<SERVICE>_PORT / MESOCARE_PG_PORT / MESOCARE_KAFKA_PORT / MESOCARE_SMTP_PORT."
            )

    def _spawn(self, name: str, argv: list[str], env: dict[str, str] | None = None) -> None:
        log = (self.logs / f"{name}.log").open("ab")
        proc = subprocess.Popen(
            argv,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
            cwd=Path(__file__).resolve().parent.parent,
        )
        self.processes[name] = proc
        self._commands[name] = (argv, env)
        self._remember(name, proc)

    def _remember(self, name: str, proc: subprocess.Popen[bytes] | None) -> None:
        if proc is None:
            return
        path = self.root / "pids.json"
        known = json.loads(path.read_text()) if path.exists() else {}
        known[name] = proc.pid
        path.write_text(json.dumps(known))


def stop_leftovers(root: Path) -> list[str]:
    """Stop processes a killed earlier run left behind (recorded in pids.json)."""
    path = root / "pids.json"
    if not path.exists():
        return []
    stopped = []
    for name, pid in json.loads(path.read_text()).items():
        try:
            proc = psutil.Process(pid)
            cmd = " ".join(proc.cmdline())
        except psutil.Error:
            continue
        if "devstack" in cmd or "services." in cmd or "tansu" in cmd:
            proc.terminate()
            try:
                proc.wait(10)
            except psutil.TimeoutExpired:
                proc.kill()
            stopped.append(name)
    path.unlink(missing_ok=True)
    return stopped


def _signal(proc: subprocess.Popen[bytes], sig: int) -> None:
    if proc.poll() is None:
        proc.send_signal(sig)


def _wait_or_kill(proc: subprocess.Popen[bytes], timeout: float) -> None:
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


def tail(path: Path, lines: int = 15) -> str:
    if not path.exists():
        return ""
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
