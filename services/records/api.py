"""HTTP boundary of the records service."""

from fastapi import APIRouter

router = APIRouter(prefix="/v1")
