"""Templates render every kind in the patient's language, and bad templates are refused by line."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from services.notifications.domain import ADMIN_ALERTS, KIND_SPECS, MessageKind, aftercare_plan
from services.notifications.domain.rendering import (
    ContextIncomplete,
    InvalidLocale,
    Part,
    RenderFailed,
    TemplateInvalid,
    default_renderer,
    format_date,
    format_local,
    locale_chain,
    normalise_locale,
    render,
    sample_context,
    validate_template,
)


def refusal(kind: str, part: str, source: str) -> TemplateInvalid:
    with pytest.raises(TemplateInvalid) as caught:
        validate_template(kind, part, source)
    return caught.value


def aftercare_context(areas: list[str], locale: str = "en") -> dict[str, Any]:
    return sample_context("aftercare") | aftercare_plan(areas, locale=locale).as_context()


class TestTemplateValidation:
    def test_an_unknown_variable_is_refused_naming_its_line(self) -> None:
        error = refusal("aftercare", "text", "Hello {{ recipient_name }},\n\n{{ foo }}\n")
        assert error.detail == "line 3: unknown variable 'foo'"
        assert error.status == 422
        assert error.extra["errors"] == [
            {"field": "text", "line": 3, "message": "line 3: unknown variable 'foo'"}
        ]

    def test_every_unknown_variable_is_reported_in_line_order(self) -> None:
        error = refusal("appointment_reminder", "sms", "{{ zed }}\n{{ clinic_name }}\n{{ alpha }}")
        assert error.detail == "line 1: unknown variable 'zed'; line 3: unknown variable 'alpha'"

    def test_a_variable_of_another_kind_is_unknown_here(self) -> None:
        error = refusal("aftercare", "subject", "Recall of {{ lot_number }}")
        assert error.detail == "line 1: unknown variable 'lot_number'"

    def test_a_loop_variable_is_not_mistaken_for_an_unknown_one(self) -> None:
        validate_template(
            "aftercare", "text", "{% for s in sections %}\n{{ s.title }}\n{% endfor %}\n"
        )

    def test_a_syntax_error_is_refused_naming_its_line(self) -> None:
        error = refusal("aftercare", "text", "Hello\n{{ recipient_name }}\n{% for x in %}\n")
        assert error.detail.startswith("line 3: ")

    def test_an_unknown_filter_is_refused_naming_its_line(self) -> None:
        error = refusal("aftercare", "text", "Hello\n{{ clinic_name | shout }}")
        assert error.detail == "line 2: No filter named 'shout'."

    def test_a_template_that_fails_to_render_is_refused_naming_its_line(self) -> None:
        error = refusal("aftercare", "text", "Hello\n\n\n{{ treated_areas.nothing_here }}")
        assert error.detail.startswith("line 4: fails to render")

    def test_a_template_that_breaks_when_optional_values_are_empty_is_refused(self) -> None:
        error = refusal("adverse_event_alert", "text", "Lots:\n{{ lot_numbers[0] }}")
        assert error.detail.startswith("line 2: fails to render")

    def test_reaching_python_internals_is_refused(self) -> None:
        error = refusal("aftercare", "text", "{{ clinic_name.__class__.__mro__ }}")
        assert "unsafe" in error.detail

    def test_changing_the_context_is_refused(self) -> None:
        error = refusal("aftercare", "text", "{{ treated_areas.append('scalp') }}")
        assert "unsafe" in error.detail

    def test_a_subject_that_renders_empty_is_refused(self) -> None:
        assert "renders empty" in refusal("aftercare", "subject", "{# nothing #}").detail

    def test_an_unknown_part_is_refused(self) -> None:
        assert refusal("aftercare", "html", "x").extra["errors"][0]["field"] == "part"

    def test_a_huge_template_is_refused(self) -> None:
        assert "limit" in refusal("aftercare", "text", "x" * 20_001).detail

    @pytest.mark.parametrize("locale", ["en", "es"])
    @pytest.mark.parametrize("part", list(Part))
    @pytest.mark.parametrize("kind", list(MessageKind))
    def test_every_shipped_template_is_valid(self, kind: MessageKind, part: Part, locale: str):
        source = default_renderer().catalog.source(kind, locale, part)
        if source is None:
            assert locale != "en", f"the English set lacks {kind}.{part}"
            return
        validate_template(kind, part, source)


class TestRenderingEveryKindInEnglish:
    @pytest.mark.parametrize("kind", list(MessageKind))
    def test_renders_a_subject_a_text_and_an_sms(self, kind: MessageKind) -> None:
        context = sample_context(kind)
        rendered = render(kind, "en", context)
        # An alert to the network's admins is about the network, not one of its clinics.
        sender = context["network_name" if kind in ADMIN_ALERTS else "clinic_name"]
        assert rendered.locale == "en"
        assert rendered.subject and "\n" not in rendered.subject
        assert rendered.text.endswith("\n")
        assert sender in rendered.text
        assert context["signature"] in rendered.text
        assert rendered.sms and sender in rendered.sms

    @pytest.mark.parametrize("kind", list(MessageKind))
    def test_the_text_shows_every_fact_of_its_kind(self, kind: MessageKind) -> None:
        context = sample_context(kind)
        text = render(kind, "en", context).text
        for name in KIND_SPECS[kind].variables:
            value = context[name]
            if isinstance(value, str | int):
                assert str(value) in text, f"{kind} text does not show {name}"

    def test_a_subject_stays_on_one_line_whatever_the_values(self) -> None:
        context = sample_context("aftercare") | {"clinic_name": "Lumina\nBcc: x@example.test"}
        assert render("aftercare", "en", context).subject == (
            "Your aftercare instructions from Lumina Bcc: x@example.test"
        )

    def test_a_missing_variable_is_refused_listing_it(self) -> None:
        context = sample_context("appointment_reminder")
        del context["appointment_time"]
        with pytest.raises(ContextIncomplete) as caught:
            render("appointment_reminder", "en", context)
        assert caught.value.extra["missing"] == ["appointment_time"]

    def test_a_template_failing_on_real_values_says_which_template_and_line(self) -> None:
        overrides = {("en", Part.TEXT): "Hello\n{{ recipient_name.title(1, 2) }}"}
        context = sample_context("aftercare")
        with pytest.raises(RenderFailed) as caught:
            render("aftercare", "en", context, overrides=overrides)
        assert caught.value.detail.startswith("en/aftercare.text line 2: ")


class TestAftercareMessage:
    def test_a_face_session_mail_has_the_face_instructions_and_no_hair_ones(self) -> None:
        text = render("aftercare", "en", aftercare_context(["face"])).text
        assert "Don't apply makeup for at least 24 hours" in text
        assert "fragrance-free moisturizers" in text
        for absent in ("shampoo", "hair", "scalp", "perming"):
            assert absent not in text.lower()

    def test_a_scalp_session_mail_has_the_hair_instructions_and_no_skin_ones(self) -> None:
        text = render("aftercare", "en", aftercare_context(["scalp"])).text
        assert "Use a gentle shampoo." in text
        assert "tight hairstyles" in text
        for absent in ("makeup", "moisturizer", "retinoid", "exfoliat"):
            assert absent not in text.lower()

    def test_the_mail_tells_what_is_common_and_when_to_call(self) -> None:
        context = aftercare_context(["abdomen"])
        text = render("aftercare", "en", context).text
        assert "usually go away within a few hours or days" in text
        assert "Any sign of an allergic reaction" in text
        assert "Any sign of infection in the treated area." in text
        assert context["clinic_phone"] in text

    def test_the_sms_carries_the_same_instructions(self) -> None:
        sms = render("aftercare", "en", aftercare_context(["scalp"])).sms
        assert "Use a gentle shampoo." in sms
        assert "makeup" not in sms


class TestConfirmationPreparationAdvice:
    def test_asks_about_allergies_and_health_issues_and_says_what_happens(self) -> None:
        context = sample_context("appointment_confirmation")
        text = render("appointment_confirmation", "en", context).text
        for fact in (
            "plant extracts, amino acids or vitamins",
            "skin infection",
            "blood coagulation disorder",
            "cleans and disinfects",
            "numbing cream",
            "Fine needles",
            "between 30 and 60 minutes",
        ):
            assert fact in text


class TestLocales:
    def test_spanish_is_used_where_it_exists(self) -> None:
        rendered = render("aftercare", "es", aftercare_context(["face"], locale="es"))
        assert rendered.locale == "es"
        assert rendered.subject.startswith("Sus cuidados tras el tratamiento")
        assert "No se maquille durante al menos 24 horas" in rendered.text

    def test_a_regional_variant_uses_its_language(self) -> None:
        context = sample_context("appointment_reminder")
        assert render("appointment_reminder", "es_MX", context).locale == "es"

    def test_a_kind_without_spanish_falls_back_to_english(self) -> None:
        rendered = render("next_session_due", "es", sample_context("next_session_due"))
        assert rendered.locale == "en"
        assert rendered.subject.startswith("Time to book your next")

    def test_the_side_effect_check_in_reads_in_spanish(self) -> None:
        context = (
            sample_context("side_effect_checkin")
            | aftercare_plan(["face"], locale="es", skin_type=4).as_context()
        )
        rendered = render("side_effect_checkin", "es", context)
        assert rendered.locale == "es"
        assert "Pueden formarse pequeños nódulos o bultos bajo la piel." in rendered.text
        assert "pigmentación" in rendered.sms

    def test_an_unknown_or_malformed_locale_falls_back_to_english(self) -> None:
        context = sample_context("appointment_reminder")
        assert render("appointment_reminder", "fr", context).locale == "en"
        assert render("appointment_reminder", "../../etc", context).locale == "en"

    def test_the_locale_chain_goes_from_specific_to_english(self) -> None:
        assert locale_chain("es_MX") == ("es-mx", "es", "en")
        assert locale_chain(None) == ("en",)

    def test_a_malformed_locale_is_a_422_on_the_locale_field(self) -> None:
        with pytest.raises(InvalidLocale) as caught:
            normalise_locale("es/../../x")
        assert caught.value.extra["errors"][0]["field"] == "locale"


class TestNetworkOverrides:
    def test_an_override_replaces_the_shipped_part_and_keeps_the_others(self) -> None:
        overrides = {("en", Part.SUBJECT): "{{ network_name }}: see you soon"}
        context = sample_context("appointment_reminder")
        rendered = render("appointment_reminder", "en", context, overrides=overrides)
        assert rendered.subject == "Lumina Clinics: see you soon"
        assert rendered.text.startswith("Hello Ana,")

    def test_a_spanish_override_wins_over_the_english_fallback(self) -> None:
        overrides = {("es", Part.TEXT): "Hola {{ recipient_name }}"}
        rendered = render(
            "side_effect_checkin", "es", sample_context("side_effect_checkin"), overrides=overrides
        )
        assert rendered.text == "Hola Ana\n"
        assert rendered.locale == "es"


class TestDatesForPatients:
    def test_english_and_spanish_dates_read_naturally(self) -> None:
        assert format_date(date(2026, 3, 3), "en") == "Tuesday 3 March 2026"
        assert format_date(date(2026, 3, 3), "es-ES") == "martes, 3 de marzo de 2026"
        assert format_date(date(2026, 3, 3), "fr") == "Tuesday 3 March 2026"

    def test_an_instant_is_shown_on_the_patients_wall_clock(self) -> None:
        moment = datetime(2026, 3, 29, 22, 30, tzinfo=UTC)
        assert format_local(moment, ZoneInfo("Europe/Madrid"), "es") == (
            "lunes, 30 de marzo de 2026",
            "00:30",
        )
        assert format_local(moment, ZoneInfo("America/New_York"), "en") == (
            "Sunday 29 March 2026",
            "18:30",
        )
