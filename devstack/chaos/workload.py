"""The chaos run's workload: a clinic day, again and again, through the services' HTTP APIs.

In a network of its own, with tokens minted on the stack's JWT secret: one clinic, and per lane a
room, a practitioner and a receptionist. Each lane registers patients in records (with a safety
profile: skin type at intake, then a changed profile), waits until formulary knows them, holds
their consultation, then treatments again and again: book, check in, start (hyaluronic acid,
cross-checked by formulary), complete with 10 mg from the lot in use. A pharmacist receives a new
lot every few completions and recalls the previous one once no session that used it is still
open (a session completed with a recalled lot would be a deviation).

Faults come while it runs, so a write may be answered 5xx, or not at all. The workload then acts
as a careful client: a POST that takes an `Idempotency-Key` is sent again with the same key; any
other write first reads what it was about (the appointment, the profile) and is sent again only
if it did not happen. What was acknowledged is kept in the `Ledger`, which the checks compare
with what every service holds at the end.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import httpx

from shared.auth import mint_token
from shared.settings import PlatformSettings

INGREDIENT = "hyaluronic_acid"
INDICATION = "skin_rejuvenation"
AREAS = ["face"]
TIMEZONE = "Europe/Paris"
DAY_START = 6  # local hour of the first slot
SLOT_MINUTES = 30
SLOTS_PER_DAY = 32  # 06:00 … 21:30
UNKNOWN = (500, 502, 503, 504)
"""Answers after which a write may or may not have happened."""


class Refused(RuntimeError):
    """A write answered with something a careful client cannot explain by the faults."""


class Stuck(RuntimeError):
    """A write that got no definite answer within the workload's patience."""


@dataclass
class Ledger:
    """What the workload was told (acknowledged), and how often it had to ask again."""

    patients: list[UUID] = field(default_factory=list)
    profiles_changed: int = 0
    booked: dict[UUID, str] = field(default_factory=dict)
    """Appointment → kind (consultation, treatment)."""
    completed: dict[UUID, str | None] = field(default_factory=dict)
    """Completed appointment → the lot given (None: a consultation)."""
    lots: list[str] = field(default_factory=list)
    recalled: list[str] = field(default_factory=list)
    requests: int = 0
    lost_answers: int = 0
    """Writes answered 5xx or not at all (connection refused, reset, timed out)."""
    found_done: int = 0
    """… of which reading showed they had happened after all."""
    throttled: int = 0
    refused: list[str] = field(default_factory=list)

    @property
    def treatments(self) -> dict[UUID, str]:
        return {a: lot for a, lot in self.completed.items() if lot is not None}


@dataclass
class Lane:
    number: int
    room_id: str
    practitioner_id: str
    doctor: str
    """The practitioner's email: the `sub` of their token (sessions are theirs to run)."""
    reception: str
    slots: itertools.count[int] = field(default_factory=itertools.count)
    ready: list[UUID] = field(default_factory=list)
    """Patients formulary knows, consulted."""
    waiting: list[UUID] = field(default_factory=list)
    """Patients registered whom formulary does not know yet."""


