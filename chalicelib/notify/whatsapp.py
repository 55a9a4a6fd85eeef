"""WhatsApp through AWS End User Messaging Social: the shop's approved template
messages, sent with `SendWhatsAppMessage`.

WhatsApp allows a business to start a conversation only with a template Meta has
approved, so the text itself lives at Meta; Kargo names the template and fills its
body parameters. One template per kind and locale:

- name: `kargo_<kind>_<locale>` (`kargo_out_for_delivery_tr`), unless
  `KARGO_WHATSAPP_TEMPLATES` (a JSON object) names another one, keyed by
  `"<kind>:<locale>"` or, for every locale, `"<kind>"`;
- language: `tr` or `en` (the template's language as registered at Meta);
- body parameters, in this order: {{1}} the shopper's first name, {{2}} what
  happened (the kind's headline, the same words as the e-mail's and the SMS's),
  {{3}} the tracking link.

The request is the Meta Cloud API message object as bytes (boto3 base64-encodes
the blob): `{"messaging_product": "whatsapp", "to": "+90...", "type": "template",
"template": {...}, "biz_opaque_callback_data": "<order id>/<log entry id>"}`. Meta
echoes `biz_opaque_callback_data` in every status event, so a receipt finds its
log entry even when it arrives before the send's answer was recorded.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from chalicelib import aws
from chalicelib.notify.render import MessageContext, compose

TEMPLATE_PREFIX = "kargo"
# Meta refuses a text parameter with a newline or tab, or more than four spaces in a row.
_PARAMETER_WHITESPACE = re.compile(r"\s+")
# Meta refuses an empty text parameter: a shopper without a name is greeted so.
NAMELESS = {"tr": "Merhaba", "en": "Hello"}
MAX_PARAMETER = 1024


@dataclass(frozen=True)
class TemplateMessage:
    name: str
    language: str
    parameters: tuple[str, ...]  # the body's {{1}}, {{2}}, {{3}}


@cache
def _overrides(raw: str) -> dict[str, str]:
    if not raw.strip():
        return {}
    values = json.loads(raw)
    if not isinstance(values, dict):
        raise ValueError("KARGO_WHATSAPP_TEMPLATES must be a JSON object")
    return {str(key): str(value) for key, value in values.items()}


def template_name(kind: str, locale: str, overrides: str = "") -> str:
    """The approved template for a kind in a locale (see the module docstring)."""
    names = _overrides(overrides)
    return names.get(f"{kind}:{locale}") or names.get(kind) or f"{TEMPLATE_PREFIX}_{kind}_{locale}"


def _parameter(text: str) -> str:
    return _PARAMETER_WHITESPACE.sub(" ", text).strip()[:MAX_PARAMETER]


def template_message(context: MessageContext, overrides: str = "") -> TemplateMessage:
    """What a notification says on WhatsApp: the template and its parameters."""
    message = compose(context)
    return TemplateMessage(
        name=template_name(context.kind, context.locale, overrides),
        language=context.locale,
        parameters=(
            _parameter(context.first_name) or NAMELESS[context.locale],
            _parameter(message.headline),
            context.tracking_url,
        ),
    )


def meta_message(recipient: str, template: TemplateMessage, callback_data: str) -> dict[str, Any]:
    """The Meta Cloud API message object. `to` keeps E.164's plus sign, as Meta
    recommends: without it a number may be read as national to the sender."""
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": recipient,
        "type": "template",
        "template": {
            "name": template.name,
            "language": {"policy": "deterministic", "code": template.language},
            "components": [
                {
                    "type": "body",
                    "parameters": [{"type": "text", "text": text} for text in template.parameters],
                }
            ],
        },
        "biz_opaque_callback_data": callback_data,
    }


def callback_data(order_id: str, note_id: str) -> str:
    return f"{order_id}/{note_id}"


def parse_callback_data(value: Any) -> tuple[str, str] | None:
    if not isinstance(value, str) or value.count("/") != 1:
        return None
    order_id, note_id = value.split("/")
    return (order_id, note_id) if order_id and note_id.startswith("ntf_") else None


def send_whatsapp(phone_number_id: str, meta_api_version: str, message: dict[str, Any]) -> str:
    """Send one message; Meta's message id (what status events carry)."""
    response = aws.socialmessaging().send_whatsapp_message(
        originationPhoneNumberId=phone_number_id,
        message=json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode(),
        metaApiVersion=meta_api_version,
    )
    return str(response.get("messageId") or "")
