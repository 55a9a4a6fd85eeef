"""Webhook sources by name. Adding a carrier: one module with a `SOURCE`, one line here."""

from __future__ import annotations

from chalicelib.carriers import generic
from chalicelib.carriers.base import WebhookSource

SOURCES: dict[str, WebhookSource] = {
    generic.SOURCE.name: generic.SOURCE,
}


def get_source(name: str) -> WebhookSource | None:
    return SOURCES.get(name)
