"""`shippo`: Shippo `track_updated` webhooks (CONTRACT.md section 4).

Authentication: Shippo's URL-token option, `POST /webhooks/shippo?token=<token>`,
the token compared in constant time with each configured one.

Body (docs.goshippo.com/docs/tracking/webhooks, tracking and Track model):

| Shippo field                                     | Kargo                                     |
|--------------------------------------------------|-------------------------------------------|
| `event` `track_updated`                          | other events (`transaction_*`, ...): `[]` |
| `data.tracking_number`                           | tracking number (see vendor_payloads)     |
| `data.carrier` (`usps`, `dhl_express`, ...)      | carrier slug via `slugs.carrier_slug`     |
| `data.tracking_history[]` and `data.tracking_    | one `TrackingEvent` each (the latest      |
| status`                                          | appears in both: kept once)               |
| `  .status_date`                                 | `occurred_at`                             |
| `  .status`, `.substatus.code`,                  | status via `status_maps.shippo_status`    |
| `  .substatus.action_required`                   | and `carrier_status` "STATUS/code"        |
| `  .status_details`                              | `description`                             |
| `  .location.city/state/country/zip`             | `location` city/region/country/postal     |
| `data.eta` (else `data.original_eta`)            | `estimated_delivery`                      |
| `data.tracking_status.status/substatus`          | `CarrierUpdate.raw_status`                |

Times: Shippo's times are UTC; its test mode sends them without an offset
(`2018-07-29T16:44:42.586`), which is therefore read as UTC.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from chalicelib.carriers import vendor_payloads as read
from chalicelib.carriers.base import WebhookRequest
from chalicelib.carriers.signatures import constant_time_equals
from chalicelib.carriers.slugs import carrier_slug
from chalicelib.carriers.status_maps import shippo_status
from chalicelib.domain.events import CarrierUpdate, TrackingEvent
from chalicelib.errors import InvalidSignature, UnprocessableDelivery

TRACK_UPDATED = "track_updated"


class ShippoSource:
    name = "shippo"

    def verify(self, request: WebhookRequest, secrets: Sequence[str], now: datetime) -> None:
        offered = request.query.get("token")
        if not offered:
            raise InvalidSignature()
        matched = False
        for token in secrets:
            # No early exit: every token is compared, so timing says nothing.
            matched |= constant_time_equals(token, offered)
        if not matched:
            raise InvalidSignature()

    def parse(self, body: bytes) -> list[CarrierUpdate]:
        payload = read.load_json_object(body, self.name)
        if read.text_at(payload, "event") != TRACK_UPDATED:
            return []
        track = read.object_at(payload, "data")
        if track is None:
            raise UnprocessableDelivery("shippo track_updated without data")
        tracking_number = read.tracking_number_from(
            read.text_at(track, "tracking_number"), self.name
        )
        carrier = carrier_slug(read.text_at(track, "carrier") or "")
        if carrier is None:
            raise UnprocessableDelivery("shippo track names no carrier")
        latest = read.object_at(track, "tracking_status")
        entries = [*read.objects_at(track, "tracking_history"), *([latest] if latest else [])]
        events = [
            event
            for entry in entries
            if (event := _tracking_event(carrier, tracking_number, entry)) is not None
        ]
        estimate = read.delivery_estimate(read.text_at(track, "eta")) or read.delivery_estimate(
            read.text_at(track, "original_eta")
        )
        raw_status = read.carrier_status_text(
            read.text_at(latest, "status"),
            read.text_at(read.object_at(latest, "substatus"), "code"),
        )
        return read.single_update(carrier, tracking_number, events, estimate, raw_status)


def _tracking_event(
    carrier: str, tracking_number: str, entry: read.JsonObject
) -> TrackingEvent | None:
    occurred_at = read.vendor_time(read.text_at(entry, "status_date"), UTC)
    if occurred_at is None:
        read.skip_unreadable_entry("shippo", "tracking status")
        return None
    substatus = read.object_at(entry, "substatus")
    status, code = read.text_at(entry, "status"), read.text_at(substatus, "code")
    canonical = shippo_status(status, code, read.flag_at(substatus, "action_required"))
    place = read.object_at(entry, "location")
    return TrackingEvent(
        carrier=carrier,
        tracking_number=tracking_number,
        occurred_at=occurred_at,
        status=canonical.status,
        description=read.text_at(entry, "status_details"),
        location=read.location_from(
            city=read.text_at(place, "city"),
            region=read.text_at(place, "state"),
            country=read.text_at(place, "country"),
            postal_code=read.text_at(place, "zip"),
        ),
        carrier_status=read.carrier_status_text(status, code),
        delayed=canonical.delayed,
    )


SOURCE = ShippoSource()
