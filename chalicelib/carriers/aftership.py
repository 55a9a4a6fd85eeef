"""`aftership`: AfterShip Tracking `tracking_update` webhooks (CONTRACT.md section 4).

Signature: `aftership-hmac-sha256: <base64>`, HMAC-SHA256 of the raw body keyed
with the webhook secret (aftership.com/docs/tracking/webhook/webhook-signature).

Body (aftership.com/docs/tracking/webhook/webhook-specifications, tracking model):

| AfterShip field                                | Kargo                                       |
|------------------------------------------------|---------------------------------------------|
| `event` `tracking_update`                      | other events (`edd_revise`, ...): `[]`      |
| `msg.tracking_number`                          | tracking number (see vendor_payloads)       |
| `msg.slug` (`yurtici-kargo`, `ups`, ...)       | carrier slug via `slugs.carrier_slug`       |
| `msg.tag` / `msg.subtag`                       | `CarrierUpdate.raw_status`                  |
| `msg.checkpoints[]` (whole history)            | one `TrackingEvent` each                    |
| `  .checkpoint_time`                           | `occurred_at` (see Times)                   |
| `  .tag`, `.subtag`                            | status via `status_maps.aftership_status`   |
|                                                | and `carrier_status` "tag/subtag"           |
| `  .message`                                   | `description`                               |
| `  .city`, `.state`, `.zip`                    | `location` city, region, postal code        |
| `  .country_iso3` (or `.country_region`)       | `location.country` as ISO alpha-2 (`TR`)    |
| `  .location` (free text)                      | `location.city` when `city` is missing      |
| first of: `msg.courier_estimated_delivery_date | `estimated_delivery`: the carrier's own     |
| .estimated_delivery_date`, `msg.latest_        | word first, then AfterShip's current pick,  |
| estimated_delivery.datetime`,                  | the legacy field, AfterShip's prediction,   |
| `msg.expected_delivery`, `msg.aftership_       | and last the shop's own promise             |
| estimated_delivery_date.estimated_delivery_    |                                             |
| date`, `msg.custom_estimated_delivery_date     |                                             |
| .datetime`                                     |                                             |

Times: AfterShip gives `checkpoint_time` "in the timezone of the checkpoint",
with an offset when the carrier gave one and often without. Without one it is
read in the checkpoint country's time zone when the country keeps a single
zone (`countries.zone_for`: Turkey, Germany, ...), else as UTC.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from datetime import UTC, datetime

from chalicelib.carriers import vendor_payloads as read
from chalicelib.carriers.base import WebhookRequest
from chalicelib.carriers.countries import alpha2_for, zone_for
from chalicelib.carriers.signatures import constant_time_equals, hmac_sha256
from chalicelib.carriers.slugs import carrier_slug
from chalicelib.carriers.status_maps import aftership_status
from chalicelib.domain.events import CarrierUpdate, Location, TrackingEvent
from chalicelib.errors import InvalidSignature, UnprocessableDelivery

SIGNATURE_HEADER = "aftership-hmac-sha256"
TRACKING_UPDATE = "tracking_update"

# (object field, field inside it) in order of preference; see the module docstring.
ESTIMATE_FIELDS: tuple[tuple[str | None, str], ...] = (
    ("courier_estimated_delivery_date", "estimated_delivery_date"),
    ("latest_estimated_delivery", "datetime"),
    (None, "expected_delivery"),
    ("aftership_estimated_delivery_date", "estimated_delivery_date"),
    ("custom_estimated_delivery_date", "datetime"),
)


def aftership_signature(secret: str, body: bytes) -> str:
    """The `aftership-hmac-sha256` value AfterShip sends for a body."""
    return base64.b64encode(hmac_sha256(secret.encode(), body)).decode()


class AfterShipSource:
    name = "aftership"

    def verify(self, request: WebhookRequest, secrets: Sequence[str], now: datetime) -> None:
        offered = (request.header(SIGNATURE_HEADER) or "").strip()
        if not offered:
            raise InvalidSignature()
        matched = False
        for secret in secrets:
            # No early exit: every secret is compared, so timing says nothing.
            matched |= constant_time_equals(aftership_signature(secret, request.raw_body), offered)
        if not matched:
            raise InvalidSignature()

    def parse(self, body: bytes) -> list[CarrierUpdate]:
        payload = read.load_json_object(body, self.name)
        if read.text_at(payload, "event") != TRACKING_UPDATE:
            return []
        tracking = read.object_at(payload, "msg")
        if tracking is None:
            raise UnprocessableDelivery("aftership tracking_update without msg")
        tracking_number = read.tracking_number_from(
            read.text_at(tracking, "tracking_number"), self.name
        )
        carrier = carrier_slug(read.text_at(tracking, "slug") or "")
        if carrier is None:
            raise UnprocessableDelivery("aftership tracking names no courier slug")
        events = [
            event
            for checkpoint in read.objects_at(tracking, "checkpoints")
            if (event := _tracking_event(carrier, tracking_number, checkpoint)) is not None
        ]
        raw_status = read.carrier_status_text(
            read.text_at(tracking, "tag"), read.text_at(tracking, "subtag")
        )
        return read.single_update(carrier, tracking_number, events, _estimate(tracking), raw_status)


def _tracking_event(
    carrier: str, tracking_number: str, checkpoint: read.JsonObject
) -> TrackingEvent | None:
    alpha3 = read.text_at(checkpoint, "country_iso3") or read.text_at(checkpoint, "country_region")
    local_zone = (zone_for(alpha3) if alpha3 else None) or UTC
    occurred_at = read.vendor_time(read.text_at(checkpoint, "checkpoint_time"), local_zone)
    if occurred_at is None:
        read.skip_unreadable_entry("aftership", "checkpoint")
        return None
    tag, subtag = read.text_at(checkpoint, "tag"), read.text_at(checkpoint, "subtag")
    canonical = aftership_status(tag, subtag)
    return TrackingEvent(
        carrier=carrier,
        tracking_number=tracking_number,
        occurred_at=occurred_at,
        status=canonical.status,
        description=read.text_at(checkpoint, "message"),
        location=_location(checkpoint, alpha3),
        carrier_status=read.carrier_status_text(tag, subtag),
        delayed=canonical.delayed,
    )


def _location(checkpoint: read.JsonObject, alpha3: str | None) -> Location | None:
    return read.location_from(
        # Some couriers give only a free-text place ("BURSA TRANSFER MERKEZI").
        city=read.text_at(checkpoint, "city") or read.text_at(checkpoint, "location"),
        region=read.text_at(checkpoint, "state"),
        country=(alpha2_for(alpha3) or alpha3) if alpha3 else None,
        postal_code=read.text_at(checkpoint, "zip"),
    )


def _estimate(tracking: read.JsonObject) -> str | None:
    for holder_field, value_field in ESTIMATE_FIELDS:
        holder = read.object_at(tracking, holder_field) if holder_field else tracking
        estimate = read.delivery_estimate(read.text_at(holder, value_field))
        if estimate is not None:
            return estimate
    return None


SOURCE = AfterShipSource()
