"""Shopify's and WooCommerce's signatures: base64 HMAC-SHA256 of the raw body.

The expected values were computed with OpenSSL (see the fixtures' README), not
with the code under test."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from chalicelib.carriers.base import WebhookRequest
from chalicelib.errors import InvalidSignature
from chalicelib.platforms import get_platform
from tests.unit.platforms.payloads import fixture_bytes

OPENSSL_VECTORS = [
    (
        "shopify",
        "x-shopify-hmac-sha256",
        "orders-create",
        "dev-shopify-secret",
        "d2E8SRacT812GeIx/f+OOL42W442Pm0NoHF7jXfAF5Q=",
    ),
    (
        "shopify",
        "x-shopify-hmac-sha256",
        "fulfillments-create",
        "dev-shopify-secret",
        "WYlmH147sjE+NeT+TZjuOQLFN5P2hC6ecaJ2CEPHlKI=",
    ),
    (
        "woocommerce",
        "x-wc-webhook-signature",
        "order-created",
        "dev-woocommerce-secret",
        "fnIiIT4t/aikr6dLahddadnMkvpCCt0BAoyu3TFrilU=",
    ),
]


def verify(platform: str, body: bytes, headers: dict[str, str], secrets: Sequence[str]) -> None:
    source = get_platform(platform)
    assert source is not None
    source.verify(WebhookRequest(body, {k.lower(): v for k, v in headers.items()}), secrets)


@pytest.mark.parametrize(("platform", "header", "name", "secret", "signature"), OPENSSL_VECTORS)
def test_the_platforms_signature_is_accepted(
    platform: str, header: str, name: str, secret: str, signature: str
) -> None:
    verify(platform, fixture_bytes(platform, name), {header: signature}, [secret])


@pytest.mark.parametrize(("platform", "header", "name", "secret", "signature"), OPENSSL_VECTORS)
def test_any_change_to_the_body_is_refused(
    platform: str, header: str, name: str, secret: str, signature: str
) -> None:
    body = fixture_bytes(platform, name)
    with pytest.raises(InvalidSignature):
        verify(platform, body.replace(b"1", b"2", 1), {header: signature}, [secret])
    with pytest.raises(InvalidSignature):
        verify(platform, body + b" ", {header: signature}, [secret])  # raw bytes, not JSON


@pytest.mark.parametrize(("platform", "header", "name", "secret", "signature"), OPENSSL_VECTORS)
def test_a_wrong_or_missing_signature_or_secret_is_refused(
    platform: str, header: str, name: str, secret: str, signature: str
) -> None:
    body = fixture_bytes(platform, name)
    for headers, secrets in (
        ({}, [secret]),
        ({header: ""}, [secret]),
        ({header: signature[:-4] + "AAA="}, [secret]),
        ({header: signature}, ["another-secret"]),
        ({header: signature}, []),  # a deployment that set no secret refuses everything
        ({"x-other-header": signature}, [secret]),
    ):
        with pytest.raises(InvalidSignature):
            verify(platform, body, headers, secrets)


@pytest.mark.parametrize(("platform", "header", "name", "secret", "signature"), OPENSSL_VECTORS)
def test_rotation_accepts_the_old_and_the_new_secret(
    platform: str, header: str, name: str, secret: str, signature: str
) -> None:
    body = fixture_bytes(platform, name)
    verify(platform, body, {header: signature}, ["the-new-secret", secret])
    verify(platform, body, {header: signature}, [secret, "the-new-secret"])


def test_header_names_are_case_insensitive() -> None:
    body = fixture_bytes("shopify", "orders-create")
    verify(
        "shopify",
        body,
        {"X-Shopify-Hmac-SHA256": "d2E8SRacT812GeIx/f+OOL42W442Pm0NoHF7jXfAF5Q="},
        ["dev-shopify-secret"],
    )


def test_woocommerce_ping_is_recognised_only_in_its_own_shape() -> None:
    woocommerce = get_platform("woocommerce")
    shopify = get_platform("shopify")
    assert woocommerce is not None and shopify is not None
    assert woocommerce.is_ping(b"webhook_id=42", {})
    assert woocommerce.is_ping(b"webhook_id=7\n", {})
    for body in (b"webhook_id=", b"webhook_id=42&x=1", b"webhook_id=abc", b'{"id": 42}', b""):
        assert not woocommerce.is_ping(body, {})
    assert not shopify.is_ping(b"webhook_id=42", {})
