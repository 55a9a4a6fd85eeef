"""What a polled carrier is: a way to ask about many tracking numbers, and a way
to read the answer.

Turkish carriers publish no tracking webhooks (CONTRACT.md section 10): Kargo
asks them. A polled carrier module defines one `CLIENT` (a `PolledCarrier`) and
is registered in `chalicelib/carriers/__init__.py` (`POLLED`).

The poller (`chalicelib/poll/`) calls `fetch` with at most `batch_size`
tracking numbers and puts the raw answer on the webhook queue as a delivery of
source `poll:<slug>`; the consumer then calls `parse` on it, exactly as it
calls a webhook source's `parse`. So an answer that cannot be read is
dead-lettered, and a repeated answer writes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from chalicelib.domain.events import CarrierUpdate

POLL_SOURCE_PREFIX = "poll:"


@dataclass(frozen=True)
class CarrierAccount:
    """Where a carrier's API is and how Kargo signs in to it.

    From `KARGO_<CARRIER>_URL`, `_USERNAME`, `_PASSWORD` (and the carrier's
    other credentials in `extra`, e.g. `customer_code`, `client_id`,
    `client_secret`); in AWS from Secrets Manager. Never logged: `__repr__`
    shows the URL only.
    """

    url: str
    username: str = field(default="", repr=False)
    password: str = field(default="", repr=False)
    extra: Mapping[str, str] = field(default_factory=dict, repr=False)


class CarrierUnavailable(Exception):
    """The carrier did not answer usefully this time (down, 5xx, timeout, 429,
    a SOAP fault about its own trouble). The poller backs off and asks again
    later; the shipments it asked about wait, nothing fails."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after  # seconds, when the carrier said (Retry-After)


class CarrierRefused(Exception):
    """The carrier refused us for good (bad credentials, IP not allowed): no
    retry helps until an operator fixes the account. Logged once per run."""


class PolledCarrier(Protocol):
    slug: str  # the Kargo carrier slug: "yurtici", "aras", ...
    batch_size: int  # tracking numbers per request, as far as the API allows
    requests_per_second: float  # the pace the carrier tolerates (token bucket rate)
    max_concurrency: int  # requests in flight at once

    def fetch(self, tracking_numbers: Sequence[str], account: CarrierAccount) -> bytes:
        """Ask the carrier about these numbers; the raw answer, as the carrier sent it
        (a SOAP envelope, a JSON body), or several answers framed by the module.

        Raise `CarrierUnavailable` on trouble worth retrying later, and
        `CarrierRefused` when the account is refused. Numbers the carrier does
        not know are simply absent from what `parse` later returns.
        """

    def parse(self, body: bytes) -> list[CarrierUpdate]:
        """The answer `fetch` returned, as canonical updates, one per shipment.

        Raise `chalicelib.errors.UnprocessableDelivery` for an answer that can
        never be read (it goes to the dead-letter queue). Times are the
        carrier's local times (Europe/Istanbul) made UTC; every event keeps the
        carrier's raw code in `carrier_status`.
        """
