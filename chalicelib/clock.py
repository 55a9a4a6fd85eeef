"""The one place that reads the wall clock; use cases take `now` so tests control time.

It also owns waiting: `sleep` instead of `time.sleep`, which libfaketime (how an
operator or CI runs the whole stack at another date) breaks: CPython sleeps
until an absolute monotonic deadline with `clock_nanosleep`, and libfaketime
answers that with EINVAL when it leaves the monotonic clock alone. A timed wait
on an event is immune and waits just as long.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime


def utc_now() -> datetime:
    return datetime.now(UTC)


def sleep(seconds: float) -> None:
    """Wait `seconds` (nothing for zero or less)."""
    if seconds > 0:
        threading.Event().wait(seconds)
