"""The aftercare mail as a mail client reads it: headers, UTF-8 text, a stable Message-ID."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage
from uuid import uuid4

from hypothesis import given
from hypothesis import strategies as st

from services.notifications.clients.smtp import mime_text

MESSAGE_ID = uuid4()


def read(raw: bytes) -> EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)  # type: ignore[return-value]


def mail(**overrides: str) -> EmailMessage:
    values = {
        "sender": "MesoCare <no-reply@mesocare.test>",
        "to": "ana@example.test",
        "subject": "Your aftercare instructions",
        "body": "Hello Ana,\n\n- Avoid make-up for 24 hours.\n",
    }
    values.update(overrides)
    return read(mime_text(message_id=MESSAGE_ID, **values))


class TestMailFormat:
    def test_headers_and_text_read_back_as_written(self) -> None:
        m = mail()
        assert m["From"] == "MesoCare <no-reply@mesocare.test>"
        assert m["To"] == "ana@example.test"
        assert m["Subject"] == "Your aftercare instructions"
        assert m["X-MesoCare-Message-Id"] == str(MESSAGE_ID)
        assert m["Date"] is not None
        assert m.get_content_type() == "text/plain"
        assert m.get_content().splitlines() == ["Hello Ana,", "", "- Avoid make-up for 24 hours."]

    def test_the_message_id_is_the_same_on_every_attempt(self) -> None:
        assert (
            mail()["Message-ID"] == mail()["Message-ID"] == f"<{MESSAGE_ID.hex}@mesocare.invalid>"
        )

    def test_spanish_text_subject_and_sender_name_survive(self) -> None:
        m = mail(
            sender="Clínica Lumina <no-reply@mesocare.test>",
            subject="Sus cuidados después de la sesión — Lumina",
            body="Hola Begoña,\nEvite el maquillaje durante 24 horas.\n",
        )
        assert m["From"] == "Clínica Lumina <no-reply@mesocare.test>"
        assert m["Subject"] == "Sus cuidados después de la sesión — Lumina"
        assert "Hola Begoña," in m.get_content()

    def test_a_line_break_in_a_subject_cannot_add_a_header(self) -> None:
        m = mail(subject="Aftercare\r\nBcc: someone@else.test")
        assert m["Bcc"] is None
        assert m["Subject"] == "Aftercare Bcc: someone@else.test"

    @given(st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=300))
    def test_any_text_reads_back_the_same(self, text: str) -> None:
        body = mail(body=text).get_content().replace("\r\n", "\n")
        assert body.rstrip("\n") == text.rstrip("\n")
