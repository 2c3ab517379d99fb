"""The sign-in throttle's arithmetic: when a refused subject may try again. No I/O."""

from __future__ import annotations

import math
from datetime import datetime, timedelta


def retry_after(
    failures: list[datetime], *, limit: int, window: timedelta, now: datetime
) -> int | None:
    """Seconds until one more attempt is allowed, or None when it is allowed now.

    `failures` are the failed attempts inside the window, oldest first; the attempt is refused
    while `limit` of them remain inside it.
    """
    if len(failures) < limit:
        return None
    # The attempt is allowed once enough of the oldest failures leave the window.
    release = failures[len(failures) - limit] + window
    return max(1, math.ceil((release - now).total_seconds()))
