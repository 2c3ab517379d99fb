"""HTTP boundary of the records service: parse, authorize and audit, call domain/repository."""

from fastapi import APIRouter

from services.records.api import audit, clinical, patients, treatments

router = APIRouter(prefix="/v1")
for module in (patients, clinical, treatments, audit):
    router.include_router(module.router)
