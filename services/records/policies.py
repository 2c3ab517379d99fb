"""Who may do what in records, in one place: the permission each chart action needs, the roles
that hold it, and the clinic scope.

These are checked inside the audited chart access (`usecases/access.py`), not as route
dependencies: a refused attempt on a chart is itself written to the audit log.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from uuid import UUID

from shared.auth import ROLES, Principal
from shared.errors import Forbidden
from shared.vocabulary import AUDIT_READERS, CLINICAL_ROLES, SAFETY_PROFILE_WRITERS


class Permission(StrEnum):
    READ_CONTACT = "read_contact"
    WRITE_CONTACT = "write_contact"
    READ_CLINICAL = "read_clinical"
    WRITE_CLINICAL = "write_clinical"
    REPORT_ADVERSE_EVENT = "report_adverse_event"
    EXPORT = "export"
    READ_AUDIT = "read_audit"


ROLES_FOR: Mapping[Permission, frozenset[str]] = {
    # Contact data and consents: the front desk and the chain's systems keep them current.
    Permission.READ_CONTACT: ROLES,
    Permission.WRITE_CONTACT: ROLES,
    # Clinical data: only people accountable for care read it (minimum necessary); machine
    # credentials (integration) and the front desk do not.
    Permission.READ_CLINICAL: CLINICAL_ROLES,
    Permission.WRITE_CLINICAL: SAFETY_PROFILE_WRITERS,
    Permission.REPORT_ADVERSE_EVENT: SAFETY_PROFILE_WRITERS,
    Permission.EXPORT: CLINICAL_ROLES,
    Permission.READ_AUDIT: AUDIT_READERS,
}


def allowed(roles: Iterable[str], permission: Permission) -> bool:
    return bool(ROLES_FOR[permission].intersection(roles))


def roles_needed(permission: Permission) -> str:
    return ", ".join(sorted(ROLES_FOR[permission]))


def require(who: Principal, permission: Permission) -> None:
    """Forbidden (403) unless one of the caller's roles holds `permission`."""
    if not allowed(who.roles, permission):
        raise Forbidden(f"This needs one of the roles: {roles_needed(permission)}.")


def require_clinic(who: Principal, clinic_id: UUID | None) -> None:
    """Forbidden (403) unless the token's clinic scope includes `clinic_id` (when one is named)."""
    if clinic_id is not None and not who.may_act_in(clinic_id):
        raise Forbidden(f"Your token does not cover clinic {clinic_id}.")
