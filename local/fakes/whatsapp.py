"""A fake AWS End User Messaging Social (moto has none), for `make run` and tests.

Speaks what botocore sends for `SendWhatsAppMessage`: `POST /v1/whatsapp/send`
with a JSON body `{"originationPhoneNumberId", "message": <base64 of Meta's
message object>, "metaApiVersion"}`, and answers `{"messageId": "wamid...."}`, or
an error the rest-json way (`x-amzn-ErrorType` header, `{"message"}` body). It
records each template message, then reports what Meta would: `sent`, `delivered`
and `read` as SNS records carrying the AWS event with Meta's webhook entry in
`whatsAppWebhookEntry`, handed to `report` (the local stack invokes the receipts
Lambda with them, the path SNS takes in AWS).

To try the failures:
- a recipient ending in `0000` has no WhatsApp: accepted, then reported `failed`
  with Meta's 131026 "Message undeliverable";
- a recipient ending in `9999` is refused at once (`InvalidParametersException`).
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chalicelib.clock import utc_now
from local.fakes.base import FakeCarrier, FakeRequest, FakeResponse

SEND_PATH = "/v1/whatsapp/send"
DEV_PHONE_NUMBER_ID = "phone-number-id-0123456789abcdef0123456789abcdef"
DEV_WABA_ID = "waba-0123456789abcdef0123456789abcdef"
ACCOUNT = "123456789012"
REGION = "eu-central-1"
UNDELIVERABLE_SUFFIX = "0000"
REFUSED_SUFFIX = "9999"


@dataclass(frozen=True)
class SentWhatsApp:
    message_id: str
    recipient: str
    template: str
    language: str
    parameters: tuple[str, ...]
    callback_data: str | None


class WhatsAppFake(FakeCarrier):
    slug = "whatsapp"

    def __init__(
        self,
        report: Callable[[dict[str, Any]], object] | None = None,
        auto_report: bool = True,
        delays: tuple[float, float, float] = (0.2, 0.8, 2.0),
    ) -> None:
        super().__init__()
        self.report = report
        self.auto_report = auto_report
        self.delays = delays  # sent, delivered, read (seconds after the send)
        self.sent: list[SentWhatsApp] = []

    def default_journey(self, tracking_number: str) -> list[Any]:
        return []  # not a carrier: nothing to track

    def failure(self, status: int) -> FakeResponse:
        code = "ThrottledRequestException" if status == 429 else "InternalServiceException"
        return _error(status, code, "Service unavailable")

    # --- the API --------------------------------------------------------------------
    def handle(self, request: FakeRequest) -> FakeResponse:
        if request.method != "POST" or request.path.split("?")[0] != SEND_PATH:
            return _error(404, "ResourceNotFoundException", "Unknown operation")
        try:
            body = json.loads(request.body)
            raw = base64.b64decode(body["message"], validate=True)
            message = json.loads(raw)
            template = message["template"]
            recipient = str(message["to"])
            parameters = tuple(
                str(parameter["text"])
                for component in template.get("components", [])
                if component.get("type") == "body"
                for parameter in component.get("parameters", [])
            )
            name, language = str(template["name"]), str(template["language"]["code"])
        except (KeyError, TypeError, ValueError, binascii.Error):
            return _error(400, "ValidationException", "message is not a WhatsApp message")
        if not str(body.get("originationPhoneNumberId", "")).startswith("phone-number-id-"):
            return _error(400, "ValidationException", "originationPhoneNumberId is invalid")
        if not str(body.get("metaApiVersion", "")).startswith("v"):
            return _error(400, "ValidationException", "metaApiVersion is invalid")
        if message.get("messaging_product") != "whatsapp" or message.get("type") != "template":
            return _error(400, "InvalidParametersException", "only template messages")
        if any(not text.strip() or "\n" in text for text in parameters):
            return _error(400, "InvalidParametersException", "a parameter is empty or multiline")
        if recipient.endswith(REFUSED_SUFFIX):
            return _error(400, "InvalidParametersException", "Recipient phone number not valid")
        sent = SentWhatsApp(
            message_id="wamid." + base64.urlsafe_b64encode(secrets.token_bytes(24)).decode(),
            recipient=recipient,
            template=name,
            language=language,
            parameters=parameters,
            callback_data=message.get("biz_opaque_callback_data"),
        )
        with self._lock:
            self.sent.append(sent)
        if self.auto_report and self.report is not None:
            self._report_later(sent)
        return FakeResponse(200, json.dumps({"messageId": sent.message_id}).encode())

    # --- receipts -------------------------------------------------------------------
    def journey_of(self, sent: SentWhatsApp) -> list[str]:
        """What Meta reports for this message, in order."""
        if sent.recipient.endswith(UNDELIVERABLE_SUFFIX):
            return ["failed"]
        return ["sent", "delivered", "read"]

    def receipt_event(self, sent: SentWhatsApp, status: str) -> dict[str, Any]:
        """An SNS-delivered Lambda event with one status of one message."""
        now = utc_now()
        status_object: dict[str, Any] = {
            "id": sent.message_id,
            "status": status,
            "timestamp": str(int(now.timestamp())),
            "recipient_id": sent.recipient.lstrip("+"),
        }
        if sent.callback_data:
            status_object["biz_opaque_callback_data"] = sent.callback_data
        if status == "failed":
            status_object["errors"] = [
                {
                    "code": 131026,
                    "title": "Message undeliverable",
                    "message": "Message undeliverable",
                    "error_data": {"details": "The recipient has no WhatsApp account"},
                }
            ]
        entry = {
            "id": "102290129340398",
            "changes": [
                {
                    "field": "messages",
                    "value": {
                        "messaging_product": "whatsapp",
                        "metadata": {
                            "display_phone_number": "905001112233",
                            "phone_number_id": "106540352242922",
                        },
                        "statuses": [status_object],
                    },
                }
            ],
        }
        phone_arn = f"arn:aws:social-messaging:{REGION}:{ACCOUNT}:phone-number-id/" + (
            DEV_PHONE_NUMBER_ID.removeprefix("phone-number-id-")
        )
        aws_event = {
            "context": {
                "MetaWabaIds": [
                    {
                        "wabaId": "102290129340398",
                        "arn": f"arn:aws:social-messaging:{REGION}:{ACCOUNT}:waba/"
                        + DEV_WABA_ID.removeprefix("waba-"),
                    }
                ],
                "MetaPhoneNumberIds": [{"metaPhoneNumberId": "106540352242922", "arn": phone_arn}],
            },
            "whatsAppWebhookEntry": json.dumps(entry),
            "aws_account_id": ACCOUNT,
            "message_timestamp": now.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "messageId": str(uuid.uuid4()),
        }
        topic = f"arn:aws:sns:{REGION}:{ACCOUNT}:kargo-whatsapp-events"
        return {
            "Records": [
                {
                    "EventSource": "aws:sns",
                    "EventVersion": "1.0",
                    "EventSubscriptionArn": f"{topic}:{uuid.uuid4()}",
                    "Sns": {
                        "Type": "Notification",
                        "MessageId": str(uuid.uuid4()),
                        "TopicArn": topic,
                        "Subject": None,
                        "Message": json.dumps(aws_event),
                        "Timestamp": now.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
                        "SignatureVersion": "1",
                        "Signature": "",
                        "SigningCertUrl": "",
                        "UnsubscribeUrl": "",
                        "MessageAttributes": {},
                    },
                }
            ]
        }

    def _report_later(self, sent: SentWhatsApp) -> None:
        def run() -> None:
            waited = 0.0
            for status, delay in zip(self.journey_of(sent), self.delays, strict=False):
                threading.Event().wait(max(0.0, delay - waited))
                waited = delay
                if self.report is not None:
                    self.report(self.receipt_event(sent, status))

        threading.Thread(target=run, name="fake-whatsapp-receipts", daemon=True).start()


def _error(status: int, code: str, text: str) -> FakeResponse:
    return FakeResponse(
        status, json.dumps({"message": text}).encode(), headers={"x-amzn-ErrorType": code}
    )
