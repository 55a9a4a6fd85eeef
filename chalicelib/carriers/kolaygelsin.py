"""`kolaygelsin`: Kolay Gelsin (Sendeo) pushes every action on a parcel
(the contract, section 10), the one Turkish carrier here that does.

Authentication: Kolay Gelsin's "Basic Auth" webhook option. The shop gives
Kolay Gelsin the URL `POST /webhooks/kolaygelsin`, the user name `kolaygelsin`
and a password, `KARGO_WEBHOOK_SECRET_KOLAYGELSIN` (comma-separated for
rotation); every request carries `Authorization: Basic
base64(kolaygelsin:<secret>)`, compared in constant time with each secret.
(Kolay Gelsin also posts from 95.0.169.14 only; Kargo does not rely on it.)

Body: Kolay Gelsin's own JSON (its integration document, "WEBHOOK"): one action
as an object, and, as its published schema describes it, a list of such
objects or of shipments each holding `CargoEventLogModelList`.

| Kolay Gelsin field | Kargo |
|---|---|
| `CustomerBarcode` (else `CustomerTrackingId`, else `ShipmentId`) | tracking number |
| `CargoEventType` (a code, `"29"`) | status via `KOLAYGELSIN_EVENTS`; kept in `carrier_status` |
| `TimeStamp` (`2021-05-13T18:28:01.882+03:00`) | `occurred_at`; no offset: Europe/Istanbul |
| `LocationName` | `location.city` |
| the code's meaning in Kolay Gelsin's words | `description` |
| `EventDetailModel.NewDeliveryDate` | `estimated_delivery` (a new planned day) |

A body that is not JSON, names no shipment or holds no readable action is a
dead letter (`UnprocessableDelivery`).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from chalicelib.carriers import vendor_payloads as read
from chalicelib.carriers.base import WebhookRequest
from chalicelib.carriers.rest_polling import ISTANBUL, istanbul_date
from chalicelib.carriers.signatures import constant_time_equals
from chalicelib.carriers.status_maps import UNKNOWN, CanonicalStatus, report_unmapped
from chalicelib.domain.events import CarrierUpdate, TrackingEvent
from chalicelib.domain.status import Status
from chalicelib.errors import InvalidSignature, UnprocessableDelivery

SLUG = "kolaygelsin"
BASIC_USER = "kolaygelsin"


@dataclass(frozen=True, slots=True)
class KolayGelsinEvent:
    meaning: str  # Kolay Gelsin's own words (api-docs.md), shown as the description
    canonical: CanonicalStatus


# `CargoEventType` codes, from Kolay Gelsin's integration document (api-docs.md
# and webhook.json in tcgunel/omniship-kolaygelsin; confidence M-H: the carrier's
# own text, copied by a third party). 2, 13 and 14 are in the webhook table only.
KOLAYGELSIN_EVENTS: dict[str, KolayGelsinEvent] = {
    "1": KolayGelsinEvent(
        "Gönderi Kolay Gelsin sistemine kayıt edildi", CanonicalStatus(Status.INFO_RECEIVED)
    ),
    "2": KolayGelsinEvent(
        "Gönderenden toplama yapacak kurye yola çıktı", CanonicalStatus(Status.INFO_RECEIVED)
    ),
    "12": KolayGelsinEvent(
        "Paket Kolay Gelsin tarafından teslim alındı", CanonicalStatus(Status.IN_TRANSIT)
    ),
    "13": KolayGelsinEvent(
        "Toplama transfer merkezinde gönderi indirildi", CanonicalStatus(Status.IN_TRANSIT)
    ),
    "14": KolayGelsinEvent(
        "Dağıtım transfer merkezinde gönderi indirildi", CanonicalStatus(Status.IN_TRANSIT)
    ),
    "17": KolayGelsinEvent(
        "Dağıtım yapacak kuryenin aracına yüklendi", CanonicalStatus(Status.OUT_FOR_DELIVERY)
    ),
    "18": KolayGelsinEvent(
        "Dağıtım kuryesi transfer merkezinden ayrıldı, teslimat adresine doğru yola çıktı",
        CanonicalStatus(Status.OUT_FOR_DELIVERY),
    ),
    "25": KolayGelsinEvent("Alıcı adresi hatalı", CanonicalStatus(Status.EXCEPTION)),
    "26": KolayGelsinEvent(
        "Alıcı teslimat adresinde bulunamadı", CanonicalStatus(Status.FAILED_ATTEMPT)
    ),
    "28": KolayGelsinEvent("Alıcı teslimatı reddetti", CanonicalStatus(Status.EXCEPTION)),
    "29": KolayGelsinEvent("Gönderi teslim edildi", CanonicalStatus(Status.DELIVERED)),
    "31": KolayGelsinEvent(
        "Gönderen tarafından gönderi durduruldu, gönderene iade edilecek",
        CanonicalStatus(Status.RETURNING),
    ),
    "32": KolayGelsinEvent(
        "Alıcı talebi ile gönderinin iade gönderisi kaydedildi",
        CanonicalStatus(Status.RETURNING),
    ),
    "33": KolayGelsinEvent("Gönderi kayıp", CanonicalStatus(Status.FAILED)),
    "35": KolayGelsinEvent("Alıcı adresi problemli", CanonicalStatus(Status.EXCEPTION)),
    # The courier's run is moved to the next business day: late, still on its way.
    "39": KolayGelsinEvent(
        "Dağıtım görevi ertesi iş gününe devredildi",
        CanonicalStatus(Status.IN_TRANSIT, delayed=True),
    ),
    "46": KolayGelsinEvent(
        "Devir depoya alınan gönderinin operasyonel iadesi kaydedildi",
        CanonicalStatus(Status.RETURNING),
    ),
    "58": KolayGelsinEvent("Hasar raporu oluşturuldu", CanonicalStatus(Status.EXCEPTION)),
}


def kolaygelsin_status(code: str | None) -> CanonicalStatus:
    if code is None:
        return UNKNOWN
    event = KOLAYGELSIN_EVENTS.get(code.strip())
    if event is None:
        report_unmapped(SLUG, "CargoEventType", code)
        return UNKNOWN
    return event.canonical


class KolayGelsinSource:
    name = SLUG

    def verify(self, request: WebhookRequest, secrets: Sequence[str], now: datetime) -> None:
        offered = _basic_credentials(request.header("authorization"))
        if offered is None:
            raise InvalidSignature()
        matched = False
        for secret in secrets:
            if not secret:
                continue  # an unset secret never admits an empty password
            # No early exit: every secret is compared, so timing says nothing.
            matched |= constant_time_equals(f"{BASIC_USER}:{secret}".encode(), offered)
        if not matched:
            raise InvalidSignature()

    def parse(self, body: bytes) -> list[CarrierUpdate]:
        try:
            payload = json.loads(body)
        except (ValueError, RecursionError) as error:
            raise UnprocessableDelivery("kolaygelsin body is not JSON") from error
        records = payload if isinstance(payload, list) else [payload]
        by_shipment: dict[str, list[TrackingEvent]] = {}
        estimates: dict[str, str] = {}
        latest: dict[str, str] = {}
        for record in records:
            if not isinstance(record, dict):
                continue
            for action in _actions(record):
                tracking_number = _tracking_number(action, record)
                if tracking_number is None:
                    continue
                event = _event(tracking_number, action)
                if event is None:
                    continue
                by_shipment.setdefault(tracking_number, []).append(event)
                latest[tracking_number] = read.text_at(action, "CargoEventType") or ""
                detail = read.object_at(action, "EventDetailModel")
                estimate = istanbul_date(read.text_at(detail, "NewDeliveryDate"))
                if estimate is not None:
                    estimates[tracking_number] = estimate
        if not by_shipment:
            raise UnprocessableDelivery("kolaygelsin body holds no readable action")
        updates: list[CarrierUpdate] = []
        for number, events in by_shipment.items():
            updates += read.single_update(
                SLUG, number, events, estimates.get(number), latest.get(number) or None
            )
        return updates


def _basic_credentials(header: str | None) -> bytes | None:
    """The `user:password` bytes of a Basic `Authorization` header, or None."""
    if not header:
        return None
    scheme, _, encoded = header.strip().partition(" ")
    if scheme.lower() != "basic" or not encoded.strip():
        return None
    try:
        return base64.b64decode(encoded.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None


def _actions(record: read.JsonObject) -> list[read.JsonObject]:
    """A flat action, or the actions a shipment lists (its published schema)."""
    nested = read.objects_at(record, "CargoEventLogModelList")
    return nested if nested or "CargoEventLogModelList" in record else [record]


def _tracking_number(action: read.JsonObject, record: read.JsonObject) -> str | None:
    for field in ("CustomerBarcode", "CustomerTrackingId", "ShipmentId"):
        raw = read.text_at(action, field) or read.text_at(record, field)
        if raw is None:
            continue
        try:
            return read.tracking_number_from(raw, SLUG)
        except UnprocessableDelivery:
            continue
    return None


def _event(tracking_number: str, action: read.JsonObject) -> TrackingEvent | None:
    occurred_at = read.vendor_time(read.text_at(action, "TimeStamp"), ISTANBUL)
    if occurred_at is None:
        read.skip_unreadable_entry(SLUG, "cargo event")
        return None
    code = read.text_at(action, "CargoEventType")
    canonical = kolaygelsin_status(code)
    known = KOLAYGELSIN_EVENTS.get(code or "")
    return TrackingEvent(
        carrier=SLUG,
        tracking_number=tracking_number,
        occurred_at=occurred_at,
        status=canonical.status,
        description=known.meaning if known else None,
        location=read.location_from(read.text_at(action, "LocationName"), None, None, None),
        carrier_status=code,
        delayed=canonical.delayed,
    )


SOURCE = KolayGelsinSource()
