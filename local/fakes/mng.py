"""A fake MNG Kargo / DHL eCommerce REST API (Apizone), for the local stack and the tests.

Serves under `/mngapi/api` (point `KARGO_MNG_URL` at `fake.api_url`, i.e.
`<fake.url>/mngapi/api`; the root works too; `fake.account()` is the whole dev account):

- `POST /mngapi/api/token`: the X-IBM client id and secret, then the customer
  number and password, are checked; the JWT lives one hour (`jwtExpireDate` in
  Istanbul time, `dd.MM.yyyy HH:mm:ss`);
- `GET /mngapi/api/standardqueryapi/getshipmentstatus/{ref}`: a list of one
  `ShipmentOUT` (reveals the next step of the journey);
- `GET /mngapi/api/standardqueryapi/trackshipment/{ref}`: the movements so far.

Dev credentials it accepts: client id `dev-mng-client-id`, client secret
`dev-mng-client-secret`, customer number `dev-mng-customer`, password
`dev-mng-password`. A wrong gateway pair gets the IBM API Connect gateway's
401 (`httpCode`/`httpMessage`/`moreInformation`); a wrong customer, an
unknown reference and an expired token get MNG's problem JSON
(`type`/`title`/`status`/`detail`). The exact texts of MNG's errors are not
published: these shapes are a documented guess.
"""

from __future__ import annotations

import json
import secrets
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo

from chalicelib.carriers.polled import CarrierAccount
from chalicelib.clock import utc_now
from local.fakes.base import FakeCarrier, FakeRequest, FakeResponse

ISTANBUL = ZoneInfo("Europe/Istanbul")
BASE_PATH = "/mngapi/api"
CLIENT_ID = "dev-mng-client-id"
CLIENT_SECRET = "dev-mng-client-secret"  # noqa: S105 - a public local default
CUSTOMER_NUMBER = "dev-mng-customer"
PASSWORD = "dev-mng-password"  # noqa: S105 - a public local default
TOKEN_LIFETIME = timedelta(hours=1)


@dataclass(frozen=True)
class MngStep:
    """One movement, as MNG reports it."""

    code: int  # shipmentStatusCode 1-8
    name: str  # eventStatus as MNG spells it
    at: datetime  # aware
    location: str
    description: str


def _problem(status: int, title: str, detail: str) -> FakeResponse:
    body: dict[str, Any] = {"type": f"https://api.mngkargo.com.tr/errors/{status}"}
    body |= {"title": title, "status": status, "detail": detail}
    return FakeResponse(status, json.dumps(body, ensure_ascii=False).encode())


