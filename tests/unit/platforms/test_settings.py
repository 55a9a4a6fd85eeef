"""The platforms' webhook secrets: local defaults, and several for rotation."""

from __future__ import annotations

import pytest

from chalicelib.config import load_settings


def test_local_defaults() -> None:
    secrets = load_settings().webhook_secrets
    assert secrets["shopify"] == ("dev-shopify-secret",)
    assert secrets["woocommerce"] == ("dev-woocommerce-secret",)


def test_comma_separated_secrets_are_all_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KARGO_SHOPIFY_WEBHOOK_SECRET", "new-one, old-one")
    monkeypatch.setenv("KARGO_WOOCOMMERCE_WEBHOOK_SECRET", "wc-secret")
    secrets = load_settings().webhook_secrets
    assert secrets["shopify"] == ("new-one", "old-one")
    assert secrets["woocommerce"] == ("wc-secret",)
