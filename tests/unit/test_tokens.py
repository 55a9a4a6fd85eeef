"""Sealed tracking tokens (chalicelib/tokens.py): what they carry, what they hide,
and that only a token sealed with a configured key opens."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest

from chalicelib import tokens
from chalicelib.config import reset_settings


@pytest.fixture(autouse=True)
def fresh_keys(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("KARGO_TOKEN_KEY", raising=False)
    monkeypatch.delenv("KARGO_TOKEN_SECRET_ARN", raising=False)
    monkeypatch.delenv("KARGO_SECRETS_ARN", raising=False)
    reset_settings()
    tokens.reset_keys()
    yield
    reset_settings()
    tokens.reset_keys()


def _use_keys(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("KARGO_TOKEN_KEY", value)
    reset_settings()
    tokens.reset_keys()


def test_a_token_opens_to_its_shipment_and_hides_it() -> None:
    token = tokens.mint("yurtici", "YT123456789TR", "1001")
    assert tokens.open_token(token) == ("yurtici", "YT123456789TR", "1001")
    assert "YT123" not in token and "yurtici" not in token
    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    assert b"YT123" not in raw and b"yurtici" not in raw
    # URL-safe, no padding, and what the lookup accepts.
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    from chalicelib.tracking import TOKEN_SHAPE

    assert TOKEN_SHAPE.match(token)


def test_two_tokens_for_one_shipment_share_nothing() -> None:
    first, second = (tokens.mint("aras", "1234567890", "1001") for _ in range(2))
    assert first != second
    # 128 random bits of nonce each: the bytes after the version differ from the start.
    a = base64.urlsafe_b64decode(first + "=" * (-len(first) % 4))
    b = base64.urlsafe_b64decode(second + "=" * (-len(second) % 4))
    assert a[:1] == b[:1] == tokens.VERSION and a[1:17] != b[1:17]


@pytest.mark.parametrize(
    "bad",
    ["", "x" * 40, "not base64 at all!", "AQ", "A" * 72, "AUV4YW1wbGVUcmFja1RvayHowmfZ"],
)
def test_anything_else_opens_to_nothing(bad: str) -> None:
    assert tokens.open_token(bad) is None


def test_a_flipped_bit_is_refused() -> None:
    token = tokens.mint("yurtici", "YT123456789TR", "1001")
    raw = bytearray(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    for position in (0, 5, 20, len(raw) - 1):
        altered = bytearray(raw)
        altered[position] ^= 0x01
        forged = base64.urlsafe_b64encode(bytes(altered)).rstrip(b"=").decode()
        assert tokens.open_token(forged) is None, position


def test_rotation_new_key_seals_old_keys_still_open(monkeypatch: pytest.MonkeyPatch) -> None:
    _use_keys(monkeypatch, "old-key-0123456789")
    old = tokens.mint("yurtici", "YT1", "1001")
    _use_keys(monkeypatch, "new-key-9876543210,old-key-0123456789")
    new = tokens.mint("yurtici", "YT2", "1001")
    assert tokens.open_token(old) == ("yurtici", "YT1", "1001")
    assert tokens.open_token(new) == ("yurtici", "YT2", "1001")
    _use_keys(monkeypatch, "new-key-9876543210")  # the old key retired
    assert tokens.open_token(old) is None
    assert tokens.open_token(new) == ("yurtici", "YT2", "1001")


def test_the_dev_key_opens_the_documented_example() -> None:
    from chalicelib.api.openapi import EXAMPLE_TOKEN

    assert tokens.open_token(EXAMPLE_TOKEN) == ("yurtici", "YT123456789TR", "1001")


def test_deployed_without_a_key_refuses_to_mint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("chalicelib.config._load_secret_overrides", dict)
    monkeypatch.setenv("KARGO_SECRETS_ARN", "arn:aws:secretsmanager:eu-central-1:1:secret:k")
    reset_settings()
    tokens.reset_keys()
    with pytest.raises(tokens.TokenKeyMissing):
        tokens.mint("yurtici", "YT1", "1001")


def test_the_length_does_not_give_the_keys_away() -> None:
    # Padded to 16 bytes: order ids of 1 and 9 characters make tokens of one length.
    short, longer = (tokens.mint("yurtici", "YT123456789TR", o) for o in ("1", "100200300"))
    assert len(short) == len(longer)
    assert tokens.open_token(longer) == ("yurtici", "YT123456789TR", "100200300")
