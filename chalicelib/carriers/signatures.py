"""Signature checks shared by the webhook sources. Every comparison is constant-time."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Sequence
from datetime import datetime

from chalicelib.errors import InvalidSignature

STANDARD_WEBHOOKS_TOLERANCE_SECONDS = 300


def constant_time_equals(left: str | bytes, right: str | bytes) -> bool:
    left_bytes = left.encode() if isinstance(left, str) else left
    right_bytes = right.encode() if isinstance(right, str) else right
    return hmac.compare_digest(left_bytes, right_bytes)


def hmac_sha256(key: bytes, message: bytes) -> bytes:
    return hmac.new(key, message, hashlib.sha256).digest()


def standard_webhooks_key(secret: str) -> bytes:
    """`whsec_<base64>` -> key bytes (a secret without the prefix is base64 too)."""
    encoded = secret.removeprefix("whsec_")
    try:
        return base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as error:
        raise ValueError("a Standard Webhooks secret must be base64 after 'whsec_'") from error


def sign_standard_webhook(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` header value for a body (used to sign outgoing webhooks,
    by the simulator and by tests)."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac_sha256(standard_webhooks_key(secret), signed)
    return "v1," + base64.b64encode(digest).decode()


def verify_standard_webhook(
    body: bytes,
    secrets: Sequence[str],
    now: datetime,
    *,
    msg_id: str | None,
    timestamp: str | None,
    signature_header: str | None,
) -> None:
    """Standard Webhooks v1: HMAC-SHA256 over `{id}.{timestamp}.{body}`, any of the
    space-separated `v1,<base64>` signatures, any configured secret (rotation),
    timestamp within 300 s of now either way."""
    if not msg_id or not timestamp or not signature_header:
        raise InvalidSignature()
    try:
        sent_at = int(timestamp)
    except ValueError as error:
        raise InvalidSignature() from error
    if abs(now.timestamp() - sent_at) > STANDARD_WEBHOOKS_TOLERANCE_SECONDS:
        raise InvalidSignature()
    offered = [
        entry.split(",", 1)[1]
        for entry in signature_header.split()
        if entry.startswith("v1,") and len(entry) > 3
    ]
    signed = f"{msg_id}.{timestamp}.".encode() + body
    matched = False
    for secret in secrets:
        expected = base64.b64encode(hmac_sha256(standard_webhooks_key(secret), signed)).decode()
        for candidate in offered:
            # No early exit: every pair is compared, so timing says nothing.
            matched |= constant_time_equals(expected, candidate)
    if not matched:
        raise InvalidSignature()
