"""`hepsijet`: HepsiJET, polled through its REST integration API (the contract, section 10).

Operations (base URL `KARGO_HEPSIJET_URL`, e.g. the test server
`https://integration-apitest.hepsijet.com`):

- sign in: `GET /auth/getToken` with `Authorization: Basic base64(user:password)`
  -> `{"status": "OK", "data": {"token": "...", ...}}`; the token goes in the
  `X-Auth-Token` header and lives 60 minutes;
- tracking: `POST /rest/deliveryTransaction/getDeliveryTracking`
  `{"deliveries": [{"customerDeliveryNo": "<barcode>"}, ...]}` ->
  `{"status": "OK", "data": [<delivery>, ...]}` (the whole history of each barcode;
  one request per batch, and its body is what `fetch` returns, untouched).

A `<delivery>` as Kargo reads it:

- `barcode` (else `customerDeliveryNo`): the tracking number (normalised);
- `transactions[]`: one event each: `transactionDateTime` (Europe/Istanbul local
  time unless it carries an offset) is `occurred_at`; `deliveryStatus` gives the
  status via `HEPSIJET_STATUSES`, and `carrier_status` is
  `deliveryStatus/transactionType` verbatim; `transaction` (else
  `nonDeliveryReason`) is the description; `location` the city;
- `deliveryDatePromised`: `estimated_delivery` (the day in Istanbul);
- `deliveryStatus`: `raw_status`.

A barcode HepsiJET does not know is absent from `data`. The alternative summary
endpoint (`POST /rest/delivery/integration/track {"barcodes": [...]}`, coarse
`integrationStatus` values and no descriptions) is not used.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from chalicelib.carriers import vendor_payloads as read
from chalicelib.carriers.polled import CarrierAccount, CarrierRefused, CarrierUnavailable
from chalicelib.carriers.rest_polling import (
    TIMEOUT_SECONDS,
    Clock,
    HttpCaller,
    TokenCache,
    istanbul_date,
    istanbul_time,
)
from chalicelib.carriers.status_maps import UNKNOWN, CanonicalStatus, report_unmapped
from chalicelib.clock import utc_now
from chalicelib.domain.events import CarrierUpdate, TrackingEvent
from chalicelib.domain.status import Status
from chalicelib.errors import UnprocessableDelivery

logger = logging.getLogger(__name__)

SLUG = "hepsijet"
TOKEN_PATH = "/auth/getToken"  # noqa: S105 - a path, not a secret
TRACKING_PATH = "/rest/deliveryTransaction/getDeliveryTracking"
TOKEN_LIFETIME = timedelta(minutes=55)  # HepsiJET's 60 minutes, less a margin

# --- statuses ---------------------------------------------------------------------
# `deliveryStatus` values. Sources: the DeliveryStatus enum of the Java client
# OmerKilic0/HepsijetIntegration (41 values, M where PyPI `hepsijet` 0.1.0 lists
# the same name: COLLECTED, TRANSFERRING_COLLECT, READY, WAITING_FOR_DISPATCH,
# DELIVERING, DELIVERED, DELETED; L otherwise). The meaning of each value is read
# from its name: HepsiJET publishes no description. Values about documents and
# signatures (SIGNED, PRINTED_OUT, ...) say nothing about a parcel: `unknown`.
HEPSIJET_STATUSES: dict[str, CanonicalStatus] = {
    "NEO": CanonicalStatus(Status.INFO_RECEIVED),  # L: new, order received
    "NEO_COLLECT": CanonicalStatus(Status.INFO_RECEIVED),  # L: new, to be collected
    "COLLECTING": CanonicalStatus(Status.INFO_RECEIVED),  # L: courier on the way to collect
    "COLLECTED": CanonicalStatus(Status.IN_TRANSIT),  # M: picked up from the sender
    "TRANSFERRING_COLLECT": CanonicalStatus(Status.IN_TRANSIT),  # M
    "TRANSFERRING": CanonicalStatus(Status.IN_TRANSIT),  # L: between hubs
    "TRANSFERRING_TRANSFER": CanonicalStatus(Status.IN_TRANSIT),  # L
    "READY": CanonicalStatus(Status.IN_TRANSIT),  # M: at the delivery hub
    "READY_FOR_DELIVERY": CanonicalStatus(Status.IN_TRANSIT),  # L
    "WAITING_FOR_DISPATCH": CanonicalStatus(Status.IN_TRANSIT),  # M
    "DISPATCHING": CanonicalStatus(Status.IN_TRANSIT),  # L: being handed to a courier
    "BACK_TO_WAREHOUSE": CanonicalStatus(Status.IN_TRANSIT),  # L: back at the hub, retried
    "DELIVERING": CanonicalStatus(Status.OUT_FOR_DELIVERY),  # M: with the courier
    "DELIVERED": CanonicalStatus(Status.DELIVERED),  # M
    "RETRY": CanonicalStatus(Status.FAILED_ATTEMPT),  # L: attempt failed, will retry
    "UNDELIVERED": CanonicalStatus(Status.FAILED_ATTEMPT),  # L
    "UNDELIVERABLE": CanonicalStatus(Status.EXCEPTION),  # L
    "REFUSED": CanonicalStatus(Status.EXCEPTION),  # L: refused by the recipient
    "MISSING": CanonicalStatus(Status.EXCEPTION),  # L: not found at a scan
    "MISSING_CONTENT": CanonicalStatus(Status.EXCEPTION),  # L
    "MISSING_DOCUMENT": CanonicalStatus(Status.EXCEPTION),  # L
    "DAMAGED": CanonicalStatus(Status.EXCEPTION),  # L
    "PARTIALLY_DELIVERED": CanonicalStatus(Status.EXCEPTION),  # L: some parcels missing
    "UNABLE_TO_COLLECT": CanonicalStatus(Status.EXCEPTION),  # L
    "MARK_FOR_RETURN": CanonicalStatus(Status.RETURNING),  # L
    "TRANSFERRING_RETURN": CanonicalStatus(Status.RETURNING),  # L
    "RETURNED": CanonicalStatus(Status.RETURNED),  # L: back at the sender
    "CANCELLED": CanonicalStatus(Status.CANCELLED),  # L
    "DELETED": CanonicalStatus(Status.CANCELLED),  # M: the shop deleted the order
    "DISPOSED": CanonicalStatus(Status.FAILED),  # L: destroyed
}


def hepsijet_status(raw: str | None) -> CanonicalStatus:
    if raw is None:
        return UNKNOWN
    key = raw.strip().upper()
    if key not in HEPSIJET_STATUSES:
        report_unmapped(SLUG, "deliveryStatus", raw)
        return UNKNOWN
    return HEPSIJET_STATUSES[key]


class HepsijetClient:
    """The `PolledCarrier` for HepsiJET. The API takes a list of barcodes; its
    limits are not published: 50 per request at one request a second is a guess
    (see the carriers README)."""

    slug = SLUG
    batch_size = 50
    requests_per_second = 1.0
    max_concurrency = 1

    def __init__(self, clock: Clock = utc_now, timeout: float = TIMEOUT_SECONDS) -> None:
        self._clock = clock
        self._http = HttpCaller(SLUG, clock, timeout)
        self._tokens = TokenCache(clock)

    def tracking_request(self, tracking_numbers: Sequence[str]) -> dict[str, Any]:
        return {"deliveries": [{"customerDeliveryNo": number} for number in tracking_numbers]}

    def fetch(self, tracking_numbers: Sequence[str], account: CarrierAccount) -> bytes:
        url = account.url.rstrip("/") + TRACKING_PATH
        key = _account_key(account)
        body = self.tracking_request(tracking_numbers)
        for attempt in (1, 2):
            token = self._token(account)
            headers = {
                "X-Auth-Token": token,
                "Accept": "application/json",
                "Content-Type": "application/json",
            }
            response = self._http.send("POST", url, headers, body)
            if response.status_code == 401 and attempt == 1:
                self._tokens.forget(key, token)  # expired early: sign in again, once
                continue
            break
        if response.status_code in (401, 403):
            raise CarrierRefused("hepsijet: the API refused the account's token")
        if response.status_code != 200:
            # 429/5xx are the carrier's trouble; any other answer is one we cannot
            # use now either: back off and ask again rather than fail the shipments.
            raise self._http.unavailable(response)
        content: bytes = response.content
        return content

    def _token(self, account: CarrierAccount) -> str:
        key = _account_key(account)
        cached = self._tokens.get(key)
        if cached is not None:
            return cached
        credentials = base64.b64encode(f"{account.username}:{account.password}".encode()).decode()
        headers = {"Authorization": f"Basic {credentials}", "Accept": "application/json"}
        response = self._http.send("GET", account.url.rstrip("/") + TOKEN_PATH, headers)
        if response.status_code in (400, 401, 403):
            raise CarrierRefused(f"hepsijet: sign-in refused (HTTP {response.status_code})")
        if response.status_code != 200:
            raise self._http.unavailable(response)
        try:
            answer = response.json()
        except ValueError as error:
            raise CarrierUnavailable("hepsijet: the token answer is not JSON") from error
        data = read.object_at(answer, "data") if isinstance(answer, dict) else None
        token = read.text_at(data, "token") or (
            read.text_at(answer, "token") if isinstance(answer, dict) else None
        )
        if token is None:
            raise CarrierRefused("hepsijet: sign-in answered without a token")
        self._tokens.put(key, token, self._clock() + TOKEN_LIFETIME)
        return token

    def parse(self, body: bytes) -> list[CarrierUpdate]:
        answer = read.load_json_object(body, SLUG)
        data = answer.get("data")
        deliveries = [data] if isinstance(data, dict) else data if isinstance(data, list) else None
        if deliveries is None:
            if "status" in answer or "message" in answer:
                return []  # an answer naming no delivery: none of the barcodes is known yet
            raise UnprocessableDelivery("hepsijet: the answer holds no deliveries")
        updates: list[CarrierUpdate] = []
        for delivery in deliveries:
            if not isinstance(delivery, dict):
                continue
            try:
                updates += _update(delivery)
            except UnprocessableDelivery as error:
                logger.warning("hepsijet: skipped a delivery: %s", error)  # neighbours stay
        return updates


def _account_key(account: CarrierAccount) -> tuple[str, str]:
    return (account.url.rstrip("/"), account.username)


def _update(delivery: read.JsonObject) -> list[CarrierUpdate]:
    tracking_number = read.tracking_number_from(
        read.text_at(delivery, "barcode") or read.text_at(delivery, "customerDeliveryNo"), SLUG
    )
    events = [
        event
        for entry in read.objects_at(delivery, "transactions")
        if (event := _event(tracking_number, entry)) is not None
    ]
    status = read.text_at(delivery, "deliveryStatus")
    estimate = None
    if status != "DELIVERED":
        estimate = istanbul_date(read.text_at(delivery, "deliveryDatePromised"))
    return read.single_update(SLUG, tracking_number, events, estimate, status)


def _event(tracking_number: str, entry: read.JsonObject) -> TrackingEvent | None:
    occurred_at = istanbul_time(read.text_at(entry, "transactionDateTime"))
    if occurred_at is None:
        read.skip_unreadable_entry(SLUG, "transaction")
        return None
    status = read.text_at(entry, "deliveryStatus")
    canonical = hepsijet_status(status)
    return TrackingEvent(
        carrier=SLUG,
        tracking_number=tracking_number,
        occurred_at=occurred_at,
        status=canonical.status,
        description=read.text_at(entry, "transaction") or read.text_at(entry, "nonDeliveryReason"),
        location=read.location_from(read.text_at(entry, "location"), None, None, None),
        carrier_status=read.carrier_status_text(status, read.text_at(entry, "transactionType")),
        delayed=canonical.delayed,
    )


CLIENT = HepsijetClient()
