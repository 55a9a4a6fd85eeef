"""What a webhook source is: a way to check a signature and a way to read a body.

A source module defines one `WebhookSource` and is registered in
`chalicelib/carriers/__init__.py`. `verify` runs in the ingress on the raw
bytes before anything is stored; `parse` runs in the consumer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from chalicelib.domain.events import CarrierUpdate


@dataclass(frozen=True)
class WebhookRequest:
    raw_body: bytes
    headers: Mapping[str, str]  # names lower-cased
    query: Mapping[str, str] = field(default_factory=dict)
    received_at: datetime | None = None

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


class WebhookSource(Protocol):
    name: str

    def verify(self, request: WebhookRequest, secrets: Sequence[str], now: datetime) -> None:
        """Raise `chalicelib.errors.InvalidSignature` unless the request is authentic."""

    def parse(self, body: bytes) -> list[CarrierUpdate]:
        """Turn a verified body into canonical updates, one per shipment.

        Raise `chalicelib.errors.UnprocessableDelivery` for a body that can never
        be read (it goes to the dead-letter queue). Return [] for a body that is
        valid but carries nothing to track (for example a test ping).
        """
