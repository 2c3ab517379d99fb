"""Opaque cursors: what one page encodes, the next page decodes; anything else is a 422."""

from __future__ import annotations

import pytest

from shared.errors import Invalid
from shared.pagination import decode_cursor, encode_cursor, page_of


def test_a_cursor_round_trips_its_values() -> None:
    cursor = encode_cursor("2026-11-25T10:00:00+00:00", "5f0c…")
    assert decode_cursor(cursor, 2) == ["2026-11-25T10:00:00+00:00", "5f0c…"]


def test_no_cursor_means_the_first_page() -> None:
    assert decode_cursor(None, 2) is None


@pytest.mark.parametrize("cursor", ["%%%", encode_cursor("only-one"), "bm90IGpzb24"])
def test_a_cursor_this_api_did_not_issue_is_refused_naming_the_field(cursor: str) -> None:
    with pytest.raises(Invalid) as refused:
        decode_cursor(cursor, 2)
    assert refused.value.extra["errors"][0]["field"] == "cursor"


def test_a_full_page_points_at_its_last_item() -> None:
    items, cursor = page_of([1, 2, 3, 4], 3, lambda last: encode_cursor(last))
    assert items == [1, 2, 3]
    assert decode_cursor(cursor, 1) == ["3"]


def test_the_last_page_has_no_next_cursor() -> None:
    assert page_of([1, 2], 3, str) == ([1, 2], None)
