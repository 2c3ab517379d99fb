"""The staff member's clinics, and the zone a page shows a time in."""

from __future__ import annotations

from collections.abc import Sequence

from services.gateway.console import clock
from services.gateway.console.clients.booking import Clinic
from services.gateway.console.sessions import StaffSession


def my_clinics(staff: StaffSession, clinics: Sequence[Clinic]) -> list[Clinic]:
    """The clinics the staff member works for: those of their account, or all when it names
    none (the token's `clinic_ids`, empty = every clinic of the network)."""
    mine = {str(c) for c in staff.account.clinic_ids}
    return [c for c in clinics if c.id in mine] if mine else list(clinics)


def home_clinic(staff: StaffSession, clinics: Sequence[Clinic]) -> Clinic:
    """The clinic a page opens on: the staff member's first clinic, else the network's first."""
    return (my_clinics(staff, clinics) or clinics)[0]


def reader_zone(staff: StaffSession, clinics: Sequence[Clinic]) -> str:
    """The zone for a time that belongs to no clinic: the staff member's clinics' zone when
    they all keep one, else UTC (the filters always print which)."""
    return clock.shared_zone(c.timezone for c in my_clinics(staff, clinics)) or clock.UTC_NAME


def clinic_zone(clinic_id: str | None, clinics: Sequence[Clinic], fallback: str) -> str:
    """The zone of the clinic a time belongs to, else `fallback`."""
    found = next((c for c in clinics if c.id == clinic_id), None) if clinic_id else None
    return found.timezone if found and found.timezone else fallback


def clinic_names(clinics: Sequence[Clinic]) -> dict[str, str]:
    return {c.id: c.name for c in clinics}
