"""A fake ArasCargoIntegrationService speaking `GetQueryJSON` (QueryType 14).

Reads `loginInfo` and `queryInfo` (XML inside the string parameters) as Aras
documents them, answers `{"QueryResult": {"Cargo": [...]}}` inside
`GetQueryJSONResult`, refuses bad credentials with a WCF fault, answers an
unknown action with WCF's ActionNotSupported fault, and leaves numbers it does
not know (starting with UNKNOWN) out of the rows; when none is known the result
is empty, as Aras's is. A step is a dict of the row's columns (`DURUM_KODU`,
`DURUMU`, `TIP_KODU`, `DEVIR_KODU`, branch). Credentials: see `soap_base`
(the customer code must be non-empty too).
"""

from __future__ import annotations

import json
from typing import Any
from xml.sax.saxutils import escape

import defusedxml.ElementTree as DET  # noqa: N814

from chalicelib.carriers.aras import NAMESPACE, SOAP_ACTION
from local.fakes.base import FakeRequest, FakeResponse
from local.fakes.soap_base import SoapFake, credentials_ok


def _step(state: str, text: str, **extra: str) -> dict[str, str]:
    return {"DURUM_KODU": state, "DURUMU": text, "TIP_KODU": "1", **extra}


class ArasFake(SoapFake):
    slug = "aras"

    def default_journey(self, tracking_number: str) -> list[Any]:
        return [
            _step("1", "ÇIKIŞ ŞUBESİNDE"),
            _step("2", "YOLDA"),
            _step("3", "TESLİMAT ŞUBESİNDE"),
            _step("4", "TESLİMATTA"),
            _step("6", "TESLİM EDİLDİ", TESLIM_ALAN="ALICININ KENDİSİ"),
        ]

    def handle(self, request: FakeRequest) -> FakeResponse:
        action = request.headers.get("soapaction", "").strip('"')
        call = self.operation(request)
        if action != SOAP_ACTION or call is None or not call.tag.endswith("GetQueryJSON"):
            return self.fault(
                "a:ActionNotSupported",
                f"The message with Action '{action}' cannot be processed at the receiver, due "
                "to a ContractFilter mismatch at the EndpointDispatcher.",
            )
        try:
            login = DET.fromstring(self.field(call, "loginInfo") or "<LoginInfo/>")
            query = DET.fromstring(self.field(call, "queryInfo") or "<QueryInfo/>")
        except Exception:  # Aras answers unreadable parameters with a fault
            return self.fault("a:InternalServiceFault", "Parametreler okunamadı.")
        if not (
            credentials_ok(self.field(login, "UserName"), self.field(login, "Password"))
            and self.field(login, "CustomerCode")
        ):
            return self.fault("a:InternalServiceFault", "Kullanıcı adı veya şifre hatalı.")
        if self.field(query, "QueryType") != "14":
            return self._result("")
        numbers = [n.strip() for n in self.field(query, "TrackingNumber").split(",") if n.strip()]
        rows = [row for number in numbers if (row := self._row(number)) is not None]
        return self._result(
            json.dumps({"QueryResult": {"Cargo": rows}}, ensure_ascii=False) if rows else ""
        )

    def _row(self, number: str) -> dict[str, str] | None:
        if not self.knows(number):
            return None
        steps = self.stamped(number)
        if not steps:
            return None
        waybill_at, latest = steps[0][0], steps[-1]
        row = {
            "MUSTERI_OZEL_KODU": f"MOK{number[-6:]}",
            "IRSALIYE_NUMARA": f"A-{abs(hash(number)) % 10**7:07d}",
            "KARGO_TAKIP_NO": number,
            "CIKIS_SUBE": "İSTANBUL KADIKÖY",
            "VARIS_SUBE": "ANKARA ÇANKAYA",
            "CIKIS_TARIH": f"{waybill_at:%d.%m.%Y %H:%M:%S}",
            "ADET": "1",
            "ODEME_TIPI": "ÜG",
            "DEVIR_KODU": "",
            **latest[1],
        }
        if latest[1]["DURUM_KODU"] == "6":
            row["TESLIM_TARIHI"] = f"{latest[0]:%d.%m.%Y}"
            row["TESLIM_SAATI"] = f"{latest[0]:%H:%M:%S}"
        return row

    def _result(self, result: str) -> FakeResponse:
        return self.envelope(
            f'<GetQueryJSONResponse xmlns="{NAMESPACE}">'
            f"<GetQueryJSONResult>{escape(result)}</GetQueryJSONResult></GetQueryJSONResponse>"
        )


Fake = ArasFake
