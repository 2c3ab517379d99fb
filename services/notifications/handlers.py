"""Event handlers of the notifications service, routed in one registry (`Handlers.registry`).

Each handler calls one use case: `usecases.replicas` keeps what records tells of patients and
the gateway of staff accounts, `usecases.scheduling` keeps the appointment replica and schedules
and withdraws messages. The handlers are bound to the process's settings and clock (tests move
the clock), which is why the registry is built with them rather than being a module constant.
"""

from __future__ import annotations

from datetime import timedelta

from services.notifications.clock import Clock
from services.notifications.settings import Settings
from services.notifications.usecases import replicas, scheduling
from shared.consumer import Delivery, Registry
from shared.events.booking import (
    AppointmentBooked,
    AppointmentCancelled,
    AppointmentNoShow,
    AppointmentRescheduled,
    SessionCompleted,
)
from shared.events.formulary import RecalledLotExposure
from shared.events.gateway import StaffAccountChanged
from shared.events.records import (
    AdverseEventReported,
    PatientContact,
    PatientContactChanged,
    PatientRegistered,
    PatientSafetyProfileChanged,
)
from shared.uow import UnitOfWork


class Handlers:
    """The handlers, with the settings and the clock they schedule by."""

    def __init__(self, settings: Settings, clock: Clock) -> None:
        self.clock = clock
        self.reminder_lead = timedelta(hours=settings.reminder_lead_hours)
        self.early_checkin = timedelta(hours=settings.contraindicated_checkin_after_hours)

    def registry(self) -> Registry:
        """The one place events are routed to handlers."""
        return {
            PatientRegistered: self.on_patient_contact,
            PatientContactChanged: self.on_patient_contact,
            PatientSafetyProfileChanged: self.on_safety_profile_changed,
            AppointmentBooked: self.on_appointment_booked,
            AppointmentRescheduled: self.on_appointment_rescheduled,
            AppointmentCancelled: self.on_appointment_cancelled,
            AppointmentNoShow: self.on_appointment_no_show,
            SessionCompleted: self.on_session_completed,
            AdverseEventReported: self.on_adverse_event_reported,
            RecalledLotExposure: self.on_recalled_lot_exposure,
            StaffAccountChanged: self.on_staff_account_changed,
        }

    # --- replicas --------------------------------------------------------------------------------

    async def on_patient_contact(
        self, uow: UnitOfWork, event: PatientContact, delivery: Delivery
    ) -> None:
        await replicas.keep_contact(uow, event, as_of=delivery.envelope.time)

    async def on_staff_account_changed(
        self, uow: UnitOfWork, event: StaffAccountChanged, delivery: Delivery
    ) -> None:
        await replicas.keep_staff_member(uow, event, as_of=delivery.envelope.time)

    async def on_safety_profile_changed(
        self, uow: UnitOfWork, event: PatientSafetyProfileChanged, delivery: Delivery
    ) -> None:
        await replicas.keep_skin_type(uow, event)

    def _received(self, delivery: Delivery) -> scheduling.Received:
        """The delivered event's id and time, and now by the handlers' clock."""
        return scheduling.Received(
            event_id=delivery.envelope.id, as_of=delivery.envelope.time, now=self.clock.now()
        )

    # --- appointments and sessions ---------------------------------------------------------------

    async def on_appointment_booked(
        self, uow: UnitOfWork, event: AppointmentBooked, delivery: Delivery
    ) -> None:
        await scheduling.appointment_booked(
            uow, event, self._received(delivery), reminder_lead=self.reminder_lead
        )

    async def on_appointment_rescheduled(
        self, uow: UnitOfWork, event: AppointmentRescheduled, delivery: Delivery
    ) -> None:
        await scheduling.appointment_rescheduled(
            uow, event, self._received(delivery), reminder_lead=self.reminder_lead
        )

    async def on_appointment_cancelled(
        self, uow: UnitOfWork, event: AppointmentCancelled, delivery: Delivery
    ) -> None:
        await scheduling.appointment_cancelled(uow, event, self._received(delivery))

    async def on_appointment_no_show(
        self, uow: UnitOfWork, event: AppointmentNoShow, delivery: Delivery
    ) -> None:
        await scheduling.appointment_missed(uow, event, self._received(delivery))

    async def on_session_completed(
        self, uow: UnitOfWork, event: SessionCompleted, delivery: Delivery
    ) -> None:
        await scheduling.session_completed(
            uow, event, self._received(delivery), early_checkin=self.early_checkin
        )

    # --- safety ----------------------------------------------------------------------------------

    async def on_adverse_event_reported(
        self, uow: UnitOfWork, event: AdverseEventReported, delivery: Delivery
    ) -> None:
        await scheduling.adverse_event_reported(uow, event, self._received(delivery))

    async def on_recalled_lot_exposure(
        self, uow: UnitOfWork, event: RecalledLotExposure, delivery: Delivery
    ) -> None:
        await scheduling.recalled_lot_exposure(uow, event, self._received(delivery))
