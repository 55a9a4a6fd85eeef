"""Webhook sources by name. Adding a carrier: one module with a `SOURCE`, one line here."""

from __future__ import annotations

from chalicelib.carriers import aftership, easypost, generic, shippo
from chalicelib.carriers.base import WebhookSource

SOURCES: dict[str, WebhookSource] = {
    generic.SOURCE.name: generic.SOURCE,
    easypost.SOURCE.name: easypost.SOURCE,
    aftership.SOURCE.name: aftership.SOURCE,
    shippo.SOURCE.name: shippo.SOURCE,
}


def get_source(name: str) -> WebhookSource | None:
    return SOURCES.get(name)
