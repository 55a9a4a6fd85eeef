"""Yurtiçi Kargo, polled: SOAP `queryShipment` of ShippingOrderDispatcherServices.

Request (document/literal, namespace `http://yurticikargo.com.tr/ShippingOrderDispatcherServices`,
children unqualified, SOAPAction ""; the WSDL is kept in `wsdl/yurtici.wsdl`):
`wsUserName`, `wsPassword`, `wsLanguage` (TR), `keys` (one element per cargo
key), `keyType` 0 (cargo key), `addHistoricalData` true, `onlyTracking` false.

Answer `queryShipmentResponse/ShippingDeliveryVO`:

- `outFlag` / `outResult`: 0 at least one key answered, 1 none, 2 an unexpected
  error (`fetch` raises `CarrierUnavailable` on 2).
- `shippingDeliveryDetailVO[]`, one per key: `cargoKey` (the tracking number),
  `errCode` / `errMessage` (non-zero: the key is unknown, the shipment is left
  out), `operationCode` / `operationStatus` / `operationMessage` (0 NOP ... 6 BI:
  the summary status, `OPERATION_CODES`).
- `shippingDeliveryItemDetailVO`: `invDocCargoVOArray[]` movements (`eventId`,
  `eventName`, `reasonId`, `reasonName`, `eventDate` YYYYMMDD, `eventTime`
  HHMMSS, `cityName`, `townName`: one event each, `EVENT_CODES`);
  `deliveryDate` / `deliveryTime` (the time of a DLV summary); `returnStatus` /
  `rejectStatus` (`RETURN_STATUSES`, `REJECT_STATUSES`); `estimatedDeliveryDate`
  YYYYMMDD (sent in the `ShipmentDeliveryItemDetailVO` extension:
  `estimated_delivery`).

Times are Türkiye wall-clock times (Europe/Istanbul), made UTC.

Yurtiçi publishes no list of movement codes (`eventId`): a movement is kept in
the history under its code, as `unknown` unless `EVENT_CODES` knows it, and the
shipment's status comes from the documented `operationCode` (with the return
fields), as one summary event at the time of the latest movement (or of the
delivery). A movement whose reason is not `OK` ("Sorun Yok", no problem) is a
problem the carrier reports: `delayed`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Final
from xml.etree.ElementTree import Element

from chalicelib.carriers import soap
from chalicelib.carriers.polled import CarrierAccount, CarrierRefused, CarrierUnavailable
from chalicelib.carriers.soap import children, first, text
from chalicelib.domain.events import (
    CarrierUpdate,
    Location,
    TrackingEvent,
)
from chalicelib.domain.status import Status
from chalicelib.errors import UnprocessableDelivery

SLUG: Final = "yurtici"
NAMESPACE: Final = "http://yurticikargo.com.tr/ShippingOrderDispatcherServices"

# --- the mapping: the one place to correct it ----------------------------------------
# operationCode -> status. Source: Yurtiçi's integration document as reproduced by
# tcgunel/omniship-yurtici README (codes and Turkish texts) and yibudak's Odoo module
# (0-5, with the same texts); the canonical status is Kargo's reading of each text.
OPERATION_CODES: Final[dict[str, Status]] = {
    "0": Status.INFO_RECEIVED,  # NOP "Kargo İşlem Görmemiş": registered, not handed over (M)
    "1": Status.IN_TRANSIT,  # IND "Kargo Teslimattadır": in the delivery process, not OFD (M)
    "2": Status.IN_TRANSIT,  # ISR "işlem görmüş, faturası henüz düzenlenmemiş": at a branch (M)
    "3": Status.CANCELLED,  # CNL "Kargo Çıkışı Engellendi": dispatch blocked (M)
    "4": Status.CANCELLED,  # ISC "Daha önceden iptal edilmiştir": already cancelled (M)
    "5": Status.DELIVERED,  # DLV "Kargo teslim edilmiştir" (M)
    # BI "Fatura şube tarafından iptal edilmiştir": the branch cancelled the waybill,
    # which may be re-issued; what it means for the parcel is not documented (L).
    "6": Status.UNKNOWN,
}
# returnStatus 3 "Göndericiye iade edildi" (omniship-yurtici README, M).
RETURN_STATUSES: Final[dict[str, Status]] = {"3": Status.RETURNED}
# rejectStatus 0-3, 9, 10: "the parcel is in the return process"; 4, 7, 8, 11: a return
# was started and called off (omniship-yurtici README and moon-lib's enum, M).
REJECT_STATUSES: Final[dict[str, Status]] = dict.fromkeys(
    ("0", "1", "2", "3", "9", "10"), Status.RETURNING
)
# Movement codes (invDocCargoVO.eventId): none published; add rows here as they are
# confirmed. A code not here is kept as `unknown` and never moves the shipment.
EVENT_CODES: Final[dict[str, Status]] = {}
# The reason that says "no problem" (reasonId OK / reasonName "Sorun Yok", in the
# README's sample movement); any other reason marks the movement delayed (L).
NO_PROBLEM_REASONS: Final = frozenset({"", "OK"})

_DATE_FORMATS = ("%Y%m%d%H%M%S", "%Y%m%d%H%M", "%Y%m%d")


class YurticiClient:
    slug = SLUG
    # keys[] is unbounded in the WSDL and no limit is published: 20 keys keep an
    # answer with full histories (~0.5 KB a movement) well under the 256 KiB a queued
    # delivery may hold (Kargo's choice).
    batch_size = 20
    # Yurtiçi blocks the same key queried again within a minute (omniship README);
    # no request rate is published: one request a second, two at once (a guess).
    requests_per_second = 1.0
    max_concurrency = 2

    def envelope(self, tracking_numbers: Sequence[str], account: CarrierAccount) -> bytes:
        fields = [
            ("wsUserName", account.username),
            ("wsPassword", account.password),
            ("wsLanguage", "TR"),
            *[("keys", number) for number in tracking_numbers],
            ("keyType", "0"),
            ("addHistoricalData", "true"),
            ("onlyTracking", "false"),
        ]
        return soap.envelope("queryShipment", NAMESPACE, fields, qualified=False)

    def fetch(self, tracking_numbers: Sequence[str], account: CarrierAccount) -> bytes:
        answer = soap.post(
            account.url,
            self.envelope(tracking_numbers, account),
            {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '""'},
        )
        result = _result_or_none(answer)
        if result is not None:
            flag, message = text(result, "outFlag"), text(result, "outResult")
            if flag == "2":
                raise CarrierUnavailable(f"Yurtiçi outFlag 2: {message[:200]}")
            details = children(result, "shippingDeliveryDetailVO")
            if flag == "1" and not details and soap.speaks_of_credentials(message):
                raise CarrierRefused(f"Yurtiçi refused the account: {message[:200]}")
        return answer

    def parse(self, body: bytes) -> list[CarrierUpdate]:
        root = soap.parse_xml(body)
        if soap.soap_fault(root) is not None:
            raise UnprocessableDelivery("a Yurtiçi SOAP fault, not an answer")
        result = _result(root)
        updates = []
        for detail in children(result, "shippingDeliveryDetailVO"):
            update = _update(detail)
            if update is not None:
                updates.append(update)
        return updates


def _result(root: Element) -> Element:
    response = first(soap.soap_body(root), "queryShipmentResponse")
    result = first(response, "ShippingDeliveryVO") if response is not None else None
    if result is None:
        raise UnprocessableDelivery("no queryShipmentResponse/ShippingDeliveryVO")
    return result


def _result_or_none(answer: bytes) -> Element | None:
    try:
        return _result(soap.parse_xml(answer))
    except UnprocessableDelivery:
        return None  # parse() will dead-letter it; fetch only classifies trouble


def _update(detail: Element) -> CarrierUpdate | None:
    number = soap.tracking_number(text(detail, "cargoKey"))
    if not number or text(detail, "errCode") not in ("", "0"):
        return None  # a key Yurtiçi does not know (or refused): absent from the answer
    item = first(detail, "shippingDeliveryItemDetailVO")
    cargo_history = children(item, "invDocCargoVOArray") if item is not None else []
    events = [event for cargo in cargo_history if (event := _movement(number, cargo))]
    summary = _summary(number, detail, item, events)
    if summary is not None:
        events.append(summary)
    estimate = text(item, "estimatedDeliveryDate")
    return CarrierUpdate(
        carrier=SLUG,
        tracking_number=number,
        events=tuple(events),
        estimated_delivery=_iso_date(estimate),
        raw_status=text(detail, "operationStatus") or text(detail, "operationCode") or None,
    )


def _movement(number: str, cargo: Element) -> TrackingEvent | None:
    moment = soap.parse_local(text(cargo, "eventDate") + text(cargo, "eventTime"), _DATE_FORMATS)
    if moment is None:
        return None
    code, reason = text(cargo, "eventId"), text(cargo, "reasonId")
    description = soap.clean(text(cargo, "eventName"))
    reason_name = soap.clean(text(cargo, "reasonName"))
    if reason not in NO_PROBLEM_REASONS and reason_name:
        description = f"{description} ({reason_name})" if description else reason_name
    city = soap.clean(text(cargo, "cityName"))
    return TrackingEvent(
        carrier=SLUG,
        tracking_number=number,
        occurred_at=moment,
        status=EVENT_CODES.get(code, Status.UNKNOWN),
        description=description or soap.clean(text(cargo, "unitName")),
        location=Location(city=city, country="TR") if city else None,
        carrier_status=(f"{code}/{reason}" if reason not in NO_PROBLEM_REASONS else code) or None,
        delayed=reason not in NO_PROBLEM_REASONS,
    )


def _summary(
    number: str,
    detail: Element,
    item: Element | None,
    movements: list[TrackingEvent],
) -> TrackingEvent | None:
    """The documented shipment-level status as one event: at the delivery time for
    a delivery, else at the latest movement (so a repeated answer is the same event)."""
    code = text(detail, "operationCode")
    status = OPERATION_CODES.get(code, Status.UNKNOWN)
    raw = text(detail, "operationStatus") or code
    return_status, reject_status = text(item, "returnStatus"), text(item, "rejectStatus")
    description = soap.clean(text(detail, "operationMessage"))
    if return_status in RETURN_STATUSES:
        status, raw = RETURN_STATUSES[return_status], f"returnStatus {return_status}"
        description = soap.clean(text(item, "returnStatusExplanation")) or description
    elif reject_status in REJECT_STATUSES and status is not Status.DELIVERED:
        status, raw = REJECT_STATUSES[reject_status], f"rejectStatus {reject_status}"
        description = soap.clean(text(item, "rejectStatusExplanation")) or description
    moment: datetime | None = None
    if status is Status.DELIVERED:
        moment = soap.parse_local(
            text(item, "deliveryDate") + text(item, "deliveryTime"), _DATE_FORMATS
        )
    if moment is None and movements:
        moment = max(event.occurred_at for event in movements)
    if moment is None:
        moment = soap.parse_local(
            text(item, "documentDate") + text(item, "documentTime"), _DATE_FORMATS
        )
    if moment is None or not raw:
        return None  # nothing dated to hang the status on (NOP without a document)
    return TrackingEvent(
        carrier=SLUG,
        tracking_number=number,
        occurred_at=moment,
        status=status,
        description=description,
        carrier_status=raw,
    )


def _iso_date(value: str) -> str | None:
    try:
        return datetime.strptime(value[:8], "%Y%m%d").date().isoformat() if value else None
    except ValueError:
        return None


CLIENT = YurticiClient()
