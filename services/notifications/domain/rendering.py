"""Message templates: loading per kind and locale, sandboxed rendering, and validation at PUT.

Templates live in services/notifications/templates/<locale>/<kind>.<part>.j2 with part subject,
text or sms. A network may override any of them (kept by the repository and passed in as
`overrides`). Rendering runs in Jinja2's immutable sandbox with StrictUndefined, so a template can
neither reach Python internals nor silently print an empty variable. Pure apart from reading the
template files shipped with the service (read once, then cached).
"""

from __future__ import annotations

import functools
import re
import traceback
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, NoReturn
from zoneinfo import ZoneInfo

from jinja2 import StrictUndefined, TemplateSyntaxError, meta, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment

from shared.errors import DomainError, Invalid, NotFound

from .aftercare import aftercare_plan
from .kinds import MessageKind, kind_spec, parse_kind
from .timing import NaiveDatetime

TEMPLATES_DIR = Path(__file__).parent.parent / "templates"
DEFAULT_LOCALE = "en"
MAX_TEMPLATE_CHARS = 20_000


class Part(StrEnum):
    SUBJECT = "subject"
    TEXT = "text"
    SMS = "sms"


Overrides = Mapping[tuple[str, str], str]
"""A network's own templates for one kind: (locale, part) -> template source."""


@dataclass(frozen=True, slots=True)
class Rendered:
    subject: str
    text: str
    sms: str
    locale: str
    """The locale the body was rendered in, after falling back."""


class TemplateInvalid(Invalid):
    type = "template-invalid"
    title = "Template is not valid"


class InvalidLocale(Invalid):
    type = "invalid-locale"
    title = "Locale is not valid"


class TemplateMissing(NotFound):
    type = "template-missing"
    title = "No template for this message"


class RenderFailed(DomainError):
    """A stored template failed on real values; the message cannot be sent as it stands."""

    type = "message-render-failed"
    title = "Message could not be rendered"


class ContextIncomplete(DomainError):
    """The caller did not supply every variable of the kind: a bug in the caller."""

    type = "message-context-incomplete"
    title = "Message context is incomplete"


_LOCALE = re.compile(r"[a-z]{2,3}(-[a-z0-9]{2,8})*")


def normalise_locale(locale: str) -> str:
    """'es_MX' -> 'es-mx'; raises InvalidLocale for anything that is not a language tag."""
    tag = locale.strip().lower().replace("_", "-")
    if not _LOCALE.fullmatch(tag):
        raise InvalidLocale(
            f"{locale!r} is not a language tag such as 'en' or 'es-MX'", field="locale"
        )
    return tag


def locale_chain(locale: str | None) -> tuple[str, ...]:
    """The locales to try, most specific first and always ending in en; junk means just en."""
    try:
        tag = normalise_locale(locale or DEFAULT_LOCALE)
    except InvalidLocale:
        return (DEFAULT_LOCALE,)
    subtags = tag.split("-")
    chain = ["-".join(subtags[:n]) for n in range(len(subtags), 0, -1)]
    return tuple(dict.fromkeys([*chain, DEFAULT_LOCALE]))


def new_environment() -> ImmutableSandboxedEnvironment:
    """The one Jinja2 environment shape used for messages: sandboxed, strict, plain text."""
    return ImmutableSandboxedEnvironment(
        undefined=StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )


class TemplateCatalog:
    """The template files shipped with the service."""

    def __init__(self, root: Path = TEMPLATES_DIR) -> None:
        self.root = root

    @functools.cache  # noqa: B019 - a catalog lives as long as the process; files do not change
    def source(self, kind: MessageKind, locale: str, part: Part) -> str | None:
        path = self.root / locale / f"{MessageKind(kind)}.{Part(part)}.j2"
        if not _LOCALE.fullmatch(locale) or not path.is_file():
            return None
        return path.read_text(encoding="utf-8")

    def locales(self) -> tuple[str, ...]:
        return tuple(sorted(p.name for p in self.root.iterdir() if p.is_dir()))


