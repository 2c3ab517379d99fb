"""Pure rules of the records service: field checks, contact rules, versions, permissions."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from uuid import uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.records import domain, policies
from services.records.api.versions import stated_version
from services.records.domain import Contact
from services.records.policies import Permission
from shared.errors import Invalid


class TestEmails:
    def test_the_domain_is_lower_cased_and_the_local_part_kept(self) -> None:
        assert domain.normalize_email(" Jeanne.Roux@Example.COM ") == "Jeanne.Roux@example.com"

    @pytest.mark.parametrize("raw", ["jeanne", "jeanne@", "@example.com", "a b@example.com",
                                     "jeanne@localhost"])  # fmt: skip
    def test_what_is_not_an_address_is_refused(self, raw: str) -> None:
        with pytest.raises(ValueError, match="email"):
            domain.normalize_email(raw)

    def test_test_domains_are_accepted_for_demo_data(self) -> None:
        assert domain.normalize_email("reception@demo.mesocare.test")


class TestPhones:
    @pytest.mark.parametrize(
        ("raw", "e164"),
        [
            ("+33 6 12 34 56 78", "+33612345678"),
            ("+1 (415) 555-2671", "+14155552671"),
            ("+44 20 7946 0958", "+442079460958"),
        ],
    )
    def test_international_numbers_come_out_in_e164(self, raw: str, e164: str) -> None:
        assert domain.normalize_phone(raw) == e164

    @pytest.mark.parametrize("raw", ["0612345678", "+33 1", "+999 123456", "call me", "+"])
    def test_national_or_impossible_numbers_are_refused(self, raw: str) -> None:
        with pytest.raises(ValueError):
            domain.normalize_phone(raw)


class TestOtherFields:
    @pytest.mark.parametrize("tz", ["Europe/Paris", "America/Sao_Paulo", "UTC", "Asia/Kolkata"])
    def test_iana_timezones_pass(self, tz: str) -> None:
        assert domain.check_timezone(tz) == tz

    @pytest.mark.parametrize(
        "tz",
        [
            "CEST",
            "Europe/Atlantis",
            "",
            "+02:00",
            "localtime",
            "Factory",
            "EST5EDT",
            "posix/Europe/Paris",
            "right/Europe/Paris",
            "US/Eastern",
            "Etc/GMT+5",
        ],
    )
    def test_other_timezones_do_not(self, tz: str) -> None:
        with pytest.raises(ValueError, match="IANA"):
            domain.check_timezone(tz)

    @pytest.mark.parametrize("tag", ["en", "fr", "pt-BR", "es-419"])
    def test_locales(self, tag: str) -> None:
        assert domain.check_locale(tag) == tag

    @pytest.mark.parametrize("tag", ["EN", "french", "pt_BR", "e"])
    def test_bad_locales(self, tag: str) -> None:
        with pytest.raises(ValueError):
            domain.check_locale(tag)

    def test_a_date_of_birth_may_be_today_but_not_tomorrow(self) -> None:
        today = date(2026, 11, 25)
        assert domain.check_date_of_birth(today, today) == today
        with pytest.raises(ValueError, match="future"):
            domain.check_date_of_birth(today + timedelta(days=1), today)
        with pytest.raises(ValueError, match="1900"):
            domain.check_date_of_birth(date(1850, 1, 1), today)

    @pytest.mark.parametrize(("value", "skin_type"), [(1, 1), (6, 6), ("IV", 4), ("vi", 6),
                                                      ("3", 3)])  # fmt: skip
    def test_fitzpatrick_as_number_or_roman_numeral(self, value: object, skin_type: int) -> None:
        assert domain.fitzpatrick(value) == skin_type

    @pytest.mark.parametrize("value", [0, 7, "VII", "", True, 2.5, None])
    def test_fitzpatrick_outside_i_to_vi(self, value: object) -> None:
        with pytest.raises(ValueError, match="Fitzpatrick"):
            domain.fitzpatrick(value)

    def test_names_are_trimmed_and_may_not_be_blank(self) -> None:
        assert domain.check_name("  Anne   Marie ") == "Anne Marie"
        with pytest.raises(ValueError):
            domain.check_name("   ")

    def test_vocabulary_codes(self) -> None:
        assert domain.check_allergen_code("compositae") == "compositae"
        assert domain.check_allergen_code("arnica_montana") == "arnica_montana"
        assert domain.check_condition_code("pregnancy") == "pregnancy"
        assert domain.check_medication_class("anticoagulant") == "anticoagulant"
        for check in (
            domain.check_allergen_code,
            domain.check_condition_code,
            domain.check_medication_class,
            domain.check_indication,
            domain.check_area,
        ):
            with pytest.raises(ValueError):
                check("no_such_code")

    def test_a_list_may_not_name_a_value_twice(self) -> None:
        with pytest.raises(ValueError, match="twice"):
            domain.unique(["a", "b", "a"], "code")


def contact(**overrides: object) -> Contact:
    values: dict[str, object] = {
        "given_name": "Anne",
        "family_name": "Roux",
        "email": "anne@example.com",
        "phone": "+33612345678",
        "preferred_channel": "email",
        "channel_opt_outs": (),
        "locale": "fr",
        "timezone": "Europe/Paris",
        "quiet_hours_start": None,
        "quiet_hours_end": None,
    }
    values.update(overrides)
    return Contact(**values)  # type: ignore[arg-type]


class TestContactRules:
    def test_a_complete_contact_passes(self) -> None:
        domain.check_contact(contact(quiet_hours_start=time(21), quiet_hours_end=time(8)))

    @pytest.mark.parametrize(
        ("overrides", "field"),
        [
            ({"preferred_channel": "sms", "phone": None}, "preferred_channel"),
            ({"preferred_channel": "email", "email": None}, "preferred_channel"),
            ({"channel_opt_outs": ("email",)}, "channel_opt_outs"),
            ({"quiet_hours_start": time(22)}, "quiet_hours_end"),
            ({"quiet_hours_end": time(7)}, "quiet_hours_start"),
            ({"quiet_hours_start": time(7), "quiet_hours_end": time(7)}, "quiet_hours_end"),
        ],
    )
    def test_rules_across_fields_name_the_field(
        self, overrides: dict[str, object], field: str
    ) -> None:
        with pytest.raises(Invalid) as caught:
            domain.check_contact(contact(**overrides))
        assert caught.value.extra["errors"][0]["field"] == field

    def test_a_patient_without_any_contact_may_still_prefer_email(self) -> None:
        domain.check_contact(contact(email=None, phone=None))

    @pytest.mark.parametrize(
        ("email", "phone", "channel"),
        [("a@example.com", "+33612345678", "email"), (None, "+33612345678", "sms"),
         (None, None, "email")],
    )  # fmt: skip
    def test_the_default_channel(self, email: str | None, phone: str | None, channel: str) -> None:
        assert domain.default_channel(email, phone) == channel

    def test_changed_fields_lists_only_what_differs(self) -> None:
        before = {"email": "a@x.com", "locale": "fr", "timezone": "UTC"}
        assert domain.changed_fields(before, {"locale": "fr", "timezone": "Europe/Paris"}) == [
            "timezone"
        ]


class TestConsents:
    def test_the_latest_entry_of_each_kind_is_current(self) -> None:
        at = datetime(2026, 1, 1, tzinfo=UTC)
        history = [
            domain.ConsentEntry("marketing", True, "m-1", at, "desk"),
            domain.ConsentEntry("photos", True, "p-1", at, "desk"),
            domain.ConsentEntry("marketing", False, "m-1", at + timedelta(days=3), "desk"),
        ]

        current = domain.current_consents(history)

        assert current["marketing"].granted is False
        assert current["photos"].granted is True
        assert domain.marketing_consent(history) is False
        assert domain.marketing_consent(history[:2]) is True
        assert domain.marketing_consent([]) is False


class TestVersions:
    @pytest.mark.parametrize(
        ("header", "body", "version"),
        [('"3"', None, 3), ('W/"3"', None, 3), ("3", None, 3), (None, 4, 4), ('"5"', 5, 5)],
    )
    def test_the_version_a_write_is_based_on(
        self, header: str | None, body: int | None, version: int
    ) -> None:
        assert domain.based_on(stated_version(header, body)) == version

    def test_without_any_version_the_write_is_refused(self) -> None:
        with pytest.raises(domain.PreconditionRequired):
            domain.based_on(stated_version(None, None))

    @pytest.mark.parametrize(("header", "body"), [('"abc"', None), ("*", None), ('"3"', 4)])
    def test_a_bad_or_contradicting_version(self, header: str, body: int | None) -> None:
        with pytest.raises(Invalid):
            domain.based_on(stated_version(header, body))

    def test_a_stale_version_is_a_conflict_saying_the_current_one(self) -> None:
        domain.check_expected_version(3, 3)
        with pytest.raises(domain.StaleVersion) as caught:
            domain.check_expected_version(4, 3)
        assert caught.value.status == 409
        assert caught.value.extra["current_version"] == 4


class TestPermissions:
    @pytest.mark.parametrize(
        ("role", "permission", "allowed"),
        [
            ("receptionist", Permission.WRITE_CONTACT, True),
            ("receptionist", Permission.WRITE_CLINICAL, False),
            ("receptionist", Permission.READ_CLINICAL, False),
            ("receptionist", Permission.REPORT_ADVERSE_EVENT, False),
            ("integration", Permission.WRITE_CONTACT, True),
            ("integration", Permission.READ_CLINICAL, False),
            ("practitioner", Permission.WRITE_CLINICAL, True),
            ("practitioner", Permission.REPORT_ADVERSE_EVENT, True),
            ("practitioner", Permission.READ_AUDIT, False),
            ("clinic_manager", Permission.READ_AUDIT, True),
            ("clinic_manager", Permission.WRITE_CLINICAL, False),
            ("network_admin", Permission.READ_AUDIT, True),
            ("network_admin", Permission.EXPORT, True),
        ],
    )
    def test_who_may_do_what(self, role: str, permission: Permission, allowed: bool) -> None:
        assert policies.allowed({role}, permission) is allowed

    def test_no_roles_no_access(self) -> None:
        assert not any(policies.allowed(set(), p) for p in Permission)


class TestAdverseEvents:
    def test_an_onset_in_the_future_is_refused_beyond_clock_skew(self) -> None:
        now = datetime(2026, 11, 25, 12, tzinfo=UTC)
        assert domain.check_onset(now + timedelta(minutes=2), now)
        with pytest.raises(ValueError, match="future"):
            domain.check_onset(now + timedelta(hours=1), now)
        with pytest.raises(ValueError, match="offset"):
            domain.check_onset(datetime(2026, 11, 25, 11), now)

    def test_a_report_takes_what_it_leaves_out_from_its_session(self) -> None:
        patient, clinic, practitioner = uuid4(), uuid4(), uuid4()
        session = domain.SessionFacts(patient, clinic, practitioner, ("L1", "L2"))

        links = domain.link_adverse_event(
            patient_id=patient, clinic_id=None, practitioner_id=None, lot_numbers=[],
            session=session,
        )  # fmt: skip

        assert links == domain.AdverseEventLinks(clinic, practitioner, ("L1", "L2"))

    def test_what_the_report_says_wins_over_the_session(self) -> None:
        patient, clinic = uuid4(), uuid4()
        session = domain.SessionFacts(patient, uuid4(), uuid4(), ("L1",))

        links = domain.link_adverse_event(
            patient_id=patient, clinic_id=clinic, practitioner_id=None, lot_numbers=["L9"],
            session=session,
        )  # fmt: skip

        assert (links.clinic_id, links.lot_numbers) == (clinic, ("L9",))

    def test_another_patients_session_is_refused(self) -> None:
        session = domain.SessionFacts(uuid4(), uuid4(), uuid4(), ())
        with pytest.raises(Invalid):
            domain.link_adverse_event(
                patient_id=uuid4(), clinic_id=None, practitioner_id=None, lot_numbers=[],
                session=session,
            )  # fmt: skip


class TestSafetyProfileFacts:
    def test_the_event_carries_codes_and_classes(self) -> None:
        content = {
            "fitzpatrick_skin_type": 4,
            "allergies": [
                {"code": "compositae", "reaction": "hives", "severity": "severe",
                 "status": "active", "noted_on": "2025-01-01"},
            ],
            "conditions": [{"code": "pregnancy", "note": "week 10", "since": None}],
            "medications": [{"name": "Warfarin", "classes": ["anticoagulant"], "dose": "5 mg"}],
        }  # fmt: skip

        facts = domain.profile_facts(content)

        assert facts == {
            "fitzpatrick_skin_type": 4,
            "allergies": [
                {"code": "compositae", "reaction": "hives", "severity": "severe",
                 "status": "active"},
            ],
            "conditions": ["pregnancy"],
            "medications": [{"name": "Warfarin", "classes": ["anticoagulant"]}],
        }  # fmt: skip


class TestSearch:
    def test_like_metacharacters_are_escaped(self) -> None:
        assert domain.like_pattern("50%_a\\b") == "%50\\%\\_a\\\\b%"

    def test_only_a_search_typed_as_a_phone_number_searches_phone_numbers(self) -> None:
        assert domain.looks_like_phone("+33 6 12-34")
        assert domain.looks_like_phone("(06) 12.34")
        assert not domain.looks_like_phone("Garnier23bb")
        assert not domain.looks_like_phone("ana23@example.test")
        assert not domain.looks_like_phone("7")

    def test_a_phone_fragment_keeps_digits_and_a_leading_plus(self) -> None:
        assert domain.phone_fragment("+33 6 12-34") == "+3361234"
        assert domain.phone_fragment("06 12") == "0612"

    def test_a_search_needs_a_criterion_of_two_characters(self) -> None:
        domain.check_search(domain.SearchQuery(name="du"))
        with pytest.raises(Invalid):
            domain.check_search(domain.SearchQuery())
        with pytest.raises(Invalid):
            domain.check_search(domain.SearchQuery(email="a"))
        with pytest.raises(Invalid):
            domain.check_search(domain.SearchQuery(phone="ab"))


class TestNormalFormsAreStable:
    @given(st.text(alphabet="+0123456789 -()", min_size=1, max_size=20))
    def test_a_normalized_phone_normalizes_to_itself(self, raw: str) -> None:
        try:
            e164 = domain.normalize_phone(raw)
        except ValueError:
            return
        assert e164.startswith("+") and e164[1:].isdigit()
        assert domain.normalize_phone(e164) == e164

    @settings(max_examples=40, deadline=None)
    @given(st.emails())
    def test_a_normalized_email_normalizes_to_itself(self, raw: str) -> None:
        try:
            normal = domain.normalize_email(raw)
        except ValueError:
            return
        assert domain.normalize_email(normal) == normal

    @given(st.text(max_size=20))
    def test_like_patterns_never_leak_a_wildcard(self, text: str) -> None:
        inner = domain.like_pattern(text)[1:-1]
        unescaped = inner.replace("\\\\", "").replace("\\%", "").replace("\\_", "")
        assert "%" not in unescaped and "_" not in unescaped
