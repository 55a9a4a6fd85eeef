"""A fake Yurtiçi ShippingOrderDispatcherServices speaking `queryShipment`.

Answers as the WSDL says (`queryShipmentResponse/ShippingDeliveryVO`, children
unqualified), refuses bad credentials with Yurtiçi's `YurticikargoWSException`
fault, answers an unknown operation with a Client fault, and reports a key it
does not know with a non-zero `errCode` (outFlag 1 when no key is known).
A step is a dict: the movement (`eventId`, `eventName`, `reasonId`,
`reasonName`, `cityName`, `townName`, `unitName`) and the `operationCode` the
shipment has after it. Credentials: see `soap_base`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from xml.sax.saxutils import escape

from chalicelib.carriers.yurtici import NAMESPACE
from local.fakes.base import FakeRequest, FakeResponse
from local.fakes.soap_base import SoapFake, credentials_ok

_OPERATIONS = {
    "0": ("NOP", "Kargo İşlem Görmemiş."),
    "1": ("IND", "Kargo Teslimattadır."),
    "2": ("ISR", "Kargo işlem görmüş, faturası henüz düzenlenmemiştir."),
    "3": ("CNL", "Kargo Çıkışı Engellendi."),
    "5": ("DLV", "Kargo teslim edilmiştir."),
}
UNKNOWN_KEY_ERROR = "80859"  # ERR_INTG_CARGO_KEY_PARAM_NOT_FOUND in Yurtiçi's code list


def _step(
    event_id: str,
    name: str,
    city: str,
    town: str,
    unit: str,
    operation: str,
    reason: tuple[str, str] = ("OK", "Sorun Yok"),
) -> dict[str, str]:
    return {
        "eventId": event_id,
        "eventName": name,
        "reasonId": reason[0],
        "reasonName": reason[1],
        "cityName": city,
        "townName": town,
        "unitName": unit,
        "operationCode": operation,
    }


class YurticiFake(SoapFake):
    slug = "yurtici"

    def default_journey(self, tracking_number: str) -> list[Any]:
        return [
            _step("ALM", "Kargo Kabul Edildi", "İSTANBUL", "KADIKÖY", "KADIKÖY ŞUBE", "2"),
            _step("YUK", "Kargo Yüklendi", "İSTANBUL", "TUZLA", "TUZLA AKTARMA MERKEZİ", "1"),
            _step("IND", "Kargo İndirildi", "ANKARA", "SİNCAN", "ANKARA AKTARMA MERKEZİ", "1"),
            _step("DAG", "Kargo Dağıtıma Çıktı", "ANKARA", "ÇANKAYA", "ÇANKAYA ŞUBE", "1"),
            _step("TES", "Kargo Teslim Edildi", "ANKARA", "ÇANKAYA", "ÇANKAYA ŞUBE", "5"),
        ]

    def handle(self, request: FakeRequest) -> FakeResponse:
        call = self.operation(request)
        if call is None:
            return self.fault("Client", "Unable to parse the request envelope")
        name = call.tag.rsplit("}", 1)[-1]
        if name != "queryShipment" or not call.tag.startswith(f"{{{NAMESPACE}}}"):
            return self.fault("Client", f"Cannot find dispatch method for {name}")
        if not credentials_ok(self.field(call, "wsUserName"), self.field(call, "wsPassword")):
            return self.fault(
                "Server",
                "Kullanıcı adı veya şifre hatalı.",
                '<ns1:YurticikargoWSException xmlns:ns1="http://yurticikargo.com.tr/WSExceptions/">'
                "<errorCode>1</errorCode><errText>Kullanıcı adı veya şifre hatalı.</errText>"
                "</ns1:YurticikargoWSException>",
            )
        details = [self._detail(key) for key in self.fields(call, "keys")]
        known = sum(1 for _, found in details if found)
        flag, result = ("0", "Başarılı") if known else ("1", "Kayıt bulunamadı.")
        inner = "".join(xml for xml, _ in details)
        return self.envelope(
            f'<ns2:queryShipmentResponse xmlns:ns2="{NAMESPACE}"><ShippingDeliveryVO>'
            f"<outFlag>{flag}</outFlag><outResult>{result}</outResult><errCode>0</errCode>"
            f"<count>{known}</count><senderCustId>1234567</senderCustId>{inner}"
            "</ShippingDeliveryVO></ns2:queryShipmentResponse>"
        )

    def _detail(self, key: str) -> tuple[str, bool]:
        if not self.knows(key):
            return (
                f"<shippingDeliveryDetailVO><cargoKey>{escape(key)}</cargoKey>"
                f"<errCode>{UNKNOWN_KEY_ERROR}</errCode><errMessage>Kargo anahtarı bulunamadı."
                "</errMessage><jobId>0</jobId></shippingDeliveryDetailVO>"
            ), False
        steps = self.stamped(key)
        operation = steps[-1][1]["operationCode"] if steps else "0"
        status, message = _OPERATIONS.get(operation, ("NOP", ""))
        item = ""
        if steps:
            first_moment = steps[0][0]
            estimate = (first_moment + timedelta(days=2)).strftime("%Y%m%d")
            delivered = steps[-1][0] if operation == "5" else None
            movements = "".join(self._movement(moment, step) for moment, step in steps)
            item = (
                "<shippingDeliveryItemDetailVO>"
                f"<cargoKey>{escape(key)}</cargoKey><docId>1{abs(hash(key)) % 10**11:011d}</docId>"
                f"<documentDate>{first_moment:%Y%m%d}</documentDate>"
                f"<documentTime>{first_moment:%H%M%S}</documentTime>"
                f"<trackingUrl>https://www.yurticikargo.com/tr/online-servisler/gonderi-sorgula?code={escape(key)}</trackingUrl>"
                + (
                    f"<deliveryDate>{delivered:%Y%m%d}</deliveryDate>"
                    f"<deliveryTime>{delivered:%H%M%S}</deliveryTime>"
                    "<receiverInfo>ALICININ KENDİSİ</receiverInfo>"
                    if delivered
                    else ""
                )
                + movements
                + f"<estimatedDeliveryDate>{estimate}</estimatedDeliveryDate>"
                "</shippingDeliveryItemDetailVO>"
            )
        return (
            f"<shippingDeliveryDetailVO><cargoKey>{escape(key)}</cargoKey><errCode>0</errCode>"
            f"<jobId>0</jobId><operationCode>{operation}</operationCode>"
            f"<operationMessage>{message}</operationMessage>"
            f"<operationStatus>{status}</operationStatus>{item}"
            "</shippingDeliveryDetailVO>"
        ), True

    @staticmethod
    def _movement(moment: datetime, step: dict[str, str]) -> str:
        return (
            "<invDocCargoVOArray><unitId>8070</unitId>"
            f"<unitName>{step['unitName']}</unitName><eventId>{step['eventId']}</eventId>"
            f"<eventName>{step['eventName']}</eventName><reasonId>{step['reasonId']}</reasonId>"
            f"<reasonName>{step['reasonName']}</reasonName>"
            f"<eventDate>{moment:%Y%m%d}</eventDate><eventTime>{moment:%H%M%S}</eventTime>"
            f"<cityName>{step['cityName']}</cityName><townName>{step['townName']}</townName>"
            "</invDocCargoVOArray>"
        )


Fake = YurticiFake
