"""The base of every model the console reads from a service."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Model(BaseModel):
    """What the console reads of an answer: the fields its pages use, others ignored. Values
    stay as the service wrote them (ids and instants as text), so a page shows them unchanged
    and the clock filters turn instants into words."""

    model_config = ConfigDict(frozen=True, extra="ignore", coerce_numbers_to_str=True)
