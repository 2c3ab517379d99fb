"""Records, asked whether a patient exists when booking's replica does not know them; it fails
closed.

`GET {records_url}/v1/patients/{id}` with the caller's token: 200 → the patient exists; 404 →
`UnknownPatient` (422); records unreachable, timing out or answering anything else →
`Unavailable` (503): a booking for a patient nobody can vouch for does not go ahead.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from shared.errors import DomainError, Unavailable
from shared.http import ServiceClient


class UnknownPatient(DomainError):
    type = "unknown-patient"
    title = "No such patient in your network"

    def __init__(self, patient_id: UUID) -> None:
        super().__init__(
            f"Records knows no patient {patient_id} in your network.",
            errors=[{"field": "patient_id", "message": "unknown patient"}],
        )


@dataclass(frozen=True, slots=True)
class RecordsClient:
    service: ServiceClient

    async def confirm_patient(self, patient_id: UUID, *, authorization: str | None) -> None:
        """Pass when records knows the patient; raises UnknownPatient or Unavailable."""
        answer = await self.service.request(
            "GET", f"/v1/patients/{patient_id}", authorization=authorization
        )
        if answer.status_code == 404:
            raise UnknownPatient(patient_id)
        if answer.status_code != 200:
            raise Unavailable(
                f"Records could not confirm patient {patient_id} (it answered "
                f"{answer.status_code}); try again.",
                service="records",
            )
