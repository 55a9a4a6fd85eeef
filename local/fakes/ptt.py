"""A fake PTT GonderiHareketV2 service speaking `barkodSorgu`.

Answers `barkodSorguResponse/return` with the movements (`dongu`) as the
third-party clients describe them, refuses bad credentials with a Client fault
in PTT's words (the client also reads a refusal sent inside `return`, as some
PTT services do), answers
an unknown operation with an Axis2 fault, and a barcode it does not know
(starting with UNKNOWN) with `hataKodu` 1 "Kayıt bulunamadı". A step is a dict
(`IKODU`, `ISLEM`, `IMERK`). Credentials: see `soap_base`.
"""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

from chalicelib.carriers.ptt import NAMESPACE, SOAP_ACTION
from local.fakes.base import FakeRequest, FakeResponse
from local.fakes.soap_base import SoapFake, credentials_ok


def _step(code: str, text: str, office: str) -> dict[str, str]:
    return {"IKODU": code, "ISLEM": text, "IMERK": office}


class PttFake(SoapFake):
    slug = "ptt"

    def default_journey(self, tracking_number: str) -> list[Any]:
        return [
            _step("701", "Kayıt Edildi", "İSTANBUL/KADIKÖY"),
            _step("1", "Kabul Edildi", "İSTANBUL/KADIKÖY"),
            _step("77", "Sevk Edildi", "İSTANBUL/AVRUPA KARGO İŞLEME MERKEZİ"),
            _step("11", "Geliş Kaydı Yapıldı", "ANKARA/KARGO İŞLEME MERKEZİ"),
            _step("7", "Dağıtıcıya Verildi", "ANKARA/ÇANKAYA"),
            _step("100", "Teslim Edildi", "ANKARA/ÇANKAYA"),
        ]

    def handle(self, request: FakeRequest) -> FakeResponse:
        call = self.operation(request)
        action = request.headers.get("soapaction", "").strip('"')
        if call is None or not call.tag.endswith("barkodSorgu") or action != SOAP_ACTION:
            return self.fault(
                "Client",
                f"The endpoint reference (EPR) for the Operation not "
                f"found is {action or 'unknown'}",
            )
        if not credentials_ok(self.field(call, "musteri_no"), self.field(call, "sifre")):
            return self.fault("Client", "Müşteri numarası veya şifre hatalı.")
        barcode = self.field(call, "barkod")
        steps = self.stamped(barcode) if self.knows(barcode) else []
        if not steps:
            return self._return(
                f"<barkod>{escape(barcode)}</barkod><hataKodu>1</hataKodu>"
                "<aciklama>Kayıt bulunamadı.</aciklama>"
            )
        movements = "".join(
            f"<dongu><IKODU>{step['IKODU']}</IKODU><ISLEM>{step['ISLEM']}</ISLEM>"
            f"<ITARIH>{moment:%d/%m/%Y}</ITARIH><ISAAT>{moment:%H:%M:%S}</ISAAT>"
            f"<IMERK>{step['IMERK']}</IMERK><siraNo>{index}</siraNo></dongu>"
            for index, (moment, step) in enumerate(steps, start=1)
        )
        return self._return(
            f"<ALICI>MEHMET DEMİR</ALICI><BARNO>{escape(barcode)}</BARNO>"
            f"<GONDEREN>KARGO DEMO MAĞAZA</GONDEREN><hataKodu>0</hataKodu>"
            f"<aciklama>Başarılı</aciklama>{movements}"
        )

    def _return(self, inner: str) -> FakeResponse:
        return self.envelope(
            f'<ns:barkodSorguResponse xmlns:ns="{NAMESPACE}">'
            f"<ns:return>{inner}</ns:return></ns:barkodSorguResponse>"
        )


Fake = PttFake
