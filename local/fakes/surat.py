"""A fake Sürat Kargo services.asmx speaking `KargoTakipHareketDetayliV2`.

Answers the movements as one string in `KargoTakipHareketDetayliV2Result`,
`description|date time|branch` a line; refuses bad credentials with the fault an
asmx service sends for an exception; answers an unknown SOAPAction with asmx's
Client fault; a code it does not know (starting with UNKNOWN) gets
"Kayıt bulunamadı." A step is a dict (`text`, `branch`). Credentials: see
`soap_base`.
"""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

from chalicelib.carriers.surat import NAMESPACE, OPERATION, SOAP_ACTION
from local.fakes.base import FakeRequest, FakeResponse
from local.fakes.soap_base import SoapFake, credentials_ok


def _step(text: str, branch: str) -> dict[str, str]:
    return {"text": text, "branch": branch}


class SuratFake(SoapFake):
    slug = "surat"

    def default_journey(self, tracking_number: str) -> list[Any]:
        return [
            _step("Gönderi Oluşturuldu", "İSTANBUL ÜMRANİYE ŞUBE"),
            _step("Kargo Kabul Edildi", "İSTANBUL ÜMRANİYE ŞUBE"),
            _step("Aktarma Merkezine Ulaştı", "ANKARA AKTARMA MERKEZİ"),
            _step("Dağıtıma Verildi", "ANKARA ÇANKAYA ŞUBE"),
            _step("Teslim Edildi", "ANKARA ÇANKAYA ŞUBE"),
        ]

    def handle(self, request: FakeRequest) -> FakeResponse:
        action = request.headers.get("soapaction", "").strip('"')
        call = self.operation(request)
        if action != SOAP_ACTION or call is None or not call.tag.endswith(OPERATION):
            return self.fault(
                "Client", f"Server did not recognize the value of HTTP Header SOAPAction: {action}."
            )
        if not credentials_ok(self.field(call, "CariKodu"), self.field(call, "Sifre")):
            return self.fault(
                "Server", "Server was unable to process request. ---> Cari kodu veya şifre hatalı."
            )
        code = self.field(call, "WebSiparisKodu")
        steps = self.stamped(code) if self.knows(code) else []
        lines = (
            "\n".join(
                f"{step['text']}|{moment:%Y-%m-%d %H:%M:%S}|{step['branch']}"
                for moment, step in steps
            )
            or "Kayıt bulunamadı."
        )
        return self.envelope(
            f'<{OPERATION}Response xmlns="{NAMESPACE}">'
            f"<{OPERATION}Result>{escape(lines)}</{OPERATION}Result>"
            f"</{OPERATION}Response>"
        )


Fake = SuratFake
