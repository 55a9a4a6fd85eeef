"""A polled carrier that exists only in the tests: "Test Post", slug `testpost`.

It implements the polled-carrier protocol (`CLIENT`) over a trivial JSON API, and
`Fake` serves that API on the shared fake-carrier base, so the poller is tested
end to end without any real carrier's client. Its wire format:

    POST {url}/track   Authorization: Basic user:password   {"numbers": ["TP1", ...]}
    200 {"shipments": [{"number": "TP1", "moves": [{"code": "IN_TRANSIT",
                         "at": "2026-11-23T08:15:00+03:00", "text": "...", "city": "..."}]}]}
    401 wrong credentials; 429 (with Retry-After) throttled; 503 down
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, ClassVar

from chalicelib.carriers.polled import CarrierAccount, CarrierRefused, CarrierUnavailable
from chalicelib.domain.events import CarrierUpdate, Location, TrackingEvent, parse_utc
from chalicelib.domain.status import Status
from chalicelib.errors import UnprocessableDelivery
from local.fakes.base import FakeCarrier, FakeRequest, FakeResponse

SLUG = "testpost"
MODULE = "tests.support.testpost"
USERNAME, PASSWORD = "tp-user", "tp-password"

CODES = {
    "ACCEPTED": Status.INFO_RECEIVED,
    "IN_TRANSIT": Status.IN_TRANSIT,
    "OUT": Status.OUT_FOR_DELIVERY,
    "DELIVERED": Status.DELIVERED,
}


class TestPostClient:
    batch_size = 3
    requests_per_second = 1000.0
    max_concurrency = 2

    def __init__(self, slug: str = SLUG) -> None:
        self.slug = slug

    def fetch(self, tracking_numbers: Sequence[str], account: CarrierAccount) -> bytes:
        credentials = base64.b64encode(f"{account.username}:{account.password}".encode())
        request = urllib.request.Request(
            account.url + "/track",
            data=json.dumps({"numbers": list(tracking_numbers)}).encode(),
            headers={"Authorization": "Basic " + credentials.decode()},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                body: bytes = response.read()
                return body
        except urllib.error.HTTPError as error:
            if error.code in (401, 403):
                raise CarrierRefused(f"HTTP {error.code}") from error
            retry_after = error.headers.get("Retry-After")
            raise CarrierUnavailable(
                f"HTTP {error.code}", float(retry_after) if retry_after else None
            ) from error
        except OSError as error:
            raise CarrierUnavailable(str(error)) from error

    def parse(self, body: bytes) -> list[CarrierUpdate]:
        try:
            shipments = json.loads(body)["shipments"]
            return [
                CarrierUpdate(
                    self.slug,
                    shipment["number"],
                    tuple(
                        _event(self.slug, shipment["number"], move) for move in shipment["moves"]
                    ),
                )
                for shipment in shipments
            ]
        except (ValueError, KeyError, TypeError) as error:
            raise UnprocessableDelivery(f"not a Test Post answer: {error}") from error


def _event(slug: str, number: str, move: dict[str, Any]) -> TrackingEvent:
    return TrackingEvent(
        carrier=slug,
        tracking_number=number,
        occurred_at=parse_utc(move["at"]),
        status=CODES.get(move["code"], Status.UNKNOWN),
        description=move.get("text"),
        location=Location(city=move["city"], country="TR") if move.get("city") else None,
        carrier_status=move["code"],
    )


CLIENT = TestPostClient()


class Fake(FakeCarrier):
    """Test Post's server: each query shows one more step of each parcel's journey."""

    slug = SLUG
    # What `make run` exports for this fake (the local stack reads it from the module).
    DEV_ACCOUNT: ClassVar[dict[str, str]] = {"USERNAME": USERNAME, "PASSWORD": PASSWORD}

    def __init__(self, started_at: datetime | None = None) -> None:
        super().__init__()
        from chalicelib.clock import utc_now

        self.started_at = started_at or utc_now() - timedelta(hours=1)

    def handle(self, request: FakeRequest) -> FakeResponse:
        expected = base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()
        if request.headers.get("authorization") != f"Basic {expected}":
            return FakeResponse(401, b'{"error": "bad credentials"}')
        if request.method != "POST" or request.path != "/track":
            return FakeResponse(404, b'{"error": "no such endpoint"}')
        numbers = json.loads(request.body)["numbers"]
        shipments = [
            {"number": number, "moves": self.visible_steps(number)}
            for number in numbers
            if not number.startswith("UNKNOWN")
        ]
        return FakeResponse(200, json.dumps({"shipments": shipments}).encode())

    def default_journey(self, tracking_number: str) -> list[Any]:
        steps = [
            ("ACCEPTED", "Gönderi kabul edildi", "İstanbul"),
            ("IN_TRANSIT", "Transfer merkezinden çıktı", "İstanbul"),
            ("OUT", "Dağıtıma çıktı", "Ankara"),
            ("DELIVERED", "Teslim edildi", "Ankara"),
        ]
        return [
            {
                "code": code,
                "at": (self.started_at + timedelta(minutes=i)).isoformat(),
                "text": text,
                "city": city,
            }
            for i, (code, text, city) in enumerate(steps)
        ]
