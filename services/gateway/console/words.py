"""Codes in words, as pages and templates show them."""

from __future__ import annotations

from collections.abc import Iterable

from shared import vocabulary


def label(code: str | None) -> str:
    """A code of the shared vocabulary by its label ('face' → 'Face'), else in words."""
    return (vocabulary.label(code) or code.replace("_", " ")) if code else ""


def labels(codes: Iterable[str] | None) -> str:
    """Codes by their labels, comma-separated."""
    return ", ".join(label(c) for c in codes or [])


def words(code: str | None) -> str:
    """A code as words: 'skin_rejuvenation' → 'skin rejuvenation'."""
    return (code or "").replace("_", " ")