class Renderer:
    """Renders messages from the shipped templates, or a network's overrides of them."""

    def __init__(self, catalog: TemplateCatalog | None = None) -> None:
        self.catalog = catalog or TemplateCatalog()
        self._env = new_environment()
        self._compile = functools.lru_cache(maxsize=1024)(self._env.from_string)

    def resolve(
        self,
        kind: MessageKind | str,
        locale: str | None,
        part: Part,
        overrides: Overrides | None = None,
    ) -> tuple[str, str]:
        """(locale used, source) of one part, falling back along locale_chain to en."""
        kind = parse_kind(kind)
        for candidate in locale_chain(locale):
            source = (overrides or {}).get((candidate, part)) or self.catalog.source(
                kind, candidate, part
            )
            if source is not None:
                return candidate, source
        raise TemplateMissing(f"no {part} template for {kind} in {locale!r} or {DEFAULT_LOCALE}")

    def render(
        self,
        kind: MessageKind | str,
        locale: str | None,
        context: Mapping[str, Any],
        *,
        overrides: Overrides | None = None,
    ) -> Rendered:
        """Subject, text and SMS of a message.

        Raises ContextIncomplete when a variable of the kind is absent from `context`, and
        RenderFailed when a template fails on the values given (a permanent failure).
        """
        kind = parse_kind(kind)
        missing = kind_spec(kind).allowed_variables - context.keys()
        if missing:
            raise ContextIncomplete(
                f"{kind} needs {', '.join(sorted(missing))}", missing=sorted(missing)
            )
        out: dict[Part, str] = {}
        used: dict[Part, str] = {}
        for part in Part:
            used[part], source = self.resolve(kind, locale, part, overrides)
            try:
                out[part] = _tidy(part, self._compile(source).render(**context))
            except Exception as exc:
                line = _template_line(exc)
                where = f"{used[part]}/{kind}.{part}" + (f" line {line}" if line else "")
                raise RenderFailed(f"{where}: {exc}", template=where) from exc
        return Rendered(out[Part.SUBJECT], out[Part.TEXT], out[Part.SMS], used[Part.TEXT])

    def validate(self, kind: MessageKind | str, part: Part | str, source: str) -> None:
        """Refuse a template that does not parse, uses variables its kind lacks, or fails to render.

        Raises TemplateInvalid whose detail and errors name the line, e.g.
        "line 3: unknown variable 'foo'".
        """
        kind = parse_kind(kind)
        part = _parse_part(part)
        field = str(part)
        if len(source) > MAX_TEMPLATE_CHARS:
            raise TemplateInvalid(
                f"the template is {len(source)} characters long; the limit is {MAX_TEMPLATE_CHARS}",
                field=field,
            )
        try:
            tree = self._env.parse(source)
            template = self._env.from_string(source)
        except TemplateSyntaxError as exc:
            _refuse(field, [(exc.lineno, exc.message or "syntax error")])

        allowed = kind_spec(kind).allowed_variables
        unknown = meta.find_undeclared_variables(tree) - allowed
        if unknown:
            lines = _first_use_lines(tree, unknown)
            _refuse(
                field,
                sorted(
                    ((lines.get(name), f"unknown variable '{name}'") for name in unknown),
                    key=lambda problem: (problem[0] or 0, problem[1]),
                ),
            )

        for context in (sample_context(kind), sample_context(kind, sparse=True)):
            try:
                rendered = _tidy(part, template.render(**context))
            except Exception as exc:
                _refuse(field, [(_template_line(exc), f"fails to render: {exc}")])
            if not rendered:
                _refuse(field, [(None, f"the {part} renders empty")])


def _parse_part(part: Part | str) -> Part:
    try:
        return Part(part)
    except ValueError:
        raise TemplateInvalid(
            f"unknown template part {part!r}; expected one of {', '.join(Part)}", field="part"
        ) from None


def _refuse(field: str, problems: list[tuple[int | None, str]]) -> NoReturn:
    messages = [f"line {line}: {msg}" if line else msg for line, msg in problems]
    raise TemplateInvalid(
        "; ".join(messages),
        errors=[
            {"field": field, "line": line, "message": msg}
            for (line, _), msg in zip(problems, messages, strict=True)
        ],
    )


def _first_use_lines(tree: nodes.Template, names: set[str]) -> dict[str, int]:
    lines: dict[str, int] = {}
    for node in tree.find_all(nodes.Name):
        if node.name in names and node.ctx == "load":
            lines[node.name] = min(lines.get(node.name, node.lineno), node.lineno)
    return lines


def _template_line(exc: BaseException) -> int | None:
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == "<template>"]
    return frames[-1].lineno if frames else None


_BLANK_RUNS = re.compile(r"\n{3,}")


def _tidy(part: Part, rendered: str) -> str:
    """Subjects on one line; bodies without trailing spaces or runs of blank lines."""
    if part is Part.SUBJECT:
        return " ".join(rendered.split())
    lines = "\n".join(line.rstrip() for line in rendered.splitlines())
    body = _BLANK_RUNS.sub("\n\n", lines).strip("\n")
    return body + "\n" if part is Part.TEXT and body else body


@functools.cache
def default_renderer() -> Renderer:
    return Renderer()


def render(
    kind: MessageKind | str,
    locale: str | None,
    context: Mapping[str, Any],
    *,
    overrides: Overrides | None = None,
) -> Rendered:
    """Render with the shipped templates (and any overrides), falling back to en."""
    return default_renderer().render(kind, locale, context, overrides=overrides)


