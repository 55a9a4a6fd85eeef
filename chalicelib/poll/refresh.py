"""Use case: the merchant asks Kargo to poll one shipment now.

`POST /shipments/{carrier}/{tracking_number}/refresh`: 202 once the request is
queued (the poller asks the carrier within seconds), 404 for a shipment no
order registered, 409 for one that is not polled (its carrier posts webhooks)
or no longer polled (final).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from chalicelib import store
from chalicelib.domain.events import CANONICAL_TRACKING_NUMBER, normalise_tracking_number
from chalicelib.errors import Conflict, NotFound
from chalicelib.poll.requests import send_poll_requests

CARRIER_SLUG = re.compile(r"^[a-z0-9_-]{1,32}$")


def request_refresh(carrier: str, tracking_number: str, now: datetime) -> dict[str, Any]:
    from chalicelib.carriers import POLLED_MODULES

    tracking = normalise_tracking_number(tracking_number)
    if not CARRIER_SLUG.fullmatch(carrier) or not CANONICAL_TRACKING_NUMBER.fullmatch(tracking):
        raise NotFound("Unknown shipment.")
    record = store.load_shipment(carrier, tracking)
    if record is None or record.registration is None:
        raise NotFound("Unknown shipment.")
    if carrier not in POLLED_MODULES:
        raise Conflict("This carrier sends its updates to Kargo; it is not polled.")
    if record.state.status.is_final:
        raise Conflict("This shipment has a final status; it is no longer polled.")
    send_poll_requests([(carrier, tracking)], "refresh", now)
    return {"refresh": "queued", "carrier": carrier, "tracking_number": tracking}
