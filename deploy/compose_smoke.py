"""`make compose-smoke`: what an operator does with the real docker-compose.yml, checked.

    python deploy/compose_smoke.py [--keep]

Runs against a Docker Engine with Compose v2 (pulling what is missing, as anywhere). Settings for
another broker come only through the environment, never an edited copy of the compose file: e.g.
`KAFKA_IDEMPOTENCE=false KAFKA_FETCH_MAX_WAIT_MS=10 make compose-smoke` for a Kafka-protocol
broker without idempotent producers. Each step prints its duration; the containers' memory is
printed at the end; everything is torn down (volumes included) unless `--keep`.

The steps:
1. `docker compose up --build --wait`;
2. the README's first sign-in: `create-admin` in the gateway's container, then a token;
3. through the gateway only: a clinic, a room, a practitioner with hours, treatment types, an
   ingredient with a lot, a blend, a patient with an accented name allergic to one of the blend's
   ingredients — the cross-check refuses the blend for her; a second patient's consultation and
   treatment held; the confirmation and the aftercare arrive in Mailpit;
4. each service restarted in turn while bookings go on: none lost, none doubled, every
   confirmation sent exactly once;
5. `down`, then `up`: accounts, patients and appointments are still there;
6. each service with `MESOCARE_ENV=production` and no secret exits 78 with one line;
7. the runtime database login is not a superuser and cannot change the audit log or reach
   another service's database.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import httpx

ROOT = Path(__file__).resolve().parent.parent
PROJECT = os.environ.get("COMPOSE_PROJECT_NAME", "mesocare-smoke")
GATEWAY = os.environ.get("SMOKE_GATEWAY_URL", "http://127.0.0.1:8080")
MAILPIT = os.environ.get("SMOKE_MAILPIT_URL", "http://127.0.0.1:8025")
SERVICES = ("booking", "records", "formulary", "notifications", "gateway")
ADMIN_EMAIL = "admin@mesocare-smoke.example.com"
ADMIN_PASSWORD = "smoke-Admin-password-2026"
DOCTOR_EMAIL = "dr.smoke@mesocare-smoke.example.com"
DOCTOR_PASSWORD = "smoke-Doctor-password-2026"
EX_CONFIG = 78
CONFIRMATION = "Your appointment at "
"""How a confirmation's subject begins (services/notifications/templates/en)."""
T = TypeVar("T")


class SmokeFailed(AssertionError):
    """A step did not see what an operator should."""


def check(condition: object, message: str) -> None:
    if not condition:
        raise SmokeFailed(message)


# -- running things ------------------------------------------------------------------------------


def compose(*args: str, check_exit: bool = True, **kw: Any) -> subprocess.CompletedProcess[str]:
    """`docker compose -p <project> …` in the project folder."""
    command = ["docker", "compose", "-p", PROJECT, *args]
    done = subprocess.run(command, cwd=ROOT, text=True, capture_output=True, **kw)
    if check_exit and done.returncode != 0:
        raise SmokeFailed(
            f"{' '.join(command)} exited {done.returncode}:\n{done.stdout[-3000:]}"
            f"\n{done.stderr[-3000:]}"
        )
    return done


@contextmanager
def step(title: str) -> Iterator[None]:
    started = time.monotonic()
    print(f"• {title} …", flush=True)
    try:
        yield
    except BaseException:
        print(f"  ✗ {title} failed after {time.monotonic() - started:.1f} s", flush=True)
        raise
    print(f"  ✓ {title} ({time.monotonic() - started:.1f} s)", flush=True)


def eventually(probe: Callable[[], T | None], *, within: float, what: str) -> T:
    """`probe()` once it gives something truthy, polling; fails naming `what`."""
    deadline = time.monotonic() + within
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = probe()
        except (httpx.HTTPError, SmokeFailed) as exc:
            last = exc
        else:
            if last:
                return last
        time.sleep(0.5)
    raise SmokeFailed(f"{what}: not seen within {within:.0f} s (last: {last!r})")


# -- the API, as a client of the gateway sees it -------------------------------------------------


