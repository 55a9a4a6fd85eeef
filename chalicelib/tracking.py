"""Use case: the public tracking lookup. No personal data beyond the customer's
first name (CONTRACT.md section 6). The shipment and its order (for the `actions`
of section 12) are one read call; the order's other parcels are read only while
this one has not left the shop (whether the order can still be cancelled)."""

from __future__ import annotations

import hmac
import re
from datetime import datetime
from typing import Any

from chalicelib import store
from chalicelib.domain.events import TrackingEvent, format_utc
from chalicelib.domain.prediction import Prediction
from chalicelib.domain.status import Locale, pick_locale
from chalicelib.errors import NotFound
from chalicelib.rendering.carriers import carrier_name
from chalicelib.rendering.events import event_description

# Sealed tokens are URL-safe base64 (87 characters for a 13-character tracking number
# of a 4-character order id);
# anything unlike one is refused without a read.
TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{16,400}$")


def event_view(event: TrackingEvent, locale: Locale) -> dict[str, Any]:
    return {
        "status": event.status.value,
        "status_label": event.status.label(locale),
        "occurred_at": format_utc(event.occurred_at),
        # Kargo's own events (shop cancellation, expiry) in the reader's language.
        "description": event_description(event, locale),
        "location": event.location.as_dict() if event.location else None,
    }


def find_tracked(token: str) -> store.TrackedShipment:
    """The registered shipment behind a token and its order (one read call), or the
    same 404 for every bad token."""
    found = store.find_shipment_by_token(token) if TOKEN_SHAPE.match(token) else None
    registration = found.record.registration if found else None
    if (
        found is None
        or registration is None
        or not hmac.compare_digest(registration.token.encode(), token.encode())
    ):
        raise NotFound("Unknown tracking link.")
    return found


def find_tracked_shipment(token: str) -> store.ShipmentRecord:
    """The registered shipment behind a token, or the same 404 for every bad token."""
    return find_tracked(token).record


def tracking_view(
    token: str, query_lang: str | None, accept_language: str | None, now: datetime
) -> dict[str, Any]:
    from chalicelib.shopper.self_service import self_service_for

    tracked = find_tracked(token)
    record = tracked.record
    registration = record.registration
    assert registration is not None  # find_tracked guarantees it
    locale = pick_locale(query_lang, accept_language, registration.locale)
    state = record.state
    updated = state.status_at or registration.registered_at
    return {
        "carrier": state.carrier,
        "tracking_number": state.tracking_number,
        "status": state.status.value,
        "status_label": state.status.label(locale),
        "delayed": state.delayed,
        "delay_reason": state.delay_reason.value if state.delay_reason else None,
        "estimated_delivery": state.estimated_delivery,
        "updated_at": format_utc(updated),
        "customer_first_name": registration.first_name,
        "events": [event_view(event, locale) for event in state.events],
        # What the shopper may do now (cancel, return, report_issue, rate).
        "actions": list(self_service_for(record, now, stored_order=tracked.order).actions),
        # Worked out on the write path (chalicelib/predictions.py): no read of its own.
        "carrier_name": carrier_name(state.carrier),
        "predicted_delivery": predicted_delivery(record),
    }


def predicted_delivery(record: store.ShipmentRecord) -> dict[str, str] | None:
    """The stored prediction's range, or None when nothing can be said."""
    prediction = Prediction.from_json(record.extra.get("prediction"))
    return prediction.as_json() if prediction else None
