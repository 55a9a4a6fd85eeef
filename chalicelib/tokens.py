"""Sealed tracking tokens: the shipment's and its order's keys, encrypted, are the token.

A token is `base64url(version | nonce | AES-256-GCM(carrier \\0 tracking_number \\0
order_id, NUL-padded to a multiple of 16 bytes))` with a fresh 128-bit random
nonce, so:

- the lookup needs no index: it opens the token and reads the shipment's STATE
  item and its ORDER item with one consistent `BatchGetItem` (the order says
  what the shopper may do), then checks the stored token equals the given one (a
  fresh link is readable at once, also in AWS; a GSI would be eventually
  consistent and would copy every state write);
- the token reveals nothing without the key (GCM encrypts and authenticates; the
  random nonce makes two tokens for one shipment unrelated; the padding hides the
  keys' exact length), and a forged or altered token fails authentication before
  any read;
- keys rotate: `KARGO_TOKEN_KEY` holds comma-separated keys, the first seals new
  tokens, every one opens old ones.

`cryptography` is imported on first use only: the Lambdas that never mint nor open
a token (the notifier, the scan) do not pay for it at cold start.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import secrets
from functools import cache
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

VERSION = b"\x02"
NONCE_BYTES = 16  # 128 random bits in every token
TAG_BYTES = 16
PADDING = 16  # the sealed keys are padded to a multiple of this many bytes
# The public local-development key (not a secret of any deployment): tokens minted by
# `make run` open in tests and in every local checkout.
DEV_TOKEN_KEY = "kargo-local-development-tracking-token-key"  # noqa: S105
_KEY_LABEL = b"kargo tracking token v1\x00"


class SealedKey(NamedTuple):
    """What a token opens to: the shipment's key and the order it was registered with."""

    carrier: str
    tracking_number: str
    order_id: str


class TokenKeyMissing(RuntimeError):
    """Deployed without KARGO_TOKEN_KEY: no token can be minted (see the README)."""


def _key_material() -> tuple[str, ...]:
    """The configured keys, newest first.

    Precedence: `KARGO_TOKEN_KEY` in the stack's secret or the environment (via
    settings), else the generated secret `KARGO_TOKEN_SECRET_ARN` names (read once,
    only by functions that handle tokens), else the local development key."""
    from chalicelib.config import settings

    configured = settings().token_keys
    if configured:
        return configured
    arn = os.environ.get("KARGO_TOKEN_SECRET_ARN")
    if arn:
        import json

        from chalicelib.aws import secretsmanager

        stored = json.loads(secretsmanager().get_secret_value(SecretId=arn)["SecretString"])
        keys = tuple(k.strip() for k in str(stored.get("KARGO_TOKEN_KEY", "")).split(","))
        if any(keys):
            return tuple(k for k in keys if k)
    if os.environ.get("KARGO_SECRETS_ARN"):
        raise TokenKeyMissing("KARGO_TOKEN_KEY is not set")
    return (DEV_TOKEN_KEY,)


@cache
def _ciphers() -> tuple[AESGCM, ...]:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    # A key of any length and alphabet becomes 256 bits; the label keeps this use of
    # the secret apart from any other.
    return tuple(
        AESGCM(hashlib.sha256(_KEY_LABEL + key.encode()).digest()) for key in _key_material()
    )


def reset_keys() -> None:
    """For tests that change the keys."""
    _ciphers.cache_clear()


def mint(carrier: str, tracking_number: str, order_id: str) -> str:
    """A new token for this shipment of this order, sealed with the newest key."""
    nonce = secrets.token_bytes(NONCE_BYTES)
    plain = "\x00".join((carrier, tracking_number, order_id)).encode()
    plain += b"\x00" * (-len(plain) % PADDING)  # the length says next to nothing either
    sealed = _ciphers()[0].encrypt(nonce, plain, VERSION)
    return base64.urlsafe_b64encode(VERSION + nonce + sealed).rstrip(b"=").decode()


def open_token(token: str) -> SealedKey | None:
    """The keys sealed in the token, or None for anything else:
    malformed, altered, sealed with an unknown key, or of another version."""
    from cryptography.exceptions import InvalidTag

    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        return None
    if len(raw) <= 1 + NONCE_BYTES + TAG_BYTES or raw[:1] != VERSION:
        return None
    nonce, sealed = raw[1 : 1 + NONCE_BYTES], raw[1 + NONCE_BYTES :]
    for cipher in _ciphers():
        try:
            plain = cipher.decrypt(nonce, sealed, VERSION)
        except InvalidTag:
            continue
        parts = plain.rstrip(b"\x00").decode().split("\x00")
        return SealedKey(*parts) if len(parts) == 3 and all(parts) else None
    return None