class Api:
    def __init__(self, token: str) -> None:
        self.client = httpx.Client(
            base_url=GATEWAY, headers={"Authorization": f"Bearer {token}"}, timeout=30
        )

    def call(self, method: str, path: str, expect: int | tuple[int, ...], **kw: Any) -> Any:
        response = self.client.request(method, path, **kw)
        wanted = (expect,) if isinstance(expect, int) else expect
        check(
            response.status_code in wanted,
            f"{method} {path} answered {response.status_code}, not {wanted}: {response.text[:800]}",
        )
        return response.json() if response.content else None

    def post(self, path: str, body: Any, expect: int | tuple[int, ...] = 201, **kw: Any) -> Any:
        return self.call("POST", path, expect, json=body, **kw)

    def get(self, path: str, expect: int = 200, **params: Any) -> Any:
        return self.call("GET", path, expect, params=params)

    def get_all(self, path: str, **params: Any) -> list[Any]:
        """Every item of a paginated list, following `next_cursor` to the end."""
        items: list[Any] = []
        cursor = None
        while True:
            page = self.get(path, **params, limit=200, **({"cursor": cursor} if cursor else {}))
            items += page["items"]
            cursor = page.get("next_cursor")
            if not cursor:
                return items


def token(username: str = ADMIN_EMAIL, password: str = ADMIN_PASSWORD) -> str:
    response = httpx.post(
        f"{GATEWAY}/auth/token",
        data={"grant_type": "password", "username": username, "password": password},
        timeout=30,
    )
    check(response.status_code == 200, f"no token: {response.status_code} {response.text}")
    return str(response.json()["access_token"])


def mail_to(address: str) -> list[dict[str, Any]]:
    """The messages Mailpit holds for `address`, newest first."""
    answer = httpx.get(f"{MAILPIT}/api/v1/messages", params={"limit": 1000}, timeout=10)
    answer.raise_for_status()
    return [
        m
        for m in answer.json().get("messages", [])
        if any(to.get("Address", "").lower() == address.lower() for to in m.get("To") or [])
    ]


# -- the steps -----------------------------------------------------------------------------------


def up() -> None:
    compose("up", "--build", "--wait", "--wait-timeout", "300", "--quiet-pull")


def first_sign_in(network: UUID) -> Api:
    done = compose(
        "exec",
        "-T",
        "-e",
        f"MESOCARE_ADMIN_PASSWORD={ADMIN_PASSWORD}",
        "gateway",
        "python",
        "-m",
        "services.gateway",
        "create-admin",
        "--network-id",
        str(network),
        "--email",
        ADMIN_EMAIL,
    )
    check("Created network admin" in done.stdout, f"create-admin said: {done.stdout}")
    return Api(token())


