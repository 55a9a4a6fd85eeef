"""CSRF tokens for the shopper's page forms, without a session: an HMAC of the
tracking token, the form's purpose and a time bucket, under a server key.

A form rendered now stays good for one to two buckets (6 to 12 hours); a post
from another site cannot know the key, so it cannot forge one. Compared in
constant time."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime

BUCKET_SECONDS = 6 * 3600


def _bucket(now: datetime) -> int:
    return int(now.timestamp()) // BUCKET_SECONDS


def _sign(key: str, token: str, purpose: str, bucket: int) -> str:
    message = f"{token}\0{purpose}\0{bucket}".encode()
    digest = hmac.new(key.encode(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:24]).decode()


def form_token(key: str, token: str, purpose: str, now: datetime) -> str:
    return _sign(key, token, purpose, _bucket(now))


def valid_form_token(key: str, token: str, purpose: str, given: str | None, now: datetime) -> bool:
    if not given:
        return False
    bucket = _bucket(now)
    candidates = (_sign(key, token, purpose, b) for b in (bucket, bucket - 1))
    # Both compared, whatever the first says: no timing difference between them.
    results = [hmac.compare_digest(candidate.encode(), given.encode()) for candidate in candidates]
    return any(results)
