"""`python -m devstack run`: the whole MesoCare system on this machine, until Ctrl-C."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from pathlib import Path

from devstack.stack import LocalStack, StackConfig, StackError
from services.gateway.seeding import DEMO_STAFF
from shared.demo import DEMO_PASSWORD

ROOT = Path(__file__).resolve().parent.parent


def run() -> int:
    config = StackConfig.from_environment(ROOT / ".devstack")
    stack = LocalStack(config)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    started = time.monotonic()
    print("Starting MesoCare…", flush=True)
    try:
        stack.start(say=lambda line: print(line, flush=True))
        print(banner(stack, time.monotonic() - started), flush=True)
        while not stop.wait(1.0):
            crashed = stack.crashed()
            if crashed:
                print(
                    f"\n{crashed} stopped unexpectedly; see {stack.logs / crashed}.log",
                    file=sys.stderr,
                )
                return 1
        return 0
    except (StackError, OSError, TimeoutError, RuntimeError) as exc:
        print(f"\nCould not start MesoCare: {exc}", file=sys.stderr)
        return 1
    finally:
        print("\nStopping MesoCare…", flush=True)
        stack.stop()
        print("Stopped.", flush=True)


def banner(stack: LocalStack, seconds: float) -> str:
    lines = [
        "",
        f"MesoCare is up ({seconds:.1f}s).",
        "",
        f"  Staff console      {stack.url('gateway')}/",
        f"  gateway API        {stack.url('gateway')}/docs",
        f"  AsyncAPI (events)  {stack.url('gateway')}/asyncapi.json",
        f"  FHIR R4            {stack.url('gateway')}/fhir/R4/metadata",
    ]
    for name in ("booking", "records", "formulary", "notifications"):
        lines.append(f"  {name:<18} {stack.url(name)}/docs")
    lines += [
        "",
        f"  PostgreSQL         {stack.database_url}",
        f"  Kafka bootstrap    {stack.kafka_bootstrap}",
        f"  SMTP sink          127.0.0.1:{stack.config.smtp_port} → {stack.root / 'mail'}",
        f"  Logs               {stack.logs}/",
        "",
        f"Demo logins (demo network, password {DEMO_PASSWORD}):",
        *(f"  {email:<34} {', '.join(roles)}" for email, _name, roles in DEMO_STAFF),
        "",
        "Press Ctrl-C to stop everything.",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m devstack")
    parser.add_argument("command", choices=["run"])
    parser.parse_args()
    return run()


if __name__ == "__main__":
    sys.exit(main())
