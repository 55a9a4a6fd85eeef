"""`mng`: MNG Kargo / DHL eCommerce Türkiye, polled through its REST API
(the "Apizone" IBM API Connect gateway; the contract, section 10).

Operations (base URL `KARGO_MNG_URL`, e.g. `https://api.mngkargo.com.tr/mngapi/api`,
sandbox `https://testapi.mngkargo.com.tr/mngapi/api`):

- sign in: `POST /token` `{"customerNumber", "password", "identityType": 1}` with
  headers `X-IBM-Client-Id`, `X-IBM-Client-Secret` -> `{"jwt", "refreshToken",
  "jwtExpireDate": "dd.MM.yyyy HH:mm:ss", "refreshTokenExpireDate"}`;
- headline: `GET /standardqueryapi/getshipmentstatus/{referenceId}` with
  `Authorization: Bearer <jwt>` and the two X-IBM headers -> a `ShipmentOUT` (or a
  list of one): `shipmentStatusCode` 1-8, `isDelivered`, `estimatedDeliveryDate`, ...;
- movements: `GET /standardqueryapi/trackshipment/{referenceId}` (same headers) -> a
  list of `{eventStatus, eventStatusEn, eventDateTime: "dd-MM-yyyy HH:mm:ss",
  location, description}`.

The reference is the shop's order reference given to MNG when the label was
made (Kargo's tracking number for an MNG shipment). One reference per request:
`batch_size` 1, two GETs per shipment.

What `fetch` returns (several carrier answers framed as one JSON document, each
answer's body kept verbatim as text):

    {"format": "kargo.poll.mng/1",
     "answers": [{"reference": "SIP1001",
                  "shipment_status": {"http": 200, "body": "<raw JSON text>"},
                  "track": {"http": 200, "body": "<raw JSON text>"}}]}

How an answer is read:

- `reference` (frame): the tracking number (normalised);
- movement `eventDateTime`: `occurred_at`, a Europe/Istanbul local time made UTC;
- movement `eventStatus` (a name such as `Teslim Edildi` / `Teslim_Edildi`, or a
  code): the status via `MNG_STATUS_CODES` (names folded via `MNG_STATUS_NAMES`),
  kept verbatim in `carrier_status`;
- movement `description` (else `eventStatus`): `description`; `location`: the city;
- headline `estimatedDeliveryDate`: `estimated_delivery` (the day), unless delivered;
- headline `shipmentStatusCode`: `raw_status`, and an event of its own only when
  there are no movements and the headline names a time.

Statuses 5 (delivered) and 7 (returned, legacy) are final in MNG's words but
MNG may reverse them the same day ("en geç gün sonuna kadar", legacy service
documentation): they are mapped faithfully here with the raw code kept; the
domain decides when such a status becomes final.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import timedelta
from typing import Any
from urllib.parse import quote

from chalicelib.carriers import vendor_payloads as read
from chalicelib.carriers.polled import CarrierAccount, CarrierRefused, CarrierUnavailable
from chalicelib.carriers.rest_polling import (
    TIMEOUT_SECONDS,
    Clock,
    HttpCaller,
    TokenCache,
    fold_turkish,
    is_transient,
    istanbul_date,
    istanbul_time,
    token_expiry,
)
from chalicelib.carriers.status_maps import UNKNOWN, CanonicalStatus, report_unmapped
from chalicelib.clock import utc_now
from chalicelib.domain.events import CarrierUpdate, TrackingEvent
from chalicelib.domain.status import Status
from chalicelib.errors import UnprocessableDelivery

logger = logging.getLogger(__name__)

SLUG = "mng"
FRAME_FORMAT = "kargo.poll.mng/1"
TOKEN_PATH = "/token"  # noqa: S105 - a path, not a secret
STATUS_PATH = "/standardqueryapi/getshipmentstatus/"
TRACK_PATH = "/standardqueryapi/trackshipment/"
IDENTITY_TYPE = 1  # "customer number" sign-in; a protocol constant
TOKEN_LONGEST = timedelta(hours=1)  # never trust a token longer than this
NOT_FOUND = (400, 404)  # MNG's answer for a reference it does not know

# --- status codes -------------------------------------------------------------------
# Sources: [R] the REST Standard Query API schema (`ShipmentOUT.shipmentStatusCode`,
# `TrackShipmentResponse.eventStatus`), as quoted by two independent open-source
# clients (M); [L] the legacy SOAP service documentation, mng-docs.pdf in
# tcgunel/omniship-mng (H for the legacy service, whose codes 0-7 mostly agree).
MNG_STATUS_CODES: dict[str, CanonicalStatus] = {
    "0": CanonicalStatus(Status.INFO_RECEIVED),  # [L] Henüz işlem yapılmadı (registered only)
    "1": CanonicalStatus(Status.INFO_RECEIVED),  # [R] Gönderi hazırlandı (label, not handed over)
    "2": CanonicalStatus(Status.IN_TRANSIT),  # [R] Transfer aşamasında
    "3": CanonicalStatus(Status.IN_TRANSIT),  # [R] Teslimat birimine ulaştı (delivery branch)
    "4": CanonicalStatus(Status.OUT_FOR_DELIVERY),  # [R] Alıcı adresine yönlendirildi
    "5": CanonicalStatus(Status.DELIVERED),  # [R][L] Teslim edildi; may reverse the same day
    "6": CanonicalStatus(Status.FAILED_ATTEMPT),  # [R][L] Teslim edilemedi; [L]: not final
    "7": CanonicalStatus(Status.RETURNING),  # [R] Geri geliyor (legacy 7 is "returned")
    "8": CanonicalStatus(Status.EXCEPTION),  # [R] Destek gerekiyor (support needed)
}

# `eventStatus` is a name, not a code, in the movements (spelled with spaces or
# underscores, [R]); folded names -> codes. "Göndericiye teslim edildi" is the
# legacy name of a parcel back at the sender ([L] code 7): returned.
MNG_STATUS_NAMES: dict[str, str] = {
    "henuzislemyapilmadi": "0",
    "gonderihazirlandi": "1",
    "sipariskargoyaverildi": "1",  # [L] legacy name of 1
    "transferasamasinda": "2",
    "teslimatbirimineulasti": "3",
    "gonderiteslimbirimineulasti": "3",  # [L]
    "aliciadresineyonlendirildi": "4",
    "gonderiteslimatadresineyonlendirildi": "4",  # [L]
    "teslimedildi": "5",
    "teslimedilemedi": "6",
    "gerigeliyor": "7",
    "destekgerekiyor": "8",
}
RETURNED_NAMES = frozenset({"gondericiyeteslimedildi"})  # [L] 7: back at the sender

# MNG's own words for its codes, for an event that carries no description.
MNG_CODE_NAMES = {
    "0": "Henüz işlem yapılmadı",
    "1": "Gönderi hazırlandı",
    "2": "Transfer aşamasında",
    "3": "Teslimat birimine ulaştı",
    "4": "Alıcı adresine yönlendirildi",
    "5": "Teslim edildi",
    "6": "Teslim edilemedi",
    "7": "Geri geliyor",
    "8": "Destek gerekiyor",
}


def mng_status(raw: str | None) -> CanonicalStatus:
    """An MNG status (a code `5`, or a name `Teslim Edildi`) as a canonical status."""
    if raw is None:
        return UNKNOWN
    text = raw.strip()
    if text in MNG_STATUS_CODES:
        return MNG_STATUS_CODES[text]
    folded = fold_turkish(text)
    if folded in RETURNED_NAMES:
        return CanonicalStatus(Status.RETURNED)
    code = MNG_STATUS_NAMES.get(folded)
    if code is None:
        report_unmapped(SLUG, "status", text)
        return UNKNOWN
    return MNG_STATUS_CODES[code]


class MngClient:
    """The `PolledCarrier` for MNG. Limits are not published: one reference per
    request is what the API offers; the pace is a guess (see the carriers README)."""

    slug = SLUG
    batch_size = 1
    requests_per_second = 1.0  # fetches per second; each is two GETs
    max_concurrency = 2

    def __init__(self, clock: Clock = utc_now, timeout: float = TIMEOUT_SECONDS) -> None:
        self._clock = clock
        self._http = HttpCaller(SLUG, clock, timeout)
        self._tokens = TokenCache(clock)

    # --- asking --------------------------------------------------------------------
    def fetch(self, tracking_numbers: Sequence[str], account: CarrierAccount) -> bytes:
        answers = [self._ask(reference, account) for reference in tracking_numbers]
        frame = {"format": FRAME_FORMAT, "answers": answers}
        return json.dumps(frame, ensure_ascii=False).encode()

    def _ask(self, reference: str, account: CarrierAccount) -> dict[str, Any]:
        headline = self._get(STATUS_PATH, reference, account)
        if headline["http"] in NOT_FOUND:
            # MNG does not know the reference: its movements need not be asked for.
            return {"reference": reference, "shipment_status": headline, "track": headline}
        return {
            "reference": reference,
            "shipment_status": headline,
            "track": self._get(TRACK_PATH, reference, account),
        }

    def _get(self, path: str, reference: str, account: CarrierAccount) -> dict[str, Any]:
        url = _base(account) + path + quote(reference, safe="")
        key = _account_key(account)
        for attempt in (1, 2):
            token = self._token(account)
            response = self._http.send("GET", url, _query_headers(account, token))
            if response.status_code == 401 and attempt == 1:
                # Expired early, or revoked: sign in again, once.
                self._tokens.forget(key, token)
                continue
            break
        if response.status_code in (401, 403):
            raise CarrierRefused("mng: the API refused the account's token")
        if is_transient(response.status_code):
            raise self._http.unavailable(response)
        if response.status_code == 200 or response.status_code in NOT_FOUND:
            return {"http": response.status_code, "body": response.text}
        raise CarrierUnavailable(f"mng: HTTP {response.status_code}")

    def _token(self, account: CarrierAccount) -> str:
        key = _account_key(account)
        cached = self._tokens.get(key)
        if cached is not None:
            return cached
        body = {
            "customerNumber": account.username,
            "password": account.password,
            "identityType": IDENTITY_TYPE,
        }
        response = self._http.send(
            "POST", _base(account) + TOKEN_PATH, _gateway_headers(account), body
        )
        if response.status_code in (400, 401, 403):
            raise CarrierRefused(f"mng: sign-in refused (HTTP {response.status_code})")
        if response.status_code != 200:
            raise self._http.unavailable(response)
        try:
            answer = response.json()
        except ValueError as error:
            raise CarrierUnavailable("mng: the token answer is not JSON") from error
        token = read.text_at(answer, "jwt") if isinstance(answer, dict) else None
        if token is None:
            raise CarrierUnavailable("mng: the token answer holds no jwt")
        expires = istanbul_time(read.text_at(answer, "jwtExpireDate"))
        self._tokens.put(key, token, token_expiry(expires, self._clock(), TOKEN_LONGEST))
        return token

    # --- reading -------------------------------------------------------------------
    def parse(self, body: bytes) -> list[CarrierUpdate]:
        frame = read.load_json_object(body, SLUG)
        answers = frame.get("answers")
        if frame.get("format") != FRAME_FORMAT or not isinstance(answers, list):
            raise UnprocessableDelivery("mng: not a Kargo MNG poll answer")
        updates: list[CarrierUpdate] = []
        unreadable = 0
        for answer in answers:
            try:
                updates += _update(answer)
            except UnprocessableDelivery as error:
                # One unreadable answer never drops its neighbours.
                unreadable += 1
                logger.warning("mng: skipped an answer: %s", error)
        if answers and unreadable == len(answers):
            raise UnprocessableDelivery("mng: no answer in the poll could be read")
        return updates


def _base(account: CarrierAccount) -> str:
    return account.url.rstrip("/")


def _account_key(account: CarrierAccount) -> tuple[str, str]:
    return (_base(account), account.username)


def _gateway_headers(account: CarrierAccount) -> dict[str, str]:
    client_id = account.extra.get("client_id", "")
    client_secret = account.extra.get("client_secret", "")
    if not client_id or not client_secret:
        raise CarrierRefused("mng: KARGO_MNG_CLIENT_ID and KARGO_MNG_CLIENT_SECRET are required")
    return {
        "X-IBM-Client-Id": client_id,
        "X-IBM-Client-Secret": client_secret,
        "Accept": "application/json",
        "Content-Type": "application/json",
    }


def _query_headers(account: CarrierAccount, token: str) -> dict[str, str]:
    return {**_gateway_headers(account), "Authorization": f"Bearer {token}"}


def _carrier_json(answer: read.JsonObject, field: str) -> Any:
    """The decoded body of one framed carrier answer; None for "not found"."""
    part = read.object_at(answer, field)
    if part is None or part.get("http") != 200:
        return None
    text = part.get("body")
    if not isinstance(text, str) or not text.strip():
        return None
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as error:
        raise UnprocessableDelivery(f"mng: the {field} answer is not JSON") from error


def _update(answer: Any) -> list[CarrierUpdate]:
    if not isinstance(answer, dict):
        raise UnprocessableDelivery("mng: an answer is not an object")
    tracking_number = read.tracking_number_from(read.text_at(answer, "reference"), SLUG)
    headline = _first_object(_carrier_json(answer, "shipment_status"))
    moves = _carrier_json(answer, "track")
    entries = [moves] if isinstance(moves, dict) else moves if isinstance(moves, list) else []
    events = [
        event
        for entry in entries
        if isinstance(entry, dict) and (event := _movement(tracking_number, entry)) is not None
    ]
    headline_code = read.text_at(headline, "shipmentStatusCode")
    if not events and headline is not None:
        event = _headline_event(tracking_number, headline, headline_code)
        events = [event] if event is not None else []
    delivered = headline_code == "5" or (
        headline is not None and headline.get("isDelivered") in (1, True)
    )
    estimate = None if delivered else istanbul_date(read.text_at(headline, "estimatedDeliveryDate"))
    return read.single_update(SLUG, tracking_number, events, estimate, headline_code)


def _first_object(value: Any) -> read.JsonObject | None:
    if isinstance(value, list):
        value = next((item for item in value if isinstance(item, dict)), None)
    return value if isinstance(value, dict) else None


def _movement(tracking_number: str, entry: read.JsonObject) -> TrackingEvent | None:
    occurred_at = istanbul_time(read.text_at(entry, "eventDateTime"))
    if occurred_at is None:
        read.skip_unreadable_entry(SLUG, "movement")
        return None
    raw = read.text_at(entry, "eventStatus")
    canonical = mng_status(raw)
    return TrackingEvent(
        carrier=SLUG,
        tracking_number=tracking_number,
        occurred_at=occurred_at,
        status=canonical.status,
        description=read.text_at(entry, "description") or raw,
        location=read.location_from(read.text_at(entry, "location"), None, None, None),
        carrier_status=raw,
        delayed=canonical.delayed,
    )


# The headline carries no documented time field of its own; these are the names
# open-source clients read (the first readable one wins).
HEADLINE_TIME_FIELDS = ("statusDateTime", "shipmentStatusDateTime", "deliveryDateTime")


def _headline_event(
    tracking_number: str, headline: read.JsonObject, code: str | None
) -> TrackingEvent | None:
    occurred_at = next(
        (
            moment
            for field in HEADLINE_TIME_FIELDS
            if (moment := istanbul_time(read.text_at(headline, field))) is not None
        ),
        None,
    )
    if occurred_at is None or code is None:
        return None
    canonical = mng_status(code)
    return TrackingEvent(
        carrier=SLUG,
        tracking_number=tracking_number,
        occurred_at=occurred_at,
        status=canonical.status,
        description=read.text_at(headline, "shipmentStatus") or MNG_CODE_NAMES.get(code),
        carrier_status=code,
        delayed=canonical.delayed,
    )


CLIENT = MngClient()
