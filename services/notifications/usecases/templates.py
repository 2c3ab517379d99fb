"""The wording of each message kind: the templates shipped with the service, or a network's own."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from services.notifications import repository
from services.notifications.domain import COMMON_VARIABLES, MessageKind, kind_spec
from services.notifications.domain.rendering import (
    Part,
    default_renderer,
    normalise_locale,
    validate_template,
)
from services.notifications.schemas import TemplatePart, TemplateRead, TemplateUpdate
from shared.auth import Principal
from shared.errors import Invalid
from shared.uow import UnitOfWork


async def template(uow: UnitOfWork, who: Principal, kind: MessageKind, locale: str) -> TemplateRead:
    """The templates of one kind in one locale: the network's own wording, else the default."""
    return await _read(uow, who.network_id, kind, normalise_locale(locale))


async def set_wording(
    uow: UnitOfWork,
    who: Principal,
    kind: MessageKind,
    locale: str,
    change: TemplateUpdate,
    *,
    now: datetime,
) -> TemplateRead:
    """Set the network's own wording of the parts given; each must parse, use only the kind's
    variables and render with sample values, or nothing is set."""
    locale = normalise_locale(locale)
    given = change.model_dump(exclude_none=True)
    if not given:
        raise Invalid("Give at least one of subject, text or sms.", field="body")
    for part, source in given.items():
        validate_template(kind, part, source)
    for part, source in given.items():
        await repository.put_template_override(
            uow.tx,
            network_id=who.network_id,
            kind=str(kind),
            locale=locale,
            part=part,
            source=source,
            now=now,
            by=who.sub,
        )
    return await _read(uow, who.network_id, kind, locale)


async def _read(uow: UnitOfWork, network_id: UUID, kind: MessageKind, locale: str) -> TemplateRead:
    overrides = await repository.template_overrides(uow.tx, network_id, str(kind))
    parts: dict[str, TemplatePart] = {}
    for part in Part:
        used, source = default_renderer().resolve(kind, locale, part, overrides)
        origin: Literal["network", "default"] = (
            "network" if (used, str(part)) in overrides else "default"
        )
        parts[str(part)] = TemplatePart(source=source, origin=origin, locale=used)
    return TemplateRead(
        kind=kind,
        locale=locale,
        subject=parts[Part.SUBJECT],
        text=parts[Part.TEXT],
        sms=parts[Part.SMS],
        variables={**COMMON_VARIABLES, **kind_spec(kind).variables},
    )
