"""HTTP boundary of the formulary service."""

from fastapi import APIRouter

router = APIRouter(prefix="/v1")
