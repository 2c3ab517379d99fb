"""Opaque, signed cursors: what one page encodes, the next page decodes; anything else is a 400."""

from __future__ import annotations

import pytest

from shared.pagination import (
    InvalidCursor,
    decode_cursor,
    encode_cursor,
    page_of,
    use_cursor_key,
)


def test_a_cursor_round_trips_its_values() -> None:
    cursor = encode_cursor("2026-11-25T10:00:00+00:00", "5f0c…")
    assert decode_cursor(cursor, 2) == ["2026-11-25T10:00:00+00:00", "5f0c…"]


def test_no_cursor_means_the_first_page() -> None:
    assert decode_cursor(None, 2) is None


@pytest.mark.parametrize("cursor", ["%%%", encode_cursor("only-one"), "bm90IGpzb24"])
def test_a_cursor_this_api_did_not_issue_is_refused_naming_the_field(cursor: str) -> None:
    with pytest.raises(InvalidCursor) as refused:
        decode_cursor(cursor, 2)
    assert refused.value.status == 400
    assert refused.value.extra["errors"][0]["field"] == "cursor"


def test_a_cursor_signed_with_another_key_is_refused() -> None:
    issued = encode_cursor("a", "b")
    use_cursor_key(b"another replica with another key")
    try:
        with pytest.raises(InvalidCursor):
            decode_cursor(issued, 2)
    finally:
        from shared.settings import PlatformSettings

        use_cursor_key(PlatformSettings().cursor_key())


def test_a_full_page_points_at_its_last_item() -> None:
    items, cursor = page_of([1, 2, 3, 4], 3, lambda last: encode_cursor(last))
    assert items == [1, 2, 3]
    assert decode_cursor(cursor, 1) == ["3"]


def test_the_last_page_has_no_next_cursor() -> None:
    assert page_of([1, 2], 3, str) == ([1, 2], None)
