"""The Kafka topics of MesoCare: one list shared by the code, the local stack and deployment."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Topic:
    name: str
    partitions: int
    key: str
    """What the message key is: the aggregate id that keeps one entity's events in order."""

    @property
    def dlq(self) -> str:
        return f"{self.name}.dlq"


TOPICS: tuple[Topic, ...] = (
    Topic("booking.appointments.v1", partitions=6, key="appointment_id"),
    Topic("booking.clinics.v1", partitions=3, key="clinic_id"),
    Topic("records.patients.v1", partitions=6, key="patient_id"),
    Topic("records.adverse-events.v1", partitions=3, key="patient_id"),
    Topic("formulary.lots.v1", partitions=3, key="lot_id"),
    Topic("gateway.staff.v1", partitions=3, key="staff_id"),
)


def all_topic_names() -> list[str]:
    """Every topic the platform uses, dead-letter topics included."""
    return [name for t in TOPICS for name in (t.name, t.dlq)]
