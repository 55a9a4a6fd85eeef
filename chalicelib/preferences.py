"""Use case: the shopper's notification preferences (CONTRACT.md section 8).

Preferences live in the order document (`document["notifications"]`), where the
notifier reads them before every message: a channel turned off here shows as
`skipped` from then on. The document is replaced guarded by its version, and
read again when someone else changed it in between.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, StrictBool, model_validator

from chalicelib import store
from chalicelib.errors import Conflict, NotFound
from chalicelib.retry import wait_before_retry

MAX_ATTEMPTS = 5
# What the notifier assumes when an order never said (CONTRACT.md section 5).
DEFAULTS = {"email": True, "sms": False, "whatsapp": False}


class PreferencesIn(BaseModel):
    """Any subset of the channels; a channel left out keeps its setting."""

    model_config = ConfigDict(extra="forbid")

    email: StrictBool | None = None
    sms: StrictBool | None = None
    whatsapp: StrictBool | None = None

    @model_validator(mode="after")
    def _says_something(self) -> PreferencesIn:
        if self.email is None and self.sms is None and self.whatsapp is None:
            raise ValueError("give `email`, `sms` or `whatsapp`, each true or false")
        return self


@dataclass(frozen=True)
class Channels:
    """The order's preferences, and which channels it can be reached on at all."""

    email: bool
    sms: bool
    has_email: bool
    has_phone: bool
    whatsapp: bool = False

    def as_public(self) -> dict[str, bool]:
        return {"email": self.email, "sms": self.sms}


def stored_preferences(document: dict[str, Any]) -> dict[str, bool]:
    stored = document.get("notifications") or {}
    return {name: bool(stored.get(name, default)) for name, default in DEFAULTS.items()}


def _order_id(record: store.ShipmentRecord) -> str:
    assert record.registration is not None  # find_tracked_shipment guarantees it
    return record.registration.order_id


def _load(order_id: str) -> store.StoredOrder:
    stored = store.load_order(order_id)
    if stored is None:  # a shipment outliving its order: treat the link as unknown
        raise NotFound("Unknown tracking link.")
    return stored


def channels(record: store.ShipmentRecord) -> Channels:
    """For the settings page: what is on, and what can be offered."""
    document = _load(_order_id(record)).document
    customer = document.get("customer") or {}
    current = stored_preferences(document)
    return Channels(
        email=current["email"],
        sms=current["sms"],
        has_email=bool(customer.get("email")),
        has_phone=bool(customer.get("phone")),
        whatsapp=current["whatsapp"],
    )


def set_preferences(record: store.ShipmentRecord, change: PreferencesIn) -> dict[str, bool]:
    """Store the change on the shipment's order; the stored preferences after it."""
    order_id = _order_id(record)
    for attempt in range(MAX_ATTEMPTS):
        stored = _load(order_id)
        current = stored_preferences(stored.document)
        asked = change.model_dump(exclude_none=True)
        wanted = {name: asked.get(name, value) for name, value in current.items()}
        if stored.document.get("notifications") == wanted:
            return wanted  # nothing to write: a repeated click costs no write
        document = {**stored.document, "notifications": wanted}
        try:
            store.update_order_document(order_id, document, stored.version)
        except store.ConcurrentUpdate:
            wait_before_retry(attempt)
            continue  # the order changed under us: read it again
        return wanted
    raise Conflict("The order is being changed by another request; try again.")


def unsubscribe_email(record: store.ShipmentRecord) -> dict[str, bool]:
    """The one-click unsubscribe of RFC 8058: e-mail off, SMS as it was."""
    return set_preferences(record, PreferencesIn(email=False))
