"""PTT Kargo, polled: `barkodSorgu` of the GonderiHareketV2 SOAP service
(`https://pttws.ptt.gov.tr/GonderiHareketV2/services/Sorgu`, Axis2).

Request: `barkodSorgu` in `http://hareket.ptt.gov.tr` (SOAPAction
`urn:barkodSorgu`) with one `input`: `musteri_no` (`KARGO_PTT_USERNAME`),
`sifre` (`KARGO_PTT_PASSWORD`), `barkod`. One barcode per request: each poll
answer is framed (`soap.frame`) with the number it asked about.

Answer `barkodSorguResponse/return`:

- `hataKodu` / `sonucKodu`, `aciklama` / `sonucAciklama`: the result code and
  text; without movements the barcode is unknown (or the account refused).
- `BARNO` / `barkod`: the barcode, the tracking number (else the one asked).
- `dongu[]`: the movements, one event each: `IKODU` code (`EVENT_CODES`),
  `ISLEM` text, `ITARIH` date (dd/mm/yyyy, dd.mm.yyyy or yyyymmdd), `ISAAT`
  time, `IMERK` office ("CITY/DISTRICT"), `siraNo`.

Times are Türkiye wall-clock times made UTC. The field names and codes come
from third-party clients only (tcgunel/omniship-ptt, and others that agree on
the request): PTT's own document was not found. Confidence L throughout.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final
from xml.etree.ElementTree import Element

from chalicelib.carriers import soap
from chalicelib.carriers.polled import CarrierAccount, CarrierRefused
from chalicelib.carriers.soap import children, descendant, text
from chalicelib.domain.events import (
    CarrierUpdate,
    Location,
    TrackingEvent,
)
from chalicelib.domain.status import Status
from chalicelib.errors import UnprocessableDelivery

SLUG: Final = "ptt"
NAMESPACE: Final = "http://hareket.ptt.gov.tr"
SOAP_ACTION: Final = "urn:barkodSorgu"

# --- the mapping: the one place to correct it ----------------------------------------
# gonderi_durum_id (IKODU) -> status. Codes and texts from omniship-ptt's table, grouped
# there under PTT's parent codes (1000 kabul, 2000 sevk, 3000 dağıtım, 4000 iade, 5000
# teslim, 5500 göndericisine teslim, 6000 teslim edilemedi, 7000 kabul iptal); the
# canonical reading is Kargo's (omniship's RETURNED/FAILURE for "will be returned" and
# "could not deliver" would make a moving parcel final). All L.
EVENT_CODES: Final[dict[str, Status]] = {
    "701": Status.INFO_RECEIVED,  # Kayıt Edildi: registered, not yet accepted
    "1": Status.IN_TRANSIT,  # Kabul Edildi: accepted at the counter
    "77": Status.IN_TRANSIT,  # Sevk Edildi
    "8": Status.IN_TRANSIT,  # Zimmet Alındı
    "9": Status.IN_TRANSIT,  # Zimmet Edildi
    "3": Status.IN_TRANSIT,  # Torbaya Eklendi
    "6": Status.IN_TRANSIT,  # Torbadan Alındı
    "11": Status.IN_TRANSIT,  # Geliş Kaydı Yapıldı
    "91": Status.IN_TRANSIT,  # Torbası Sevk Edildi
    "92": Status.IN_TRANSIT,  # Torbasının Geliş Kaydı Yapıldı
    "149": Status.IN_TRANSIT,  # Ptt Tarafından Zimmet Alındı
    "7": Status.OUT_FOR_DELIVERY,  # Dağıtıcıya Verildi
    "99": Status.RETURNING,  # İade Edilecek
    "151": Status.RETURNING,  # İADE-Tanınmıyor
    "154": Status.RETURNING,  # İADE-Kabul Edilmedi
    "155": Status.RETURNING,  # İADE-Adres Yetersiz
    "156": Status.RETURNING,  # İADE-Diğer
    "161": Status.RETURNING,  # İADE-Adreste Yok
    "100": Status.DELIVERED,  # Teslim Edildi
    "157": Status.DELIVERED,  # Evrak Memuruna Teslim
    "202": Status.DELIVERED,  # Kargomatikten Teslim Alındı
    "252": Status.DELIVERED,  # MAZBATA TESLİM
    "807": Status.DELIVERED,  # MUHATABA BİZZAT TESLİM
    "812": Status.DELIVERED,  # AYNI KONUTTA YAKINA TESLİM
    "120": Status.RETURNED,  # Göndericisine Teslim Edildi
    "141": Status.RETURNED,  # İadeten Banka Şubesine Teslim
    "101": Status.FAILED_ATTEMPT,  # Teslim Edilemedi: PTT tries again or returns it
    "124": Status.FAILED_ATTEMPT,  # Adreste Yok/Kapalı
    "126": Status.EXCEPTION,  # Adreste Tanınmıyor
    "140": Status.EXCEPTION,  # Kabul Edilmedi
    "109": Status.FAILED,  # İmha: destroyed
    "2": Status.CANCELLED,  # İptal Edildi
}
# Movements that report a delay of a parcel still on its way (L).
DELAY_CODES: Final = frozenset({"101", "124", "126"})

_DATE_FORMATS = (
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%Y%m%d %H%M%S",
    "%Y%m%d %H:%M:%S",
    "%Y-%m-%d %H:%M:%S",
    "%d/%m/%Y",
    "%d.%m.%Y",
    "%Y%m%d",
)


class PttClient:
    slug = SLUG
    batch_size = 1  # barkodSorgu takes one barcode
    requests_per_second = 2.0  # no published limit (a guess)
    max_concurrency = 2

    def envelope(self, tracking_number: str, account: CarrierAccount) -> bytes:
        import xml.etree.ElementTree as ET

        ET.register_namespace("soapenv", soap.SOAP11_NS)
        root = ET.Element(f"{{{soap.SOAP11_NS}}}Envelope")
        ET.SubElement(root, f"{{{soap.SOAP11_NS}}}Header")
        body = ET.SubElement(root, f"{{{soap.SOAP11_NS}}}Body")
        call = ET.SubElement(body, f"{{{NAMESPACE}}}barkodSorgu")
        given = ET.SubElement(call, f"{{{NAMESPACE}}}input")
        for name, value in (
            ("musteri_no", account.username),
            ("sifre", account.password),
            ("barkod", tracking_number),
        ):
            ET.SubElement(given, name).text = value
        envelope: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
        return envelope

    def fetch(self, tracking_numbers: Sequence[str], account: CarrierAccount) -> bytes:
        answers = []
        for number in tracking_numbers:
            answer = soap.post(
                account.url,
                self.envelope(number, account),
                {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{SOAP_ACTION}"'},
            )
            _refuse_if_credentials(answer)
            answers.append((number, answer))
        return soap.frame(answers)

    def parse(self, body: bytes) -> list[CarrierUpdate]:
        updates = []
        for asked, answer in soap.unframe(body):
            update = _update(asked, answer)
            if update is not None:
                updates.append(update)
        return updates


def _result(answer: str | bytes) -> Element:
    root = soap.parse_xml(answer)
    if soap.soap_fault(root) is not None:
        raise UnprocessableDelivery("a PTT SOAP fault, not an answer")
    response = descendant(soap.soap_body(root), "barkodSorguResponse")
    result = soap.first(response, "return") if response is not None else None
    if result is None:
        raise UnprocessableDelivery("no barkodSorguResponse/return")
    return result


def _refuse_if_credentials(answer: bytes) -> None:
    try:
        result = _result(answer)
    except UnprocessableDelivery:
        return  # parse() will dead-letter it; fetch only classifies trouble
    message = text(result, "aciklama") or text(result, "sonucAciklama")
    if not children(result, "dongu") and soap.speaks_of_credentials(message):
        raise CarrierRefused(f"PTT refused the account: {message[:200]}")


def _update(asked: str, answer: str) -> CarrierUpdate | None:
    result = _result(answer)
    number = soap.tracking_number(text(result, "BARNO") or text(result, "barkod") or asked)
    movements = children(result, "dongu")
    if not number or not movements:
        return None  # PTT does not know this barcode (yet)
    events = [event for movement in movements if (event := _event(number, movement))]
    return CarrierUpdate(carrier=SLUG, tracking_number=number, events=tuple(events))


def _event(number: str, movement: Element) -> TrackingEvent | None:
    moment = soap.parse_local(
        f"{text(movement, 'ITARIH')} {text(movement, 'ISAAT')}".strip(), _DATE_FORMATS
    )
    if moment is None:
        return None
    code = text(movement, "IKODU")
    office = soap.clean(text(movement, "IMERK"))  # "İSTANBUL/KADIKÖY": city, then district
    city = soap.clean(office.split("/")[0]) if office else None
    return TrackingEvent(
        carrier=SLUG,
        tracking_number=number,
        occurred_at=moment,
        status=EVENT_CODES.get(code, Status.UNKNOWN),
        description=soap.clean(text(movement, "ISLEM")),
        location=Location(city=city, country="TR") if city else None,
        carrier_status=code or None,
        delayed=code in DELAY_CODES,
    )


CLIENT = PttClient()