class Network:
    """What step 3 built, for the steps after it."""

    def __init__(self, api: Api) -> None:
        self.api = api
        self.tz = ZoneInfo("Europe/Paris")
        self.day = date.today() + timedelta(days=7)
        self.slot = 0

    def setup(self) -> None:
        api = self.api
        self.clinic = api.post(
            "/api/booking/v1/clinics",
            {
                "name": "Clinique Smoke",
                "address": "1 rue du Test, Paris",
                "timezone": "Europe/Paris",
                "currency": "EUR",
                "phone": "+33140000000",
                "email": "clinique@smoke.mesocare.test",
            },
        )
        self.room = api.post(f"/api/booking/v1/clinics/{self.clinic['id']}/rooms", {"name": "A"})
        self.practitioner = api.post(
            "/api/booking/v1/practitioners",
            {
                "name": "Dr Hélène Smoke",
                "email": "dr.smoke@smoke.mesocare.test",
                "licence_number": "RPPS-SMOKE-1",
                "licence_expires_on": "2035-12-31",
                "clinic_ids": [self.clinic["id"]],
                "indications": ["skin_rejuvenation"],
                "experience_tier": "senior",
            },
        )
        week = [{"weekday": d, "start": "08:00", "end": "20:00"} for d in range(7)]
        api.call(
            "PUT",
            f"/api/booking/v1/practitioners/{self.practitioner['id']}/clinics/"
            f"{self.clinic['id']}/working-hours",
            200,
            json={"hours": week},
        )
        # The practitioner signs in with an account of their own: only practitioners start and
        # complete sessions.
        api.post(
            "/v1/staff",
            {
                "email": DOCTOR_EMAIL,
                "display_name": "Dr Hélène Smoke",
                "password": DOCTOR_PASSWORD,
                "roles": ["practitioner"],
                "clinic_ids": [self.clinic["id"]],
            },
        )
        self.doctor = Api(token(DOCTOR_EMAIL, DOCTOR_PASSWORD))
        self.consultation = api.post(
            "/api/booking/v1/treatment-types",
            {"name": "Consultation", "kind": "consultation", "indication": "skin_rejuvenation"},
        )
        self.treatment = api.post(
            "/api/booking/v1/treatment-types",
            {
                "name": "Face revitalisation",
                "kind": "treatment",
                "indication": "skin_rejuvenation",
                "areas": ["face"],
            },
        )
        self.formulary()

    def formulary(self) -> None:
        api = self.api
        api.post(
            "/api/formulary/v1/allergen-classes",
            {"code": "compositae", "name": "Asteraceae (Compositae) plant family"},
        )
        for code, name, category, classes, limit, unit in (
            ("hyaluronic_acid", "Hyaluronic acid", "hyaluronic_acid", [], "20", "mg"),
            ("chamomile", "Chamomile extract", "plant_extract", ["compositae"], "1", "ml"),
        ):
            api.post(
                "/api/formulary/v1/ingredients",
                {
                    "code": code,
                    "name": name,
                    "category": category,
                    "allergen_classes": classes,
                    "max_amount_per_session": limit,
                    "unit": unit,
                },
            )
        self.lot = api.post(
            "/api/formulary/v1/lots",
            {
                "ingredient_code": "hyaluronic_acid",
                "supplier": "Smoke Pharma",
                "lot_number": "SMOKE-HA-1",
                "expires_on": (date.today() + timedelta(days=365)).isoformat(),
            },
        )
        self.blend = api.post(
            "/api/formulary/v1/blends",
            {
                "name": "Smoke glow",
                "indication": "skin_rejuvenation",
                "areas": ["face"],
                "components": [
                    {"ingredient_code": "hyaluronic_acid", "amount": "10"},
                    {"ingredient_code": "chamomile", "amount": "0.5"},
                ],
            },
        )

    def patient(self, given: str, family: str, email: str, **extra: Any) -> dict[str, Any]:
        return dict(
            self.api.post(
                "/api/records/v1/patients",
                {
                    "given_name": given,
                    "family_name": family,
                    "email": email,
                    "timezone": "Europe/Paris",
                    "clinic_id": self.clinic["id"],
                    "consents": [
                        {"kind": "treatment", "granted": True, "wording_version": "smoke-1"}
                    ],
                    **extra,
                },
            )
        )

    def next_start(self) -> str:
        """The next free hour on the practitioner's calendar (one room, one an hour)."""
        day, hour = divmod(self.slot, 11)
        self.slot += 1
        local = datetime.combine(self.day + timedelta(days=day), datetime.min.time())
        return local.replace(hour=8 + hour, tzinfo=self.tz).isoformat()

    def booking(self, patient: str, treatment_type: dict[str, Any]) -> dict[str, Any]:
        return {
            "clinic_id": self.clinic["id"],
            "room_id": self.room["id"],
            "practitioner_id": self.practitioner["id"],
            "patient_id": patient,
            "treatment_type_id": treatment_type["id"],
            "start": self.next_start(),
        }

    def act(self, appointment: str, action: str, body: Any = None) -> dict[str, Any]:
        by = self.doctor if action in ("start", "complete") else self.api
        return dict(by.post(f"/api/booking/v1/appointments/{appointment}/{action}", body, 200))