class Workload:
    def __init__(
        self,
        urls: dict[str, str],
        platform: PlatformSettings,
        *,
        lanes: int,
        lot_every: int,
        patience: float,
        pace: float = 0.0,
        say: Callable[[str], None],
    ) -> None:
        self.urls = urls
        self.platform = platform
        self.network = uuid4()
        self.lane_count = lanes
        self.lot_every = lot_every
        self.patience = patience
        self.pace = pace
        self.say = say
        self.ledger = Ledger()
        self.lanes: list[Lane] = []
        self.clinic_id = ""
        self.consultation_id = ""
        self.treatment_id = ""
        self.first_day = datetime.now(UTC).date() + timedelta(days=2)
        self.tz = ZoneInfo(TIMEZONE)
        self._client = httpx.AsyncClient(timeout=httpx.Timeout(15.0, connect=3.0))
        self._tokens: dict[tuple[str, str], tuple[float, str]] = {}
        self._stopping = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        # The lot in use, and how many open sessions hold each lot.
        self._lot = ""
        self._lot_ids: dict[str, str] = {}
        self._holding: Counter[str] = Counter()
        self._released = asyncio.Condition()
        self._given: Counter[str] = Counter()
        self._lot_numbers = itertools.count(1)
        self.failures: list[str] = []

    # -- HTTP ------------------------------------------------------------------------------

    def _headers(self, sub: str, role: str, key: str | None = None) -> dict[str, str]:
        now = time.monotonic()
        cached = self._tokens.get((sub, role))
        if cached is None or now - cached[0] > 300:
            token = mint_token(
                self.platform,
                sub=sub,
                network_id=self.network,
                roles=[role],
                ttl=timedelta(minutes=15),
            )
            cached = (now, token)
            self._tokens[(sub, role)] = cached
        headers = {"Authorization": f"Bearer {cached[1]}"}
        if key is not None:
            headers["Idempotency-Key"] = key
        return headers

    async def _send(
        self,
        method: str,
        service: str,
        path: str,
        *,
        sub: str,
        role: str,
        body: Any = None,
        key: str | None = None,
    ) -> httpx.Response | None:
        """One attempt; None when there was no answer (refused, reset, timed out)."""
        self.ledger.requests += 1
        try:
            return await self._client.request(
                method,
                f"{self.urls[service]}/v1{path}",
                json=body,
                headers=self._headers(sub, role, key),
            )
        except httpx.HTTPError:
            return None

    async def _pause(self, answer: httpx.Response | None, attempt: int) -> None:
        if answer is not None and answer.status_code == 429:
            self.ledger.throttled += 1
            await asyncio.sleep(float(answer.headers.get("retry-after", "1")))
        else:
            await asyncio.sleep(min(0.2 * 2**attempt, 2.0))

    def _deadline(self) -> float:
        return time.monotonic() + self.patience

    async def read(self, service: str, path: str, *, sub: str, role: str) -> dict[str, Any]:
        """GET until answered 200."""
        deadline = self._deadline()
        for attempt in itertools.count():
            answer = await self._send("GET", service, path, sub=sub, role=role)
            if answer is not None and answer.status_code == 200:
                return dict(answer.json())
            if answer is not None and answer.status_code not in (*UNKNOWN, 429):
                raise Refused(f"GET {service} {path}: {answer.status_code} {answer.text[:300]}")
            if time.monotonic() > deadline:
                raise Stuck(f"GET {service} {path}: no answer in {self.patience:.0f} s")
            await self._pause(answer, attempt)
        raise AssertionError("unreachable")

    async def create(
        self, service: str, path: str, body: Any, *, sub: str, role: str, expect: int = 201
    ) -> dict[str, Any]:
        """A POST that takes an Idempotency-Key: sent again with the same key until answered."""
        key = str(uuid4())
        deadline = self._deadline()
        lost = False
        for attempt in itertools.count():
            answer = await self._send("POST", service, path, sub=sub, role=role, body=body, key=key)
            if answer is not None and answer.status_code == expect:
                if lost and answer.headers.get("idempotent-replayed") == "true":
                    self.ledger.found_done += 1
                return dict(answer.json())
            if answer is None or answer.status_code in UNKNOWN:
                lost = True
                self.ledger.lost_answers += 1
            elif answer.status_code != 429:
                raise Refused(f"POST {service} {path}: {answer.status_code} {answer.text[:300]}")
            if time.monotonic() > deadline:
                raise Stuck(f"POST {service} {path}: no answer in {self.patience:.0f} s")
            await self._pause(answer, attempt)
        raise AssertionError("unreachable")

    async def act(
        self, lane: Lane, appointment_id: str, action: str, body: Any, done: str
    ) -> dict[str, Any]:
        """An appointment action (no Idempotency-Key): on a lost answer, read the appointment
        and send again only if it is not yet in the `done` status."""
        sub, role = (
            (lane.doctor, "practitioner")
            if action in ("start", "complete")
            else (lane.reception, "receptionist")
        )
        path = f"/appointments/{appointment_id}"
        deadline = self._deadline()
        for attempt in itertools.count():
            answer = await self._send(
                "POST", "booking", f"{path}/{action}", sub=sub, role=role, body=body
            )
            if answer is not None and answer.status_code == 200:
                return dict(answer.json())
            if answer is None or answer.status_code in UNKNOWN:
                self.ledger.lost_answers += 1
                state = await self.read("booking", path, sub=lane.reception, role="receptionist")
                if state["status"] == done:
                    self.ledger.found_done += 1
                    return state
            elif answer.status_code != 429:
                raise Refused(
                    f"{action} {appointment_id}: {answer.status_code} {answer.text[:400]}"
                )
            if time.monotonic() > deadline:
                raise Stuck(f"{action} {appointment_id}: no answer in {self.patience:.0f} s")
            await self._pause(answer, attempt)
        raise AssertionError("unreachable")

    # -- setup (before any fault) ----------------------------------------------------------

    async def setup(self) -> None:
        admin = "chaos-admin@chaos.mesocare.test"
        clinic = await self.create(
            "booking",
            "/clinics",
            {
                "name": "Clinique Chaos",
                "address": "1 rue du Désordre, Paris",
                "timezone": TIMEZONE,
                "currency": "EUR",
                "slot_grid_minutes": 15,
                "phone": "+33140000000",
                "email": "chaos@clinic.mesocare.test",
            },
            sub=admin,
            role="network_admin",
        )
        self.clinic_id = clinic["id"]
        week = [{"weekday": d, "start": "06:00", "end": "22:00"} for d in range(7)]
        for number in range(1, self.lane_count + 1):
            room = await self.create(
                "booking",
                f"/clinics/{self.clinic_id}/rooms",
                {"name": f"Salle {number}"},
                sub=admin,
                role="network_admin",
            )
            doctor = f"dr.chaos{number}@chaos.mesocare.test"
            practitioner = await self.create(
                "booking",
                "/practitioners",
                {
                    "name": f"Dr Chaos {number}",
                    "email": doctor,
                    "licence_number": f"RPPS-CHAOS-{number}",
                    "licence_expires_on": "2035-12-31",
                    "clinic_ids": [self.clinic_id],
                    "indications": [INDICATION],
                    "experience_tier": "senior",
                },
                sub=admin,
                role="network_admin",
            )
            answer = await self._send(
                "PUT",
                "booking",
                f"/practitioners/{practitioner['id']}/clinics/{self.clinic_id}/working-hours",
                sub=admin,
                role="network_admin",
                body={"hours": week},
            )
            if answer is None or answer.status_code != 200:
                raise Refused(f"working hours: {answer.text if answer else 'no answer'}")
            self.lanes.append(
                Lane(
                    number=number,
                    room_id=room["id"],
                    practitioner_id=practitioner["id"],
                    doctor=doctor,
                    reception=f"reception{number}@chaos.mesocare.test",
                )
            )
        for kind, name in (("consultation", "Consultation"), ("treatment", "Revitalisation")):
            created = await self.create(
                "booking",
                "/treatment-types",
                {
                    "name": name,
                    "kind": kind,
                    "indication": INDICATION,
                    "areas": AREAS if kind == "treatment" else [],
                    "duration_minutes": SLOT_MINUTES,
                    "buffer_minutes": 0,
                },
                sub=admin,
                role="network_admin",
            )
            if kind == "consultation":
                self.consultation_id = created["id"]
            else:
                self.treatment_id = created["id"]
        await self.create(
            "formulary",
            "/ingredients",
            {
                "code": INGREDIENT,
                "name": "Hyaluronic acid",
                "category": "hyaluronic_acid",
                "max_amount_per_session": "20",
                "unit": "mg",
            },
            sub=admin,
            role="network_admin",
        )
        self._lot = await self._receive_lot()
        # Every lane starts with two patients formulary knows and who had their consultation.
        for lane in self.lanes:
            for _ in range(2):
                await self._register(lane)
        for lane in self.lanes:
            while lane.waiting:
                await self._admit_known(lane, consult=False)
                if lane.waiting:
                    await asyncio.sleep(0.2)
            for patient in lane.ready:
                await self._consult(lane, patient)

    # -- the lanes -------------------------------------------------------------------------

    def start(self) -> None:
        for lane in self.lanes:
            self._tasks.append(asyncio.create_task(self._run_lane(lane)))
        self._tasks.append(asyncio.create_task(self._run_pharmacy()))

    async def stop(self) -> None:
        """Let every lane finish the visit it is in (with its retries), then return."""
        self._stopping.set()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._client.aclose()

    @property
    def completions(self) -> int:
        return len(self.ledger.treatments)

    async def _run_lane(self, lane: Lane) -> None:
        try:
            probed = 0.0
            for visit in itertools.count():
                if self._stopping.is_set():
                    return
                # A new patient every third visit, unless formulary has not heard of the last
                # ones yet (the broker is away): they join the rotation once it has.
                if visit % 3 == 0 and len(lane.waiting) < 2:
                    await self._register(lane)
                if lane.waiting and time.monotonic() - probed > 0.5:
                    probed = time.monotonic()
                    await self._admit_known(lane)
                patient = lane.ready[visit % len(lane.ready)]
                await self._treat(lane, patient)
                if self.pace:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._stopping.wait(), self.pace)
        except (Refused, Stuck) as exc:
            self.failures.append(f"lane {lane.number}: {exc}")
            self.say(f"  ✗ lane {lane.number} stopped: {exc}")

    async def _register(self, lane: Lane) -> None:
        n = len(self.ledger.patients) + 1
        patient = await self.create(
            "records",
            "/patients",
            {
                "given_name": "Camille",
                "family_name": f"Chaos {n}",
                "email": f"patient{n}.{uuid4().hex[:8]}@chaos.mesocare.test",
                "timezone": TIMEZONE,
                "fitzpatrick_skin_type": 2,
                "consents": [{"kind": "treatment", "granted": True, "wording_version": "chaos-1"}],
            },
            sub=lane.doctor,
            role="practitioner",
        )
        patient_id = UUID(patient["id"])
        self.ledger.patients.append(patient_id)
        await self._change_profile(lane, patient_id)
        lane.waiting.append(patient_id)

    async def _change_profile(self, lane: Lane, patient_id: UUID) -> None:
        """Version 2 of the safety profile (a new skin type), compare-and-set on version 1."""
        path = f"/patients/{patient_id}/safety-profile"
        body = {"fitzpatrick_skin_type": 3, "allergies": [], "expected_version": 1}
        deadline = self._deadline()
        for attempt in itertools.count():
            answer = await self._send(
                "PUT", "records", path, sub=lane.doctor, role="practitioner", body=body
            )
            if answer is not None and answer.status_code == 200:
                break
            if answer is None or answer.status_code in UNKNOWN:
                self.ledger.lost_answers += 1
                profile = await self.read("records", path, sub=lane.doctor, role="practitioner")
                if profile["version"] >= 2:
                    self.ledger.found_done += 1
                    break
            elif answer.status_code != 429:
                raise Refused(f"PUT {path}: {answer.status_code} {answer.text[:300]}")
            if time.monotonic() > deadline:
                raise Stuck(f"PUT {path}: no answer in {self.patience:.0f} s")
            await self._pause(answer, attempt)
        self.ledger.profiles_changed += 1

    async def _admit_known(self, lane: Lane, *, consult: bool = True) -> None:
        """Patients whose safety profile formulary holds are consulted and join the rotation."""
        for patient_id in list(lane.waiting):
            answer = await self._send(
                "POST",
                "formulary",
                "/cross-checks",
                sub=lane.doctor,
                role="practitioner",
                body={"patient_id": str(patient_id), "ingredient_codes": [INGREDIENT]},
            )
            if answer is None or answer.status_code != 200:
                continue
            if answer.json()["verdict"] == "unknown_patient":
                continue
            lane.waiting.remove(patient_id)
            if consult:
                await self._consult(lane, patient_id)
            lane.ready.append(patient_id)

    def _next_start(self, lane: Lane) -> str:
        slot = next(lane.slots)
        day = self.first_day + timedelta(days=slot // SLOTS_PER_DAY)
        minutes = DAY_START * 60 + (slot % SLOTS_PER_DAY) * SLOT_MINUTES
        local = datetime(day.year, day.month, day.day, minutes // 60, minutes % 60, tzinfo=self.tz)
        return local.isoformat()

    async def _book(self, lane: Lane, patient_id: UUID, kind: str) -> str:
        appointment = await self.create(
            "booking",
            "/appointments",
            {
                "clinic_id": self.clinic_id,
                "room_id": lane.room_id,
                "practitioner_id": lane.practitioner_id,
                "patient_id": str(patient_id),
                "treatment_type_id": (
                    self.consultation_id if kind == "consultation" else self.treatment_id
                ),
                "start": self._next_start(lane),
            },
            sub=lane.reception,
            role="receptionist",
        )
        self.ledger.booked[UUID(appointment["id"])] = kind
        return str(appointment["id"])

    async def _consult(self, lane: Lane, patient_id: UUID) -> None:
        appointment = await self._book(lane, patient_id, "consultation")
        await self.act(lane, appointment, "check-in", None, "checked_in")
        await self.act(lane, appointment, "start", {}, "in_progress")
        await self.act(lane, appointment, "complete", {}, "completed")
        self.ledger.completed[UUID(appointment)] = None

    async def _treat(self, lane: Lane, patient_id: UUID) -> None:
        appointment = await self._book(lane, patient_id, "treatment")
        await self.act(lane, appointment, "check-in", None, "checked_in")
        await self.act(
            lane,
            appointment,
            "start",
            {"ingredient_codes": [INGREDIENT], "areas": AREAS},
            "in_progress",
        )
        lot = self._lot
        self._holding[lot] += 1
        try:
            await self.act(
                lane,
                appointment,
                "complete",
                {
                    "preparation": {"disinfection": "chlorhexidine", "numbing_cream": False},
                    "ingredients": [
                        {
                            "ingredient_code": INGREDIENT,
                            "ingredient_name": "Hyaluronic acid",
                            "lot_number": lot,
                            "amount": "10",
                            "unit": "mg",
                        }
                    ],
                    "areas": AREAS,
                },
                "completed",
            )
            self.ledger.completed[UUID(appointment)] = lot
            self._given[lot] += 1
        finally:
            self._holding[lot] -= 1
            async with self._released:
                self._released.notify_all()

    # -- the pharmacy: lots received and recalled ------------------------------------------

    async def _receive_lot(self) -> str:
        number = f"CHAOS-HA-{next(self._lot_numbers):04d}"
        lot = await self.create(
            "formulary",
            "/lots",
            {
                "ingredient_code": INGREDIENT,
                "supplier": "Chaos Pharma",
                "lot_number": number,
                "expires_on": (date.today() + timedelta(days=365)).isoformat(),
            },
            sub="pharmacist@chaos.mesocare.test",
            role="network_admin",
        )
        self._lot_ids[number] = str(lot["id"])
        self.ledger.lots.append(number)
        return number

    async def _run_pharmacy(self) -> None:
        """Every `lot_every` completions: a new lot in use, then the old one recalled once no
        open session holds it."""
        try:
            while not self._stopping.is_set():
                if self._given[self._lot] < self.lot_every:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._stopping.wait(), 0.2)
                    continue
                old, self._lot = self._lot, await self._receive_lot()
                await self._released_by_all(old)
                await self._recall(old)
        except (Refused, Stuck) as exc:
            self.failures.append(f"pharmacy: {exc}")
            self.say(f"  ✗ pharmacy stopped: {exc}")

    async def _released_by_all(self, lot: str) -> None:
        """Until no open session holds `lot`."""
        async with self._released:
            await self._released.wait_for(lambda: not self._holding[lot])

    async def _recall(self, lot: str) -> None:
        """Recall `lot`; a recall sent again answers 200 with the first recall, emitting
        nothing, so a lost answer is simply asked again."""
        path = f"/lots/{self._lot_ids[lot]}/recall"
        deadline = self._deadline()
        for attempt in itertools.count():
            answer = await self._send(
                "POST",
                "formulary",
                path,
                sub="pharmacist@chaos.mesocare.test",
                role="network_admin",
                body={"reason": "Supplier notice: sterility not assured (chaos run)"},
            )
            if answer is not None and answer.status_code == 200:
                self.ledger.recalled.append(lot)
                return
            if answer is None or answer.status_code in UNKNOWN:
                self.ledger.lost_answers += 1
            elif answer.status_code != 429:
                raise Refused(f"recall {lot}: {answer.status_code} {answer.text[:300]}")
            if time.monotonic() > deadline:
                raise Stuck(f"recall {lot}: no answer in {self.patience:.0f} s")
            await self._pause(answer, attempt)
