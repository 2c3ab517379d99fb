"""The console's Admin area, pure: one "Admin" entry in the navigation for the roles that may use
one of its sections, the sections of each role (staff and clients for network admins, setup
for the editors booking names, webhooks for notifications' managers), and the people forms:
only the roles and clinics the page offered count, none ticked is every clinic, a client
always has `integration`, and the gateway's field messages land on the form's fields."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from services.booking import policies as booking_policies
from services.gateway import policies
from services.gateway.console.forms import people as forms
from services.gateway.console.pages import admin
from services.gateway.console.rendering import Refusal, navigation
from services.gateway.console.sessions import StaffSession
from services.gateway.repository.staff import StaffAccount
from shared.auth import STAFF_ROLES

NOW = datetime(2026, 12, 7, 20, 0, tzinfo=UTC)
PARIS, LYON = str(uuid4()), str(uuid4())


def staff(*roles: str) -> StaffSession:
    account = StaffAccount(
        id=uuid4(),
        network_id=uuid4(),
        email="someone@clinic.example",
        display_name="Someone",
        roles=list(roles),
        clinic_ids=[],
        active=True,
        created_at=NOW,
        updated_at=NOW,
    )
    return StaffSession("session", "csrf", account, "token")


class TestTheNavigation:
    @pytest.mark.parametrize(
        ("roles", "shown"),
        [
            (("network_admin",), True),
            (("clinic_manager",), True),
            (("practitioner",), False),
            (("receptionist",), False),
        ],
    )
    def test_has_one_admin_entry_for_the_roles_of_an_admin_section(
        self, roles: tuple[str, ...], shown: bool
    ) -> None:
        entries = navigation(staff(*roles))

        assert (("/console/admin", "Admin") in entries) is shown
        assert [label for _, label in entries][:5] == [
            "Clinic day",
            "Book",
            "Patients",
            "Formulary",
            "Messages",
        ]
        assert "Webhooks" not in [label for _, label in entries]

    def test_is_empty_when_signed_out(self) -> None:
        assert navigation(None) == []

    def test_opens_the_area_to_exactly_the_roles_of_its_sections(self) -> None:
        every = frozenset().union(*(s.roles for s in admin.SECTIONS))
        assert policies.ADMIN_AREA == every


class TestTheAdminSections:
    def test_of_a_network_admin_are_all_of_them(self) -> None:
        page = admin.index(staff("network_admin"))

        assert isinstance(page, admin.AdminPage)
        assert [s.href for s in page.sections] == [
            "/console/admin/staff",
            "/console/admin/clients",
            "/console/admin/clinics",
            "/console/admin/practitioners",
            "/console/admin/treatment-types",
            "/console/admin/webhooks",
        ]

    def test_of_a_clinic_manager_are_the_setup_booking_lets_them_edit(self) -> None:
        page = admin.index(staff("clinic_manager"))

        assert isinstance(page, admin.AdminPage)
        assert [s.title for s in page.sections] == [
            "Clinics and rooms",
            "Practitioners, hours and time off",
            "Treatment types and prices",
        ]
        assert policies.SETUP_EDITORS == booking_policies.EDITORS

    def test_are_none_for_a_receptionist_who_is_refused(self) -> None:
        page = admin.index(staff("receptionist"))

        assert isinstance(page, Refusal) and page.status_code == 403


class TestTheStaffForm:
    def test_reads_only_the_roles_and_clinics_offered(self) -> None:
        posted = {
            "email": " claire@clinic.example ",
            "display_name": " Dr Claire ",
            "role_practitioner": "yes",
            "role_receptionist": "no",
            "role_integration": "yes",
            f"clinic_{PARIS}": "yes",
            f"clinic_{uuid4()}": "yes",
        }
        typed = forms.staff_form(posted, [PARIS, LYON])
        errors: dict[str, str] = {}

        body = forms.new_staff_body(typed, "a-long-enough-password", errors)

        assert errors == {}
        assert body.email == "claire@clinic.example"
        assert body.display_name == "Dr Claire"
        assert body.roles == ["practitioner"]
        assert body.clinic_ids == [PARIS]

    def test_offers_every_staff_role_the_widest_first(self) -> None:
        assert set(forms.STAFF_ROLE_CHOICES) == STAFF_ROLES
        assert forms.STAFF_ROLE_CHOICES[0] == "network_admin"

    def test_names_each_missing_field(self) -> None:
        errors: dict[str, str] = {}

        forms.new_staff_body(forms.staff_form({}, [PARIS]), "", errors)

        assert set(errors) == {"email", "display_name", "password", "roles"}

    def test_with_no_clinic_ticked_means_every_clinic(self) -> None:
        typed = forms.staff_form({"display_name": "Rita", "role_receptionist": "yes"}, [PARIS])
        errors: dict[str, str] = {}

        change = forms.change_body(typed, errors)

        assert errors == {}
        assert change.as_json() == {
            "display_name": "Rita",
            "roles": ["receptionist"],
            "clinic_ids": [],
        }

    def test_a_password_reset_sends_only_the_password(self) -> None:
        errors: dict[str, str] = {}

        assert forms.password_body("a-new-long-password", errors).as_json() == {
            "password": "a-new-long-password"
        }
        forms.password_body("", errors)
        assert errors == {"password": "Enter the new password."}


class TestTheClientForm:
    def test_always_asks_for_integration_with_the_staff_roles_ticked(self) -> None:
        typed = forms.client_form({"name": "CRM", "role_receptionist": "yes"}, [PARIS])
        errors: dict[str, str] = {}

        body = forms.client_body(typed, errors)

        assert errors == {}
        assert body.as_json() == {
            "name": "CRM",
            "roles": ["integration", "receptionist"],
            "clinic_ids": [],
        }

    def test_names_a_missing_name(self) -> None:
        errors: dict[str, str] = {}

        forms.client_body(forms.client_form({}, []), errors)

        assert set(errors) == {"name"}


class TestTheGatewaysFieldMessages:
    def test_land_on_the_forms_fields(self) -> None:
        refused = {
            "password": "A password needs at least 12 characters.",
            "clinic_ids": "Input should be a valid UUID",
            "email": "This email already has an account.",
        }

        assert forms.field_errors(refused) == {
            "password": "A password needs at least 12 characters.",
            "clinics": "Input should be a valid UUID.",
            "email": "This email already has an account.",
        }