def clinic_day(net: Network) -> dict[str, Any]:
    """Step 3: the refused blend, then a consultation and a treatment held to the end."""
    api = net.api
    amelie = net.patient(
        "Amélie",
        "Durand-Lefèvre",
        "amelie.durand@smoke.mesocare.test",
        declared_allergies=[{"code": "compositae", "reaction": "hives", "severity": "moderate"}],
    )

    def refused() -> dict[str, Any] | None:
        answer = api.post(
            "/api/formulary/v1/cross-checks",
            {"patient_id": amelie["id"], "blend_id": net.blend["id"]},
            200,
        )
        return dict(answer) if answer["verdict"] == "contraindicated" else None

    verdict = eventually(refused, within=60, what="the cross-check refusing the blend for Amélie")
    check(
        any(f["code"] == "allergy.compositae" for f in verdict["findings"]),
        f"the refusal names the Compositae allergy: {verdict}",
    )
    check(api.get(f"/api/records/v1/patients/{amelie['id']}")["given_name"] == "Amélie", "é kept")

    bruno = net.patient("Bruno", "Martin", "bruno.martin@smoke.mesocare.test")
    eventually(
        lambda: (
            api.post(
                "/api/formulary/v1/cross-checks",
                {"patient_id": bruno["id"], "ingredient_codes": ["hyaluronic_acid"]},
                200,
            )["verdict"]
            == "ok"
        ),
        within=60,
        what="formulary holding Bruno's safety profile",
    )
    consultation = api.post(
        "/api/booking/v1/appointments",
        net.booking(bruno["id"], net.consultation),
        headers={"Idempotency-Key": str(uuid4())},
    )
    net.act(consultation["id"], "check-in")
    net.act(consultation["id"], "start", {})
    net.act(consultation["id"], "complete", {})
    treatment = api.post(
        "/api/booking/v1/appointments",
        net.booking(bruno["id"], net.treatment),
        headers={"Idempotency-Key": str(uuid4())},
    )
    net.act(treatment["id"], "check-in")
    net.act(treatment["id"], "start", {"ingredient_codes": ["hyaluronic_acid"]})
    done = net.act(
        treatment["id"],
        "complete",
        {
            "preparation": {"disinfection": "chlorhexidine 0.5%", "numbing_cream": False},
            "ingredients": [
                {
                    "ingredient_code": "hyaluronic_acid",
                    "ingredient_name": "Hyaluronic acid",
                    "lot_number": net.lot["lot_number"],
                    "amount": "10",
                    "unit": "mg",
                }
            ],
        },
    )
    check(done["status"] == "completed", f"the treatment completed: {done['status']}")
    subjects = eventually(
        lambda: _subjects_when(bruno["email"], lambda s: len(s) >= 4),
        within=90,
        what="Bruno's confirmations and aftercare in Mailpit",
    )
    check(any(s.startswith("Your aftercare instructions") for s in subjects), str(subjects))
    return {"amelie": amelie, "bruno": bruno, "treatment": treatment}


def _subjects_when(address: str, enough: Callable[[list[str]], bool]) -> list[str] | None:
    subjects = [str(m.get("Subject", "")) for m in mail_to(address)]
    return subjects if enough(subjects) else None


def restarts_while_booking(net: Network, patient: str) -> int:
    """Step 4: book without pause while each service restarts; returns how many were booked."""
    booked: dict[str, str] = {}
    errors: list[str] = []
    stop = threading.Event()

    def book_until_stopped() -> None:
        while not stop.is_set():
            key = str(uuid4())
            body = net.booking(patient, net.consultation)
            # A client retries with the same key until it is answered: never a second booking.
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                try:
                    answer = net.api.client.post(
                        "/api/booking/v1/appointments", json=body, headers={"Idempotency-Key": key}
                    )
                except httpx.HTTPError:
                    time.sleep(0.5)
                    continue
                if answer.status_code == 201:
                    booked[key] = answer.json()["id"]
                    break
                if answer.status_code in (502, 503, 504):
                    time.sleep(0.5)
                    continue
                if answer.status_code == 429:  # as a well-behaved client: wait, then retry
                    time.sleep(float(answer.headers.get("retry-after", "1")))
                    continue
                errors.append(f"{answer.status_code} {answer.text[:300]}")
                break
            time.sleep(0.1)  # a front desk's pace, not a load test

    worker = threading.Thread(target=book_until_stopped, daemon=True)
    worker.start()
    for service in SERVICES:
        with step(f"restart {service} while booking"):
            compose("restart", service)
            compose("up", "--wait", "--wait-timeout", "180", service)
    stop.set()
    worker.join(180)
    check(not errors, f"bookings refused during the restarts: {errors[:3]}")
    check(len(set(booked.values())) == len(booked), "a retried booking was booked twice")
    mine = net.api.get_all("/api/booking/v1/appointments", patient_id=patient, status="booked")
    check(
        {a["id"] for a in mine} == set(booked.values()),
        f"{len(booked)} bookings answered 201, {len(mine)} are in the calendar",
    )
    return len(booked)


def confirmations_once(address: str, expected: int) -> None:
    def counted() -> int | None:
        confirmations = [
            m for m in mail_to(address) if str(m.get("Subject", "")).startswith(CONFIRMATION)
        ]
        return len(confirmations) if len(confirmations) >= expected else None

    count = eventually(counted, within=120, what=f"{expected} confirmations to {address}")
    check(count == expected, f"{count} confirmations for {expected} bookings")


def survives_down_up(net: Network, built: dict[str, Any]) -> None:
    compose("down")
    up()
    api = Api(token())  # the admin account is still there
    check(
        api.get(f"/api/records/v1/patients/{built['amelie']['id']}")["family_name"]
        == "Durand-Lefèvre",
        "Amélie's chart after down/up",
    )
    appointment = api.get(f"/api/booking/v1/appointments/{built['treatment']['id']}")
    check(appointment["status"] == "completed", f"the treatment after down/up: {appointment}")
    net.api = api