class MngFake(FakeCarrier):
    slug = "mng"

    def __init__(self, clock: Callable[[], datetime] = utc_now) -> None:
        super().__init__()
        self.clock = clock
        self.tokens: dict[str, datetime] = {}  # jwt -> expiry (UTC)
        self.unknown: set[str] = set()  # references MNG answers "not found" for

    @property
    def api_url(self) -> str:
        return self.url + BASE_PATH

    def account(self) -> CarrierAccount:
        """The account Kargo uses against this fake (the dev credentials)."""
        return CarrierAccount(
            url=self.api_url,
            username=CUSTOMER_NUMBER,
            password=PASSWORD,
            extra={"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET},
        )

    def expire_tokens(self) -> None:
        """Every issued JWT is refused from now on (as after its expiry)."""
        self.tokens.clear()

    # --- the wire ----------------------------------------------------------------
    def handle(self, request: FakeRequest) -> FakeResponse:
        # Served under /mngapi/api as MNG does, and at the root too, so that a base
        # URL with or without the prefix reaches it.
        path = unquote(urlsplit(request.path).path)
        if (
            request.headers.get("x-ibm-client-id") != CLIENT_ID
            or request.headers.get("x-ibm-client-secret") != CLIENT_SECRET
        ):
            body = {
                "httpCode": "401",
                "httpMessage": "Unauthorized",
                "moreInformation": "Invalid client id or secret.",
            }
            return FakeResponse(401, json.dumps(body).encode())
        route = path.removeprefix(BASE_PATH)
        if route == "/token" and request.method == "POST":
            return self._token(request)
        if request.method != "GET":
            return _problem(405, "Method Not Allowed", "Desteklenmeyen metot")
        if not self._authorised(request):
            return _problem(401, "Unauthorized", "Token geçersiz veya süresi dolmuş")
        for prefix, reveal in (
            ("/standardqueryapi/getshipmentstatus/", True),
            ("/standardqueryapi/trackshipment/", False),
        ):
            if route.startswith(prefix):
                reference = route.removeprefix(prefix)
                if not reference or reference in self.unknown or not self.knows(reference):
                    return _problem(404, "Not Found", "Gönderi bulunamadı")
                steps = self.visible_steps(reference, advance=reveal)
                if reveal:
                    return _json(200, [_shipment_out(reference, steps, self.clock())])
                return _json(200, [_movement(step) for step in steps])
        return _problem(404, "Not Found", "Bilinmeyen adres")

    def _token(self, request: FakeRequest) -> FakeResponse:
        try:
            body = json.loads(request.body)
        except ValueError:
            return _problem(400, "Bad Request", "Geçersiz istek")
        if not isinstance(body, dict) or body.get("identityType") != 1:
            return _problem(400, "Bad Request", "identityType 1 olmalıdır")
        if body.get("customerNumber") != CUSTOMER_NUMBER or body.get("password") != PASSWORD:
            return _problem(401, "Unauthorized", "Müşteri numarası veya şifre hatalı")
        token = "eyJ" + secrets.token_urlsafe(24)
        expires = self.clock() + TOKEN_LIFETIME
        self.tokens[token] = expires
        local = expires.astimezone(ISTANBUL).strftime("%d.%m.%Y %H:%M:%S")
        refresh = (expires + timedelta(days=1)).astimezone(ISTANBUL).strftime("%d.%m.%Y %H:%M:%S")
        answer = {
            "jwt": token,
            "refreshToken": secrets.token_hex(16),
            "jwtExpireDate": local,
            "refreshTokenExpireDate": refresh,
        }
        return _json(200, answer)

    def _authorised(self, request: FakeRequest) -> bool:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        expires = self.tokens.get(token)
        return scheme == "Bearer" and expires is not None and self.clock() < expires

    def failure(self, status: int) -> FakeResponse:
        titles = {429: "Too Many Requests", 503: "Service Unavailable"}
        return _problem(status, titles.get(status, "Error"), "Servis geçici olarak kullanılamıyor")

    # --- journeys ---------------------------------------------------------------
    def default_journey(self, tracking_number: str) -> list[Any]:
        """Label to door, Istanbul to Ankara, every step already in the past."""
        now = self.clock().astimezone(ISTANBUL).replace(microsecond=0)
        plan = [
            (1, "Gönderi Hazırlandı", "İSTANBUL/ESENYURT", "Gönderi kargoya hazırlandı"),
            (2, "Transfer Aşamasında", "İSTANBUL/HADIMKÖY", "Gönderi aktarma merkezinden çıktı"),
            (3, "Teslimat Birimine Ulaştı", "ANKARA/ÇANKAYA", "Gönderi Çankaya şubesine ulaştı"),
            (4, "Alıcı Adresine Yönlendirildi", "ANKARA/ÇANKAYA", "Gönderi dağıtıma çıkarıldı"),
            (5, "Teslim Edildi", "ANKARA/ÇANKAYA", "Gönderi alıcısına teslim edildi"),
        ]
        return [
            MngStep(code, name, now - timedelta(hours=3 * (len(plan) - index)), place, text)
            for index, (code, name, place, text) in enumerate(plan)
        ]


def _json(status: int, body: Any) -> FakeResponse:
    return FakeResponse(status, json.dumps(body, ensure_ascii=False).encode())


def _local(moment: datetime, pattern: str) -> str:
    return moment.astimezone(ISTANBUL).strftime(pattern)


def _movement(step: MngStep) -> dict[str, Any]:
    return {
        "eventStatus": step.name,
        "eventStatusEn": None,
        "eventDateTime": _local(step.at, "%d-%m-%Y %H:%M:%S"),
        "location": step.location,
        "description": step.description,
    }


def _shipment_out(reference: str, steps: list[MngStep], now: datetime) -> dict[str, Any]:
    latest = steps[-1] if steps else None
    code = latest.code if latest else 0
    first = steps[0].at if steps else now
    return {
        "referenceId": reference,
        "shipmentId": "9" + str(zlib.crc32(reference.encode())).zfill(11),
        "shipmentStatusCode": code,
        "isDelivered": 1 if code == 5 else 0,
        "estimatedDeliveryDate": _local(first + timedelta(days=2), "%d.%m.%Y"),
        "trackingUrl": f"https://kargotakip.mngkargo.com.tr/?takipNo={reference}",
    }


Fake = MngFake
