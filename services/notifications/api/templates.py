"""The wording of each message kind, per locale: the default or the network's own."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from services.notifications.api.deps import ADMIN_ONLY, FORBIDDEN, Admin, Now, Staff
from services.notifications.domain import MessageKind
from services.notifications.schemas import TemplateRead, TemplateUpdate
from services.notifications.usecases import templates
from shared.inputs import rules
from shared.uow import UnitOfWorkRoute, UoW

router = APIRouter(route_class=UnitOfWorkRoute, tags=["notifications"])

Locale = Annotated[
    str,
    Path(
        description="A language tag: en, es-MX (es_MX and any case too)",
        json_schema_extra=rules(
            "`locale` is a language tag such as en or es-MX (`invalid-locale`)"
        ),
    ),
]


@router.get(
    "/templates/{kind}/{locale}",
    summary="The templates of one message kind in one locale (the network's own or the default)",
    responses={403: FORBIDDEN},
)
async def get_template(kind: MessageKind, locale: Locale, who: Staff, uow: UoW) -> TemplateRead:
    return await templates.template(uow, who, kind, locale)


@router.put(
    "/templates/{kind}/{locale}",
    summary="Set the network's own wording of a message kind in a locale",
    description=(
        "Each part given is validated: it must parse, use only the kind's variables and render "
        "with sample values. A refused template is a 422 whose `errors` name the line."
    ),
    responses={403: ADMIN_ONLY},
)
async def put_template(
    kind: MessageKind, locale: Locale, body: TemplateUpdate, who: Admin, uow: UoW, now: Now
) -> TemplateRead:
    return await templates.set_wording(uow, who, kind, locale, body, now=now)
