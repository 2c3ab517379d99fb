"""HTTP boundary of the gateway service."""

from fastapi import APIRouter

router = APIRouter(prefix="/v1")
