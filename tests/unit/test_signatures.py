"""Standard Webhooks verification, checked against the reference library too."""

from __future__ import annotations

import base64
import time
from datetime import UTC, datetime

import pytest
from standardwebhooks.webhooks import Webhook

from chalicelib.carriers.base import WebhookRequest
from chalicelib.carriers.generic import SOURCE as GENERIC
from chalicelib.carriers.signatures import sign_standard_webhook, verify_standard_webhook
from chalicelib.config import DEFAULT_GENERIC_SECRET
from chalicelib.errors import InvalidSignature

BODY = b'{"carrier":"yurtici"}'
OTHER_SECRET = "whsec_" + base64.b64encode(b"another-secret-for-rotation!").decode()


def headers(secret: str, ts: int, msg_id: str = "msg_1", body: bytes = BODY) -> dict[str, str]:
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(ts),
        "webhook-signature": sign_standard_webhook(secret, msg_id, ts, body),
    }


def check(h: dict[str, str], secrets: list[str], now: datetime, body: bytes = BODY) -> None:
    GENERIC.verify(WebhookRequest(body, h), secrets, now)


def test_our_signature_is_what_the_reference_library_expects() -> None:
    ts = int(time.time())
    Webhook(DEFAULT_GENERIC_SECRET).verify(BODY, headers(DEFAULT_GENERIC_SECRET, ts))


def test_reference_library_signature_is_accepted() -> None:
    now = datetime.now(UTC)
    signature = Webhook(DEFAULT_GENERIC_SECRET).sign("msg_9", now, BODY.decode())
    h = {
        "webhook-id": "msg_9",
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature,
    }
    check(h, [DEFAULT_GENERIC_SECRET], now)


def test_any_configured_secret_is_accepted_during_rotation() -> None:
    now = datetime.now(UTC)
    check(headers(OTHER_SECRET, int(now.timestamp())), [DEFAULT_GENERIC_SECRET, OTHER_SECRET], now)


def test_one_valid_signature_among_several_is_enough() -> None:
    now = datetime.now(UTC)
    h = headers(DEFAULT_GENERIC_SECRET, int(now.timestamp()))
    h["webhook-signature"] = "v1,AAAA " + h["webhook-signature"]
    check(h, [DEFAULT_GENERIC_SECRET], now)


@pytest.mark.parametrize("drift", [-301, 301, -3600])
def test_timestamps_outside_five_minutes_are_rejected(drift: int) -> None:
    now = datetime.now(UTC)
    with pytest.raises(InvalidSignature):
        check(
            headers(DEFAULT_GENERIC_SECRET, int(now.timestamp()) + drift),
            [DEFAULT_GENERIC_SECRET],
            now,
        )


@pytest.mark.parametrize("missing", ["webhook-id", "webhook-timestamp", "webhook-signature"])
def test_missing_headers_are_rejected(missing: str) -> None:
    now = datetime.now(UTC)
    h = headers(DEFAULT_GENERIC_SECRET, int(now.timestamp()))
    del h[missing]
    with pytest.raises(InvalidSignature):
        check(h, [DEFAULT_GENERIC_SECRET], now)


def test_wrong_secret_tampered_body_and_wrong_version_are_rejected() -> None:
    now = datetime.now(UTC)
    ts = int(now.timestamp())
    with pytest.raises(InvalidSignature):
        check(headers(OTHER_SECRET, ts), [DEFAULT_GENERIC_SECRET], now)
    with pytest.raises(InvalidSignature):
        check(headers(DEFAULT_GENERIC_SECRET, ts), [DEFAULT_GENERIC_SECRET], now, body=BODY + b" ")
    h = headers(DEFAULT_GENERIC_SECRET, ts)
    h["webhook-signature"] = h["webhook-signature"].replace("v1,", "v2,")
    with pytest.raises(InvalidSignature):
        check(h, [DEFAULT_GENERIC_SECRET], now)


def test_garbage_timestamp_is_rejected_not_crashed() -> None:
    now = datetime.now(UTC)
    h = headers(DEFAULT_GENERIC_SECRET, int(now.timestamp()))
    h["webhook-timestamp"] = "soon"
    with pytest.raises(InvalidSignature):
        verify_standard_webhook(
            BODY,
            [DEFAULT_GENERIC_SECRET],
            now,
            msg_id="msg_1",
            timestamp="soon",
            signature_header=h["webhook-signature"],
        )
