"""A fake HepsiJET integration API, for the local stack and the tests.

- `GET /auth/getToken` with `Authorization: Basic base64(user:password)`:
  `{"status": "OK", "data": {"token": ...}}`, the token valid 60 minutes;
- `POST /rest/deliveryTransaction/getDeliveryTracking` with `X-Auth-Token`:
  `{"deliveries": [{"customerDeliveryNo": ...}]}` -> `{"status": "OK", "data":
  [<delivery with its transactions>]}`; each query reveals the next step of each
  barcode's journey; a barcode in `unknown` is left out of `data`, as HepsiJET
  does for barcodes it does not know.

`fake.account()` is the dev account. Dev credentials it accepts: user `dev-hepsijet-user`, password
`dev-hepsijet-password`. Refusals and failures answer HepsiJET's envelope
`{"status": "FAIL", "message": ..., "data": null}` with the HTTP status (401
for bad credentials and for an expired or unknown token). HepsiJET does not
publish its error texts: the messages are a documented guess.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from chalicelib.carriers.polled import CarrierAccount
from chalicelib.clock import utc_now
from local.fakes.base import FakeCarrier, FakeRequest, FakeResponse

ISTANBUL = ZoneInfo("Europe/Istanbul")
USERNAME = "dev-hepsijet-user"
PASSWORD = "dev-hepsijet-password"  # noqa: S105 - a public local default
TOKEN_LIFETIME = timedelta(minutes=60)


@dataclass(frozen=True)
class HepsijetStep:
    """One transaction, as HepsiJET reports it."""

    delivery_status: str  # DeliveryStatus name
    transaction_type: str  # TransactionType name
    at: datetime  # aware
    location: str
    transaction: str  # the Turkish description


def _envelope(status: int, message: str, data: Any = None, ok: bool = False) -> FakeResponse:
    body = {"status": "OK" if ok else "FAIL", "message": message, "data": data}
    return FakeResponse(status, json.dumps(body, ensure_ascii=False).encode())


class HepsijetFake(FakeCarrier):
    slug = "hepsijet"

    def __init__(self, clock: Callable[[], datetime] = utc_now) -> None:
        super().__init__()
        self.clock = clock
        self.tokens: dict[str, datetime] = {}  # token -> expiry (UTC)
        self.unknown: set[str] = set()

    def account(self) -> CarrierAccount:
        """The account Kargo uses against this fake (the dev credentials)."""
        return CarrierAccount(url=self.url, username=USERNAME, password=PASSWORD)

    def expire_tokens(self) -> None:
        self.tokens.clear()

    def handle(self, request: FakeRequest) -> FakeResponse:
        path = urlsplit(request.path).path
        if path == "/auth/getToken" and request.method == "GET":
            return self._token(request)
        if path == "/rest/deliveryTransaction/getDeliveryTracking" and request.method == "POST":
            expires = self.tokens.get(request.headers.get("x-auth-token", ""))
            if expires is None or self.clock() >= expires:
                return _envelope(401, "Token geçersiz veya süresi dolmuş")
            return self._tracking(request)
        return _envelope(404, "Kaynak bulunamadı")

    def _token(self, request: FakeRequest) -> FakeResponse:
        scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
        try:
            offered = base64.b64decode(encoded, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            offered = ""
        if scheme != "Basic" or offered != f"{USERNAME}:{PASSWORD}":
            return _envelope(401, "Kullanıcı adı veya şifre hatalı")
        token = secrets.token_hex(16)
        self.tokens[token] = self.clock() + TOKEN_LIFETIME
        data = {"id": 1, "username": USERNAME, "token": token, "language": "tr"}
        return _envelope(200, "", data, ok=True)

    def _tracking(self, request: FakeRequest) -> FakeResponse:
        try:
            body = json.loads(request.body)
            wanted = [item["customerDeliveryNo"] for item in body["deliveries"]]
        except (ValueError, KeyError, TypeError):
            return _envelope(400, "Geçersiz istek")
        if not all(isinstance(number, str) for number in wanted):
            return _envelope(400, "Geçersiz istek")
        data = [
            _delivery(number, self.visible_steps(number))
            for number in wanted
            if number not in self.unknown and self.knows(number)
        ]
        return _envelope(200, "", data, ok=True)

    def failure(self, status: int) -> FakeResponse:
        return _envelope(status, "Servis geçici olarak kullanılamıyor")

    def default_journey(self, tracking_number: str) -> list[Any]:
        """Collected in Istanbul, delivered in Bursa, every step already in the past."""
        now = self.clock().astimezone(ISTANBUL).replace(microsecond=0)
        plan = [
            ("COLLECTED", "TAKE_CUSTODY", "İstanbul", "Gönderi teslim alındı"),
            ("TRANSFERRING", "LOAD_RING_VEHICLE", "İstanbul", "Gönderi transfer merkezinden çıktı"),
            ("READY", "UNLOAD_RING_VEHICLE", "Bursa", "Gönderi dağıtım merkezine ulaştı"),
            ("DELIVERING", "APPROVE_COURIER_DEPART", "Bursa", "Gönderi dağıtıma çıktı"),
            ("DELIVERED", "DELIVERY_ATTEMPT", "Bursa", "Gönderi teslim edildi"),
        ]
        return [
            HepsijetStep(status, kind, now - timedelta(hours=3 * (len(plan) - index)), city, text)
            for index, (status, kind, city, text) in enumerate(plan)
        ]


def _delivery(barcode: str, steps: list[HepsijetStep]) -> dict[str, Any]:
    latest = steps[-1] if steps else None
    promised = (steps[0].at + timedelta(days=2)) if steps else None
    return {
        "barcode": barcode,
        "customerDeliveryNo": barcode,
        "deliveryStatus": latest.delivery_status if latest else "NEO",
        "deliveryType": "RETAIL",
        "currentLocation": latest.location if latest else None,
        "lastTransaction": latest.transaction if latest else None,
        "deliveryDatePromised": promised.strftime("%Y-%m-%dT00:00:00") if promised else None,
        "transactions": [
            {
                "deliveryStatus": step.delivery_status,
                "transactionType": step.transaction_type,
                "transactionDateTime": step.at.astimezone(ISTANBUL).strftime("%Y-%m-%dT%H:%M:%S"),
                "location": step.location,
                "transaction": step.transaction,
            }
            for step in steps
        ],
    }


Fake = HepsijetFake
