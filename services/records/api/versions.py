"""The HTTP side of versioned writes: a read's `ETag`, and the version an `If-Match` names.

The header is only read here; whether a write may go ahead (a version stated, the same one
twice, the current one) is the domain's rule, applied inside the audited chart access.
"""

from __future__ import annotations

import re

from fastapi import Header

from services.records.domain import StatedVersion

IfMatch = Header(None, alias="If-Match", description='The ETag of the version you read, e.g. "3"')


def etag(version: int) -> str:
    return f'"{version}"'


def stated_version(if_match: str | None, expected_version: int | None) -> StatedVersion:
    """What a request says its write is based on: the If-Match ETag and the body's version."""
    return StatedVersion(
        header=_version_of(if_match) if if_match is not None else None,
        header_sent=if_match is not None,
        body=expected_version,
    )


def _version_of(etag: str) -> int | None:
    """The version of one of our ETags (`"3"`, `W/"3"`, `3`); None for anything else."""
    text = etag.strip()
    if text.startswith("W/"):
        text = text[2:]
    text = text.strip('"')
    if not re.fullmatch(r"[0-9]{1,10}", text):
        return None
    return int(text)