def validate_template(kind: MessageKind | str, part: Part | str, source: str) -> None:
    """Raise TemplateInvalid naming the line if `source` is not a usable template of `kind`."""
    default_renderer().validate(kind, part, source)


# --- sample values: template validation, previews and tests ------------------------------------

# A darker skin type, so that templates are validated with every side effect there is to name.
_SAMPLE_PLAN = aftercare_plan(["face", "scalp", "abdomen"], skin_type=5).as_context()
_SAMPLE: Mapping[str, Any] = {
    "network_name": "Lumina Clinics",
    "clinic_name": "Lumina Madrid Centro",
    "clinic_phone": "+34 910 000 000",
    "signature": "The Lumina Madrid Centro team",
    "recipient_name": "Ana",
    "appointment_date": "Tuesday 3 March 2026",
    "appointment_time": "10:30",
    "treatment_name": "Skin rejuvenation, face",
    "practitioner_name": "Dr Marta Ruiz",
    "clinic_address": "Calle Mayor 1, 28013 Madrid",
    "duration_minutes": 45,
    "previous_date": "Monday 2 March 2026",
    "previous_time": "16:00",
    "session_date": "Tuesday 3 March 2026",
    "due_date": "Tuesday 31 March 2026",
    "patient_name": "Ana García",
    "patient_reference": "P-000123",
    "adverse_event": "allergic reaction",
    "severity": "moderate",
    "onset": "Wednesday 4 March 2026 09:15",
    "lot_numbers": ["HA-2026-0142", "VC-2025-0931"],
    "reported_by": "Dr Marta Ruiz",
    "notes": "Hives on both cheeks the morning after.",
    "product_name": "Hyaluronic acid 1%",
    "lot_number": "HA-2026-0142",
    "recall_reason": "sterility not assured for this lot",
    "plan_treatment_name": "Hair loss, scalp",
    "plan_sessions": 4,
    "plan_interval_days": 14,
    "plan_maintenance_interval_days": 90,
    "completed_by": "Dr Marta Ruiz",
    "highest_severity": "contraindicated",
    "deviations": [
        {
            "ingredient": "Chamomile extract",
            "lot_numbers": ["CH-2026-0007"],
            "findings": [
                {"code": "allergy.compositae", "reason": "allergy", "severity": "contraindicated"}
            ],
        }
    ],
    "deviation_reason": "Patient insisted after the risks were explained.",
    "endpoint_url": "https://crm.lumina.example/hooks/mesocare",
    "endpoint_id": "0b9f3c1e-8d2a-4c55-9a61-2f7e4d1b6a90",
    "endpoint_description": "Lumina CRM",
    "reason": "Every delivery for 24 hours failed; the last answer was HTTP 503.",
    "failing_since": "Monday 2 March 2026 09:00 UTC",
    **_SAMPLE_PLAN,
}


def sample_context(kind: MessageKind | str, *, sparse: bool = False) -> dict[str, Any]:
    """A complete context for `kind`; `sparse` empties the variables that may be empty."""
    spec = kind_spec(kind)
    context = {name: _SAMPLE[name] for name in spec.allowed_variables}
    if sparse:
        for name in spec.optional:
            context[name] = [] if isinstance(context[name], list) else None
    return context


# --- dates and times as the patient reads them -------------------------------------------------

_WEEKDAYS = {
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "es": ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"),
}
_MONTHS = {
    "en": tuple(
        "January February March April May June July "
        "August September October November December".split()
    ),
    "es": tuple(
        "enero febrero marzo abril mayo junio julio "
        "agosto septiembre octubre noviembre diciembre".split()
    ),
}


def _language(locale: str | None) -> str:
    language = locale_chain(locale)[0].split("-")[0]
    return language if language in _MONTHS else DEFAULT_LOCALE


def format_date(day: date, locale: str | None) -> str:
    """'Tuesday 3 March 2026' in en, 'martes, 3 de marzo de 2026' in es; en for other locales."""
    language = _language(locale)
    weekday, month = _WEEKDAYS[language][day.weekday()], _MONTHS[language][day.month - 1]
    if language == "es":
        return f"{weekday}, {day.day} de {month} de {day.year}"
    return f"{weekday} {day.day} {month} {day.year}"


def format_local(moment: datetime, tz: ZoneInfo, locale: str | None) -> tuple[str, str]:
    """(date, time) of an instant on the wall clock of `tz`: ('Tuesday 3 March 2026', '10:30')."""
    if moment.tzinfo is None:
        raise NaiveDatetime("the moment to format must carry a timezone offset", field="moment")
    local = moment.astimezone(tz)
    return format_date(local.date(), locale), local.strftime("%H:%M")
