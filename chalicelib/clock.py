"""The one place that reads the wall clock; use cases take `now` so tests control time."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> datetime:
    return datetime.now(UTC)
