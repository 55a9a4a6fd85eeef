"""Aras Kargo, polled: `GetQueryJSON` of ArasCargoIntegrationService (WCF, SOAP 1.1).

Request: `GetQueryJSON` in `http://tempuri.org/` with two string parameters
holding XML (Aras's "Müşteri Bilgi Sorgulama Servisleri" document, section 2.2):

- `loginInfo`: `<LoginInfo><UserName/><Password/><CustomerCode/></LoginInfo>`
  (`KARGO_ARAS_USERNAME`, `_PASSWORD`, `KARGO_ARAS_CUSTOMER_CODE`);
- `queryInfo`: `<QueryInfo><QueryType>14</QueryType><TrackingNumber>n1,n2,...`
  `</TrackingNumber></QueryInfo>`: QueryType 14 answers, by Aras tracking
  number ("Kargo Takip No"), one row per cargo, "tek tek ya da toplu", numbers separated by commas.

Answer: `GetQueryJSONResponse/GetQueryJSONResult`, a JSON string
`{"QueryResult": {"Cargo": [row, ...]}}` (one row may come as an object). A row:

- `KARGO_TAKIP_NO`: the Aras tracking number.
- `DURUM_KODU` / `DURUMU`: 1 at the origin branch, 2 on the way, 3 at the
  delivery branch, 4 out for delivery, 5 partly delivered, 6 delivered,
  7 redirected (`STATUS_CODES`).
- `TIP_KODU`: 1 normal, 2 redirected, 3 returned: `returning`, or `returned`
  once delivered (back to the sender).
- `DEVIR_KODU` (`TESLIM_EDILEMEME_NEDENI_KODU`): why it was carried over to a
  later day, AY, NT, TL, ŞA, ... or the numeric id (`CARRY_OVER_CODES`).
- `IADE_SEBEBI`: the return reason, added to the description.
- `CIKIS_TARIH` (`CIKIS_TARIHI`, `CIKIS_SAATI`): the waybill date, the time of a
  status without its own; `TESLIM_TARIHI` / `TESLIM_SAATI`: the delivery's.
- `VARIS_SUBE` / `CIKIS_SUBE`: delivery / origin branch, the location.

QueryType 14 gives the cargo's current state, not its movements, and dates only
the waybill and the delivery: a status other than delivered is dated with the
waybill date, so the same answer is always the same event (ties on the same
moment are settled by the status table, which runs in the order of a journey).
Times are Türkiye wall-clock times made UTC. The column names are those the
document lists for QueryType 39 and a third-party client's sample shows; the
JSON shape is from two third-party clients (no JSON sample is published).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Final
from xml.etree.ElementTree import Element
from xml.sax.saxutils import escape

from chalicelib.carriers import soap
from chalicelib.carriers.polled import CarrierAccount, CarrierRefused
from chalicelib.carriers.soap import first, text
from chalicelib.carriers.status_maps import CanonicalStatus
from chalicelib.domain.events import (
    CarrierUpdate,
    Location,
    TrackingEvent,
)
from chalicelib.domain.status import Status
from chalicelib.errors import UnprocessableDelivery

SLUG: Final = "aras"
NAMESPACE: Final = "http://tempuri.org/"
# WCF's default action is <namespace><contract>/<operation>; the contract name is
# the service's interface name (L: read from the service's name, not a WSDL).
SOAP_ACTION: Final = "http://tempuri.org/IArasCargoIntegrationService/GetQueryJSON"
QUERY_TYPE: Final = "14"

# --- the mapping: the one place to correct it ----------------------------------------
# DURUM KODU (document section 2.2.14, H for the codes; the canonical reading is Kargo's).
STATUS_CODES: Final[dict[str, CanonicalStatus]] = {
    "1": CanonicalStatus(Status.IN_TRANSIT),  # Çıkış Şubesinde: the branch has it (H)
    "2": CanonicalStatus(Status.IN_TRANSIT),  # Yolda (H)
    "3": CanonicalStatus(Status.IN_TRANSIT),  # Teslimat Şubesinde (H)
    "4": CanonicalStatus(Status.OUT_FOR_DELIVERY),  # Teslimatta (H)
    # Parçalı Teslimat: some pieces delivered, the rest still to come (M: not final).
    "5": CanonicalStatus(Status.IN_TRANSIT, delayed=True),
    "6": CanonicalStatus(Status.DELIVERED),  # Teslim Edildi (H)
    # Yönlendirildi: sent on to another branch (customer request, wrong hub) (M).
    "7": CanonicalStatus(Status.IN_TRANSIT, delayed=True),
}
RETURN_TYPE: Final = "3"  # TİP KODU 3 "İade edildi" (H)

# Devir kodları ve nedenleri (document section 2.3, H for the codes): why a parcel
# was carried over to a later day. `None` keeps the DURUM KODU's status and only
# marks the delay; a status replaces it (while the parcel is not delivered).
CARRY_OVER_CODES: Final[dict[str, CanonicalStatus]] = {
    "AY": CanonicalStatus(Status.EXCEPTION, delayed=True),  # 10 adres yanlış/yetersiz
    "NT": CanonicalStatus(Status.FAILED_ATTEMPT, delayed=True),  # 11 uğrama notu bırakıldı
    "MD": CanonicalStatus(Status.IN_TRANSIT, delayed=True),  # 12 mobil dağıtım gününde
    "TL": CanonicalStatus(Status.IN_TRANSIT, delayed=True),  # 14 tatil dolayısıyla
    "ŞA": CanonicalStatus(Status.AVAILABLE_FOR_PICKUP),  # 15 müşteri şubeden alacak
    "AD": CanonicalStatus(Status.EXCEPTION, delayed=True),  # 17 dağıtım alanı dışında
    "TG": CanonicalStatus(Status.FAILED_ATTEMPT, delayed=True),  # 18 gün içinde yapılamadı
    "AA": CanonicalStatus(Status.EXCEPTION, delayed=True),  # 20 alıcı adreste tanınmıyor
    "HT": CanonicalStatus(Status.EXCEPTION, delayed=True),  # 22 hasarlı/sorunlu kargo
    "KG": CanonicalStatus(Status.EXCEPTION, delayed=True),  # 26 kargo gümrükte
    "PR": CanonicalStatus(Status.AVAILABLE_FOR_PICKUP),  # 32 Pratik 7/24 (parcel locker)
    "ÜR": CanonicalStatus(Status.EXCEPTION, delayed=True),  # 33 ücreti ödemeyi reddetti
    "KE": CanonicalStatus(Status.EXCEPTION, delayed=True),  # 34 alıcı kabul etmiyor
    "TT": CanonicalStatus(Status.IN_TRANSIT, delayed=True),  # 45 tercihli teslimat
    "PS": CanonicalStatus(Status.EXCEPTION, delayed=True),  # 47 parça sorunlu
    "TO": CanonicalStatus(Status.IN_TRANSIT, delayed=True),  # 51 toplumsal olaylar
}
# The document's numeric ids for the same reasons (a row may carry either).
CARRY_OVER_IDS: Final[dict[str, str]] = {
    "10": "AY",
    "11": "NT",
    "12": "MD",
    "14": "TL",
    "15": "ŞA",
    "17": "AD",
    "18": "TG",
    "20": "AA",
    "22": "HT",
    "26": "KG",
    "32": "PR",
    "33": "ÜR",
    "34": "KE",
    "45": "TT",
    "47": "PS",
    "51": "TO",
}

_DATE_FORMATS = (
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y",
)


class ArasClient:
    slug = SLUG
    # Comma-separated numbers in one QueryType 14 query; Aras publishes no limit:
    # 50 keeps the XML parameter and the answer small (Kargo's choice).
    batch_size = 50
    requests_per_second = 1.0  # no published limit (a guess)
    max_concurrency = 2

    def envelope(self, tracking_numbers: Sequence[str], account: CarrierAccount) -> bytes:
        login = (
            f"<LoginInfo><UserName>{escape(account.username)}</UserName>"
            f"<Password>{escape(account.password)}</Password>"
            f"<CustomerCode>{escape(account.extra.get('customer_code', ''))}</CustomerCode>"
            "</LoginInfo>"
        )
        query = (
            f"<QueryInfo><QueryType>{QUERY_TYPE}</QueryType>"
            f"<TrackingNumber>{escape(','.join(tracking_numbers))}</TrackingNumber></QueryInfo>"
        )
        return soap.envelope(
            "GetQueryJSON", NAMESPACE, [("loginInfo", login), ("queryInfo", query)]
        )

    def fetch(self, tracking_numbers: Sequence[str], account: CarrierAccount) -> bytes:
        answer = soap.post(
            account.url,
            self.envelope(tracking_numbers, account),
            {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{SOAP_ACTION}"'},
        )
        try:
            result = _result_text(soap.parse_xml(answer))
        except UnprocessableDelivery:
            return answer  # parse() will dead-letter it; fetch only classifies trouble
        if not result.lstrip().startswith(("{", "[")) and soap.speaks_of_credentials(result):
            raise CarrierRefused(f"Aras refused the account: {result[:200]}")
        return answer

    def parse(self, body: bytes) -> list[CarrierUpdate]:
        root = soap.parse_xml(body)
        if soap.soap_fault(root) is not None:
            raise UnprocessableDelivery("an Aras SOAP fault, not an answer")
        result = _result_text(root)
        if not result.strip() or not result.lstrip().startswith(("{", "[")):
            return []  # Aras answers a query that finds nothing with an empty or plain text
        try:
            document: Any = json.loads(result)
        except ValueError as error:
            raise UnprocessableDelivery("GetQueryJSONResult is not JSON") from error
        rows = _rows(document)
        return [update for row in rows if (update := _update(row)) is not None]


def _result_text(root: Element) -> str:
    response = first(soap.soap_body(root), "GetQueryJSONResponse")
    if response is None or first(response, "GetQueryJSONResult") is None:
        raise UnprocessableDelivery("no GetQueryJSONResponse/GetQueryJSONResult")
    return text(response, "GetQueryJSONResult")


def _rows(document: Any) -> list[dict[str, Any]]:
    result = document.get("QueryResult", document) if isinstance(document, dict) else document
    cargo = result.get("Cargo") if isinstance(result, dict) else result
    if cargo is None:
        return []
    if isinstance(cargo, dict):
        cargo = [cargo]
    if not isinstance(cargo, list):
        raise UnprocessableDelivery("QueryResult.Cargo is neither a row nor a list")
    return [row for row in cargo if isinstance(row, dict)]


def _value(row: dict[str, Any], *names: str) -> str:
    for name in names:
        value = row.get(name)
        if isinstance(value, (str, int)) and not isinstance(value, bool):
            text_value = str(value).strip()
            if text_value:
                return text_value
    return ""


def canonical(state: str, kind: str, carry_over: str) -> CanonicalStatus:
    """DURUM KODU, TİP KODU and DEVİR KODU of one row, as one canonical status."""
    base = STATUS_CODES.get(state, CanonicalStatus(Status.UNKNOWN))
    if kind == RETURN_TYPE and base.status is not Status.UNKNOWN:
        return CanonicalStatus(
            Status.RETURNED if base.status is Status.DELIVERED else Status.RETURNING
        )
    reason = CARRY_OVER_CODES.get(CARRY_OVER_IDS.get(carry_over, carry_over))
    if reason is not None and base.status not in (Status.DELIVERED, Status.UNKNOWN):
        return reason
    return base


def _update(row: dict[str, Any]) -> CarrierUpdate | None:
    number = soap.tracking_number(_value(row, "KARGO_TAKIP_NO", "KARGO TAKİP NO"))
    if not number:
        return None
    state = _value(row, "DURUM_KODU", "DURUM KODU")
    kind = _value(row, "TIP_KODU", "TİP KODU")
    carry_over = _value(row, "DEVIR_KODU", "DEVİR KODU", "TESLIM_EDILEMEME_NEDENI_KODU")
    result = canonical(state, kind, carry_over)
    if result.status is Status.DELIVERED or result.status is Status.RETURNED:
        moment = _moment(
            _value(row, "TESLIM_TARIHI", "TESLİM TARİHİ"),
            _value(row, "TESLIM_SAATI", "TESLİM SAATİ"),
        )
    else:
        moment = _moment(
            _value(row, "CIKIS_TARIH", "CIKIS_TARIHI", "ÇIKIŞ TARİHİ"), _value(row, "CIKIS_SAATI")
        )
    events: tuple[TrackingEvent, ...] = ()
    if moment is not None and state:
        description = soap.clean(_value(row, "DURUMU"))
        reason_text = soap.clean(_value(row, "IADE_SEBEBI", "İADE SEBEBİ"))
        if reason_text:
            description = f"{description} ({reason_text})" if description else reason_text
        branch = soap.clean(
            _value(row, "VARIS_SUBE", "VARIŞ ŞUBE")
            if state in ("3", "4", "5", "6")
            else _value(row, "CIKIS_SUBE", "ÇIKIŞ ŞUBE")
        )
        raw = "/".join(
            part
            for part in (state, f"T{kind}" if kind not in ("", "1") else "", carry_over)
            if part
        )
        events = (
            TrackingEvent(
                carrier=SLUG,
                tracking_number=number,
                occurred_at=moment,
                status=result.status,
                description=description,
                location=Location(city=branch, country="TR") if branch else None,
                carrier_status=raw,
                delayed=result.delayed,
            ),
        )
    return CarrierUpdate(
        carrier=SLUG, tracking_number=number, events=events, raw_status=state or None
    )


def _moment(date_value: str, time_value: str) -> datetime | None:
    if not date_value:
        return None
    if time_value and len(date_value) <= 10:
        joined = f"{date_value} {time_value if time_value.count(':') else _hms(time_value)}"
        found = soap.parse_local(joined, _DATE_FORMATS)
        if found is not None:
            return found
    return soap.parse_local(
        date_value.split(".")[0] if "T" in date_value else date_value, _DATE_FORMATS
    )


def _hms(value: str) -> str:
    digits = value.zfill(6)[:6]
    return f"{digits[:2]}:{digits[2:4]}:{digits[4:]}"


CLIENT = ArasClient()
