"""What every service accepts in a request: one rule for each kind of value, so a bad value is a
422 problem naming its field (`errors: [{field, message}]`) before it reaches PostgreSQL, where
it would be a 500 or a dropped connection.

- **Text** never holds NUL (U+0000): PostgreSQL's `text` cannot store it. `Strict`, the base of
  every request body, refuses it in every string field, in lists and mappings too.
- **Names** (`Name`) are not made only of whitespace or invisible characters; the whitespace
  around them is trimmed. A name of another length is
  `Annotated[str, Field(min_length=1, max_length=100), NotBlank]`.
- **Timezones** (`Timezone`) are the canonical IANA names of
  `shared.vocabulary.canonical_timezones`.
- **Dates and instants** (`Day`, `Instant`) are written out (RFC 3339), never a number that
  pydantic would read as a Unix timestamp, and lie in the years 1900 to 2999: date arithmetic near
  the ends of Python's calendar (years 1 and 9999) overflows, and nothing a clinic books, records
  or receives lies outside them.
- **Flags** (`Flag`) are JSON's true and false, nothing that could pass for them.
- **Whole numbers** are bounded where they are declared (`Field(ge=…, le=…)`); a column of type
  `integer` holds at most `INT4_MAX`, a `bigint` `INT8_MAX`.
- **A change** (`PATCH`) leaves out what it does not change and sends null to clear what may be
  empty; a field the resource always has is `Omittable[T]`: it may be left out, never null.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from datetime import date, datetime
from typing import Annotated, Any, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    field_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

from shared import vocabulary

T = TypeVar("T")

INT4_MAX = 2**31 - 1
"""The largest value of a PostgreSQL `integer` column."""
INT8_MAX = 2**63 - 1
"""The largest value of a PostgreSQL `bigint` column."""

EARLIEST_YEAR = 1900
LATEST_YEAR = 2999

RULES = "x-rules"
"""Where a JSON Schema lists the rules its value is held to that JSON Schema cannot state
(`shared.openapi` gathers them onto the operation's 422 answer)."""


def rules(*refused: str) -> dict[str, Any]:
    """`json_schema_extra` listing rules a JSON Schema cannot state."""
    return {RULES: list(refused)}


# -- text --------------------------------------------------------------------------------------

NUL = "\x00"


def has_nul(value: Any) -> bool:
    """Whether a NUL character is anywhere in `value`: a string, or one inside a list, a set, a
    mapping (keys too) or a model."""
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, BaseModel):
        return any(has_nul(v) for v in value.__dict__.values())
    if isinstance(value, Mapping):
        return any(has_nul(k) or has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple | set | frozenset):
        return any(has_nul(v) for v in value)
    return False


def no_nul(value: T) -> T:
    """`value` unchanged; ValueError when it holds a NUL character."""
    if has_nul(value):
        raise ValueError("text may not contain NUL characters (U+0000)")
    return value


class Strict(BaseModel):
    """The base of every request body: unknown fields are refused (a typo is a 422, not ignored),
    and so is a NUL character in any field (PostgreSQL's `text` cannot store it)."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra=rules("Text holds no NUL character (U+0000)")
    )

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        return no_nul(value)


# -- flags -------------------------------------------------------------------------------------

Flag = Annotated[bool, Field(strict=True)]
"""true or false, as JSON has them: not 0, 1 or "yes", which a lax bool takes."""


# -- names -------------------------------------------------------------------------------------

_INVISIBLE = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp"})
"""Unicode categories that show nothing: controls, formatting (zero-width space, BOM, …) and
separators."""


def not_blank(value: str) -> str:
    """`value` without the whitespace around it; ValueError when nothing visible is left."""
    text = value.strip()
    if not any(unicodedata.category(c) not in _INVISIBLE for c in text):
        raise ValueError("may not be blank (only spaces or invisible characters)")
    return text


class _NotBlank:
    """`not_blank` after the type's own validation; the JSON Schema lists the rule."""

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(not_blank, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {
            **handler(schema),
            **rules(
                "Names and texts that must say something hold a "
                "visible character (not only spaces or invisible ones)"
            ),
        }


NotBlank = _NotBlank()
Name = Annotated[str, Field(min_length=1, max_length=200), NotBlank]
"""A name (of a clinic, a room, a person, a treatment, an ingredient…): something visible."""


# -- timezones ---------------------------------------------------------------------------------


def canonical_timezone(name: str) -> str:
    """`name` when it is a canonical IANA timezone (`vocabulary.canonical_timezones`)."""
    if not vocabulary.is_canonical_timezone(name):
        raise ValueError(
            f"{name!r} is not a canonical IANA timezone: use an Area/Location name such as "
            "Europe/Paris or America/New_York, or UTC"
        )
    return name


Timezone = Annotated[
    str,
    Field(
        min_length=1,
        max_length=64,
        description="Canonical IANA timezone (Area/Location, or UTC)",
        examples=["Europe/Paris"],
        json_schema_extra=rules("A timezone is a canonical IANA name (Europe/Paris, UTC)"),
    ),
    AfterValidator(canonical_timezone),
]


# -- dates and instants ------------------------------------------------------------------------


def _in_years(value: date) -> None:
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise ValueError(f"must lie in the years {EARLIEST_YEAR} to {LATEST_YEAR}")


_NUMBER = re.compile(r"\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*")


def _not_a_number(value: Any) -> Any:
    """Refuses what pydantic would read as a Unix timestamp: a date or time is written out."""
    if isinstance(value, int | float) or (isinstance(value, str) and _NUMBER.fullmatch(value)):
        raise ValueError("write a date as 2026-11-24, a time as 2026-11-24T18:00:00+01:00")
    return value


def day_in_range(value: date) -> date:
    _in_years(value)
    return value


def instant_in_range(value: datetime) -> datetime:
    """The year as given (before any conversion, which could itself overflow)."""
    _in_years(value)
    return value


IN_YEARS = f"Dates and times lie in the years {EARLIEST_YEAR} to {LATEST_YEAR}"
Day = Annotated[
    date,
    Field(json_schema_extra=rules(IN_YEARS)),
    BeforeValidator(_not_a_number),
    AfterValidator(day_in_range),
]
"""A calendar date in the years 1900 to 2999."""
Instant = Annotated[
    datetime,
    Field(json_schema_extra=rules(IN_YEARS)),
    BeforeValidator(_not_a_number),
    AfterValidator(instant_in_range),
]
"""A date and time in the years 1900 to 2999."""


# -- changes -----------------------------------------------------------------------------------


def _refuse_null(value: Any) -> Any:
    if value is None:
        raise ValueError("may be left out, but not null: it cannot be removed")
    return value


class _NotNull:
    """Refuses an explicit null before the type is validated, and leaves null out of the JSON
    Schema; a field left out keeps its default (which pydantic does not validate)."""

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_before_validator_function(_refuse_null, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        found = handler(schema)
        alternatives = [s for s in found.get("anyOf", ()) if s != {"type": "null"}]
        if len(alternatives) == 1:
            found = {**{k: v for k, v in found.items() if k != "anyOf"}, **alternatives[0]}
        elif alternatives:
            found = {**found, "anyOf": alternatives}
        return found


Omittable = Annotated[T | None, _NotNull()]
"""A field of a change that may be left out (default None: unchanged) but never sent as null,
because the resource always has it: `name: Omittable[Name] = None`."""
