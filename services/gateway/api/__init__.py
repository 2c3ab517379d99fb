"""HTTP boundary of the gateway: tokens, staff and client management, the service proxy."""

from fastapi import APIRouter

from services.gateway.api import clients, docs, proxy, staff, tokens

router = APIRouter()
for module in (docs, tokens, staff, clients, proxy):
    router.include_router(module.router)
