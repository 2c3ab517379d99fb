"""HTTP boundary of the notifications service."""

from fastapi import APIRouter

router = APIRouter(prefix="/v1")
