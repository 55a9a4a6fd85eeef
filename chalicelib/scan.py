"""Use case: the scheduled scan. Placeholder until the delay issue lands: it
reports that it ran and touched nothing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.domain.events import format_utc


def scan_due_shipments(now: datetime) -> dict[str, Any]:
    return {"scanned": 0, "at": format_utc(now)}
