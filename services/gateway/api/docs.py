"""The AsyncAPI document of every MesoCare event, served next to the OpenAPI document."""

from typing import Any

from fastapi import APIRouter

from shared.asyncapi import asyncapi_document

router = APIRouter()


@router.get(
    "/asyncapi.json",
    tags=["documentation"],
    summary="AsyncAPI 3 document of every MesoCare event (topics, keys, headers, payloads)",
)
async def asyncapi() -> dict[str, Any]:
    return asyncapi_document()
