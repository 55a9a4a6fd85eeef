"""Sources by name. Adding a webhook carrier: one module with a `SOURCE`, one line in
`SOURCES`. Adding a polled carrier: one module with a `CLIENT`, one line in `POLLED_MODULES`.
"""

from __future__ import annotations

import importlib

from chalicelib.carriers import aftership, easypost, generic, kolaygelsin, shippo
from chalicelib.carriers.base import WebhookRequest, WebhookSource
from chalicelib.carriers.polled import POLL_SOURCE_PREFIX, PolledCarrier
from chalicelib.domain.events import CarrierUpdate
from chalicelib.errors import InvalidSignature

SOURCES: dict[str, WebhookSource] = {
    generic.SOURCE.name: generic.SOURCE,
    easypost.SOURCE.name: easypost.SOURCE,
    aftership.SOURCE.name: aftership.SOURCE,
    shippo.SOURCE.name: shippo.SOURCE,
    kolaygelsin.SOURCE.name: kolaygelsin.SOURCE,
}

# Carriers Kargo asks (CONTRACT.md section 10): slug -> the module that defines its
# `CLIENT`, imported on first use so that the API's cold start never pays for SOAP.
POLLED_MODULES: dict[str, str] = {
    "yurtici": "chalicelib.carriers.yurtici",
    "aras": "chalicelib.carriers.aras",
    "mng": "chalicelib.carriers.mng",
    "ptt": "chalicelib.carriers.ptt",
    "hepsijet": "chalicelib.carriers.hepsijet",
    "surat": "chalicelib.carriers.surat",
}


def get_polled(slug: str) -> PolledCarrier | None:
    module = POLLED_MODULES.get(slug)
    if module is None:
        return None
    client: PolledCarrier = importlib.import_module(module).CLIENT
    return client


class PollAnswers:
    """A polled carrier's answer, queued by the poller as source `poll:<slug>`.

    Never accepted over HTTP (nobody outside can post a poll answer): `verify`
    refuses every request; the consumer only calls `parse`."""

    def __init__(self, client: PolledCarrier) -> None:
        self.client = client
        self.name = POLL_SOURCE_PREFIX + client.slug

    def verify(self, request: WebhookRequest, secrets: object, now: object) -> None:
        raise InvalidSignature()

    def parse(self, body: bytes) -> list[CarrierUpdate]:
        return self.client.parse(body)


def get_source(name: str) -> WebhookSource | None:
    """A webhook source, or the reader of a polled carrier's answers (`poll:<slug>`)."""
    if name.startswith(POLL_SOURCE_PREFIX):
        client = get_polled(name.removeprefix(POLL_SOURCE_PREFIX))
        return PollAnswers(client) if client is not None else None
    return SOURCES.get(name)


def is_http_source(name: str) -> bool:
    """Sources that may be posted to `/webhooks/{source}`."""
    return name in SOURCES