def production_without_secret() -> list[str]:
    lines = []
    for service in SERVICES:
        done = compose(
            "run",
            "--rm",
            "--no-deps",
            "-e",
            "MESOCARE_ENV=production",
            "-e",
            "MESOCARE_JWT_SECRET=",
            service,
            check_exit=False,
        )
        said = [line for line in done.stderr.splitlines() if line.strip()]
        said = [line for line in said if not line.startswith(("Container ", " Container"))]
        check(done.returncode == EX_CONFIG, f"{service} exited {done.returncode}: {done.stderr}")
        check(len(said) == 1 and "MESOCARE_JWT_SECRET" in said[0], f"{service} said: {said}")
        lines.append(f"{service}: {said[0]}")
    return lines


RUNTIME_ROLE_PROBE = """
import asyncio, asyncpg, os
from services.records.settings import Settings

async def main():
    settings = Settings()
    conn = await asyncpg.connect(settings.dsn())
    who = await conn.fetchrow(
        "SELECT current_user AS name, rolsuper, rolbypassrls FROM pg_roles"
        " WHERE rolname = current_user"
    )
    print(
        "login",
        who["name"],
        "superuser" if who["rolsuper"] else "not-superuser",
        "bypassrls" if who["rolbypassrls"] else "no-bypassrls",
    )
    for statement in (
        "UPDATE audit_log SET action = action",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
        "ALTER TABLE audit_log DISABLE TRIGGER ALL",
        "SET session_replication_role = replica",
    ):
        try:
            async with conn.transaction():
                await conn.execute(statement)
            print("allowed", statement)
        except asyncpg.PostgresError as exc:
            print("refused", statement, "|", type(exc).__name__)
    other = settings.dsn().rsplit("/", 1)[0] + "/mesocare_booking"
    try:
        await (await asyncpg.connect(other)).close()
        print("allowed connect mesocare_booking")
    except asyncpg.PostgresError as exc:
        print("refused connect mesocare_booking |", type(exc).__name__)
    await conn.close()

asyncio.run(main())
"""


def runtime_role_is_least_privileged() -> list[str]:
    done = compose("exec", "-T", "records", "python", "-c", RUNTIME_ROLE_PROBE)
    lines = done.stdout.strip().splitlines()
    check(lines and "not-superuser" in lines[0] and "no-bypassrls" in lines[0], str(lines))
    check(not [line for line in lines if line.startswith("allowed")], "\n".join(lines))
    return lines


def memory() -> str:
    done = subprocess.run(
        ["docker", "stats", "--no-stream", "--format", "{{.Name}}\t{{.MemUsage}}"],
        text=True,
        capture_output=True,
    )
    return "\n".join(
        f"  {line}" for line in sorted(done.stdout.splitlines()) if line.startswith(PROJECT)
    )


def main() -> int:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--keep", action="store_true", help="leave the stack running")
    keep = options.parse_args().keep
    started = time.monotonic()
    network = uuid4()
    try:
        with step("docker compose up --build --wait"):
            compose("down", "-v", "--remove-orphans", check_exit=False)
            up()
        with step("first sign-in: create-admin in the gateway's container, then a token"):
            api = first_sign_in(network)
        net = Network(api)
        with step("a clinic day through the gateway"):
            net.setup()
            built = clinic_day(net)
        with step("each service restarted in turn while bookings go on"):
            booked = restarts_while_booking(net, built["bruno"]["id"])
            confirmations_once(built["bruno"]["email"], booked + 2)
            print(f"  {booked} bookings, each confirmed exactly once")
        with step("docker compose down, then up: the data is kept"):
            survives_down_up(net, built)
        with step("MESOCARE_ENV=production without a secret: exit 78, one line"):
            for line in production_without_secret():
                print(f"  {line}")
        with step("the runtime database login"):
            for line in runtime_role_is_least_privileged():
                print(f"  {line}")
        print("memory:\n" + memory())
        print(f"compose smoke passed in {time.monotonic() - started:.0f} s")
        return 0
    except SmokeFailed as failure:
        print(f"compose smoke FAILED: {failure}", file=sys.stderr)
        logs = compose("logs", "--no-color", "--tail", "40", check_exit=False)
        print(logs.stdout[-6000:], file=sys.stderr)
        return 1
    finally:
        if not keep:
            compose("down", "-v", "--remove-orphans", check_exit=False)


if __name__ == "__main__":
    sys.exit(main())
