"""Sürat Kargo, polled: `KargoTakipHareketDetayliV2` of services.asmx (SOAP 1.1).

Request: `KargoTakipHareketDetayliV2` in `http://tempuri.org/` (SOAPAction
`http://tempuri.org/KargoTakipHareketDetayliV2`), children qualified:
`CariKodu` (`KARGO_SURAT_USERNAME`), `Sifre` (the web service password,
`KARGO_SURAT_PASSWORD`), `WebSiparisKodu`: the shop's own shipment code given to
Sürat, which is therefore the tracking number Kargo polls with. One code per
request: each poll answer is framed (`soap.frame`) with the code it asked about,
since Sürat's answer does not repeat it.

Answer: `KargoTakipHareketDetayliV2Response/KargoTakipHareketDetayliV2Result`, a
string of movements, one per line, `description|date time|branch` (date
`yyyy-mm-dd hh:mm:ss` or `dd.mm.yyyy hh:mm:ss`); a line without `|` is Sürat's
message ("Kayıt bulunamadı", a refusal), not a movement.

Sürat gives no status code: the movement's text is its code, kept verbatim in
`carrier_status`, and `DESCRIPTION_RULES` reads it (first matching words win).
Times are Türkiye wall-clock times made UTC. Sources: tcgunel/omniship-surat and
a second third-party client that agree on the operation, fields and the line
format; Sürat's own document was not found. Confidence L throughout.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from chalicelib.carriers import soap
from chalicelib.carriers.polled import CarrierAccount, CarrierRefused
from chalicelib.carriers.soap import descendant
from chalicelib.carriers.status_maps import CanonicalStatus
from chalicelib.domain.events import (
    CarrierUpdate,
    Location,
    TrackingEvent,
)
from chalicelib.domain.status import Status
from chalicelib.errors import UnprocessableDelivery

SLUG: Final = "surat"
NAMESPACE: Final = "http://tempuri.org/"
OPERATION: Final = "KargoTakipHareketDetayliV2"
SOAP_ACTION: Final = NAMESPACE + OPERATION

# --- the mapping: the one place to correct it ----------------------------------------
# Words of a movement's text (folded: lower case, no Turkish diacritics) -> status, in
# order: the first rule whose words all appear wins, so the negative phrases come before
# the positive ones. Words from omniship-surat's keyword table (Kabul, Aktarma, Transfer,
# Dağıtıma Verildi, Teslim Edildi, İade, İptal); the rest are Kargo's reading. All L.
DESCRIPTION_RULES: Final[tuple[tuple[tuple[str, ...], CanonicalStatus], ...]] = (
    (("teslim edilemedi",), CanonicalStatus(Status.FAILED_ATTEMPT, delayed=True)),
    (("adres", "yetersiz"), CanonicalStatus(Status.EXCEPTION, delayed=True)),
    (("hasar",), CanonicalStatus(Status.EXCEPTION, delayed=True)),
    (("iade", "teslim edildi"), CanonicalStatus(Status.RETURNED)),
    (("iade",), CanonicalStatus(Status.RETURNING)),
    (("iptal",), CanonicalStatus(Status.CANCELLED)),
    (("teslim edildi",), CanonicalStatus(Status.DELIVERED)),
    (("subeden teslim alinacak",), CanonicalStatus(Status.AVAILABLE_FOR_PICKUP)),
    (("dagitima",), CanonicalStatus(Status.OUT_FOR_DELIVERY)),
    (("dagitimda",), CanonicalStatus(Status.OUT_FOR_DELIVERY)),
    (("aktarma",), CanonicalStatus(Status.IN_TRANSIT)),
    (("transfer",), CanonicalStatus(Status.IN_TRANSIT)),
    (("yuklendi",), CanonicalStatus(Status.IN_TRANSIT)),
    (("kabul",), CanonicalStatus(Status.IN_TRANSIT)),
    (("olusturuldu",), CanonicalStatus(Status.INFO_RECEIVED)),
)

_DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%d.%m.%Y",
)


def canonical(description: str) -> CanonicalStatus:
    folded = soap.fold(description)
    for words, result in DESCRIPTION_RULES:
        if all(word in folded for word in words):
            return result
    return CanonicalStatus(Status.UNKNOWN)


class SuratClient:
    slug = SLUG
    batch_size = 1  # one WebSiparisKodu per request
    requests_per_second = 2.0  # no published limit (a guess)
    max_concurrency = 2

    def envelope(self, tracking_number: str, account: CarrierAccount) -> bytes:
        fields = [
            ("CariKodu", account.username),
            ("Sifre", account.password),
            ("WebSiparisKodu", tracking_number),
        ]
        return soap.envelope(OPERATION, NAMESPACE, fields)

    def fetch(self, tracking_numbers: Sequence[str], account: CarrierAccount) -> bytes:
        answers = []
        for number in tracking_numbers:
            answer = soap.post(
                account.url,
                self.envelope(number, account),
                {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{SOAP_ACTION}"'},
            )
            try:
                result = _result(answer)
            except UnprocessableDelivery:
                result = "|"  # parse() will dead-letter it; fetch only classifies trouble
            if "|" not in result and soap.speaks_of_credentials(result):
                raise CarrierRefused(f"Sürat refused the account: {result[:200]}")
            answers.append((number, answer))
        return soap.frame(answers)

    def parse(self, body: bytes) -> list[CarrierUpdate]:
        updates = []
        for asked, answer in soap.unframe(body):
            lines = _result(answer).splitlines()
            number = soap.tracking_number(asked)
            if number is None:
                continue  # not a number Kargo would have asked about
            events = [event for line in lines if (event := _event(number, line)) is not None]
            if events:
                updates.append(
                    CarrierUpdate(carrier=SLUG, tracking_number=number, events=tuple(events))
                )
        return updates


def _result(answer: str | bytes) -> str:
    root = soap.parse_xml(answer)
    if soap.soap_fault(root) is not None:
        raise UnprocessableDelivery("a Sürat SOAP fault, not an answer")
    response = descendant(soap.soap_body(root), f"{OPERATION}Response")
    result = descendant(response, f"{OPERATION}Result") if response is not None else None
    if response is None:
        raise UnprocessableDelivery(f"no {OPERATION}Response")
    return (result.text or "") if result is not None else ""


def _event(number: str, line: str) -> TrackingEvent | None:
    parts = [part.strip() for part in line.split("|")]
    if len(parts) < 2 or not parts[0]:
        return None  # Sürat's own message, not a movement
    moment = soap.parse_local(parts[1], _DATE_FORMATS)
    if moment is None:
        return None
    description = soap.clean(parts[0])
    branch = soap.clean(parts[2]) if len(parts) > 2 else None
    result = canonical(parts[0])
    return TrackingEvent(
        carrier=SLUG,
        tracking_number=number,
        occurred_at=moment,
        status=result.status,
        description=description,
        location=Location(city=branch, country="TR") if branch else None,
        carrier_status=description,
        delayed=result.delayed,
    )


CLIENT = SuratClient()
