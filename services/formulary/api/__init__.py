"""HTTP boundary of the formulary service: parse, authorize, call domain/repository, respond."""

from fastapi import APIRouter

from services.formulary.api import blends, catalog, cross_checks, lots

router = APIRouter(prefix="/v1")
for module in (catalog, blends, lots, cross_checks):
    router.include_router(module.router)
