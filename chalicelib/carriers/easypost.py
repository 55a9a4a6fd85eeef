"""`easypost`: EasyPost `Event` webhooks carrying a `Tracker` (CONTRACT.md section 4).

Signature: `X-Hmac-Signature: hmac-sha256-hex=<hex>`, HMAC-SHA256 of the raw
body keyed with the NFKD-normalised secret in UTF-8, as EasyPost's own client
libraries check it (`validate_webhook`). The hex digest is compared without
regard to case: it is the same number either way.

Body (docs.easypost.com/docs/events, /docs/trackers):

| EasyPost field                                   | Kargo                                   |
|--------------------------------------------------|-----------------------------------------|
| `object` must be `Event`                         | anything else: dead letter              |
| `description` `tracker.created`/`tracker.updated`| other events (`batch.*`, ...): `[]`     |
| `result.tracking_code`                           | tracking number (see vendor_payloads)   |
| `result.carrier` (`USPS`, `FedEx`, ...)          | carrier slug via `slugs.carrier_slug`   |
| `result.status` / `result.status_detail`         | `CarrierUpdate.raw_status`              |
| `result.tracking_details[]` (whole history)      | one `TrackingEvent` each                |
| `  .datetime`                                    | `occurred_at`                           |
| `  .status`, `.status_detail`                    | status via `status_maps.easypost_status`|
|                                                  | and `carrier_status` "status/detail"    |
| `  .message` (else `.description`)               | `description`                           |
| `  .tracking_location.city/state/country/zip`    | `location` city/region/country/postal   |
| `result.carrier_detail.est_delivery_date_local`  | `estimated_delivery` (the local date)   |
| `result.est_delivery_date`                       | `estimated_delivery` when no local date |

Times: EasyPost gives `datetime` in the scan's local offset when it knows the
place, else in UTC; a value without an offset is therefore UTC.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from datetime import UTC, datetime

from chalicelib.carriers import vendor_payloads as read
from chalicelib.carriers.base import WebhookRequest
from chalicelib.carriers.signatures import constant_time_equals, hmac_sha256
from chalicelib.carriers.slugs import carrier_slug
from chalicelib.carriers.status_maps import easypost_status
from chalicelib.domain.events import CarrierUpdate, TrackingEvent
from chalicelib.errors import InvalidSignature, UnprocessableDelivery

SIGNATURE_HEADER = "x-hmac-signature"
SIGNATURE_PREFIX = "hmac-sha256-hex="
TRACKER_EVENTS = frozenset({"tracker.created", "tracker.updated"})


def easypost_signature(secret: str, body: bytes) -> str:
    """The `X-Hmac-Signature` value EasyPost sends for a body (tests and the simulator)."""
    key = unicodedata.normalize("NFKD", secret).encode()
    return SIGNATURE_PREFIX + hmac_sha256(key, body).hex()


class EasyPostSource:
    name = "easypost"

    def verify(self, request: WebhookRequest, secrets: Sequence[str], now: datetime) -> None:
        offered = (request.header(SIGNATURE_HEADER) or "").strip()
        if not offered.startswith(SIGNATURE_PREFIX):
            raise InvalidSignature()
        offered_hex = offered.removeprefix(SIGNATURE_PREFIX).lower()
        matched = False
        for secret in secrets:
            expected_hex = easypost_signature(secret, request.raw_body)[len(SIGNATURE_PREFIX) :]
            # No early exit: every secret is compared, so timing says nothing.
            matched |= constant_time_equals(expected_hex, offered_hex)
        if not matched:
            raise InvalidSignature()

    def parse(self, body: bytes) -> list[CarrierUpdate]:
        payload = read.load_json_object(body, self.name)
        if payload.get("object") != "Event":
            raise UnprocessableDelivery("easypost body is not an Event")
        if read.text_at(payload, "description") not in TRACKER_EVENTS:
            return []
        tracker = read.object_at(payload, "result")
        if tracker is None or tracker.get("object", "Tracker") != "Tracker":
            raise UnprocessableDelivery("easypost tracker event without a Tracker")
        tracking_number = read.tracking_number_from(
            read.text_at(tracker, "tracking_code"), self.name
        )
        carrier = carrier_slug(read.text_at(tracker, "carrier") or "")
        if carrier is None:
            raise UnprocessableDelivery("easypost tracker names no carrier")
        events = [
            event
            for detail in read.objects_at(tracker, "tracking_details")
            if (event := _tracking_event(carrier, tracking_number, detail)) is not None
        ]
        carrier_detail = read.object_at(tracker, "carrier_detail")
        estimate = read.delivery_estimate(
            read.text_at(carrier_detail, "est_delivery_date_local")
        ) or read.delivery_estimate(read.text_at(tracker, "est_delivery_date"))
        raw_status = read.carrier_status_text(
            read.text_at(tracker, "status"), read.text_at(tracker, "status_detail")
        )
        return read.single_update(carrier, tracking_number, events, estimate, raw_status)


def _tracking_event(
    carrier: str, tracking_number: str, detail: read.JsonObject
) -> TrackingEvent | None:
    occurred_at = read.vendor_time(read.text_at(detail, "datetime"), UTC)
    if occurred_at is None:
        read.skip_unreadable_entry("easypost", "tracking detail")
        return None
    status, status_detail = read.text_at(detail, "status"), read.text_at(detail, "status_detail")
    canonical = easypost_status(status, status_detail)
    place = read.object_at(detail, "tracking_location")
    return TrackingEvent(
        carrier=carrier,
        tracking_number=tracking_number,
        occurred_at=occurred_at,
        status=canonical.status,
        description=read.text_at(detail, "message") or read.text_at(detail, "description"),
        location=read.location_from(
            city=read.text_at(place, "city"),
            region=read.text_at(place, "state"),
            country=read.text_at(place, "country"),
            postal_code=read.text_at(place, "zip"),
        ),
        carrier_status=read.carrier_status_text(status, status_detail),
        delayed=canonical.delayed,
    )


SOURCE = EasyPostSource()
