"""The requests inbox: what shoppers asked for (cancellation, return, issue).

Shopper requests are not stored yet: the self-service issue adds them. Until
then the inbox is empty and deciding a request finds none. The requests use
case replaces the two functions below (an open-requests Query on its own sparse
index, and its approve/decline use cases); the pages already render requests of
the shape `{"request_id", "type", "status", "order_id", "requested_at",
"reason", "comment"}` with approve/decline buttons when `status` is `requested`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.errors import NotFound


def open_requests() -> list[dict[str, Any]]:
    """Requests waiting for the shop, oldest first. None are stored yet."""
    return []


def decide_request(
    order_id: str, request_id: str, decision: str, reason: str | None, now: datetime
) -> None:
    """Approve or decline one request. With none stored, every id is unknown."""
    raise NotFound("Unknown request.")
