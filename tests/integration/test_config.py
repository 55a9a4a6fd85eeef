"""Settings: local defaults, and secrets from Secrets Manager when deployed."""

from __future__ import annotations

import json

import pytest
from moto import mock_aws

from chalicelib.config import load_settings


def test_local_defaults_follow_the_contract(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KARGO_PORT", "8123")
    config = load_settings()
    assert config.merchant_api_key == "dev-merchant-key"
    assert config.public_url == "http://127.0.0.1:8123"
    assert config.webhook_secrets["shippo"] == ("dev-shippo-token",)
    assert config.timezone == "Europe/Istanbul"
    assert (config.stall_hours, config.expire_days, config.feedback_delay_days) == (72, 30, 2)


def test_rotation_secrets_are_comma_separated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KARGO_WEBHOOK_SECRET_EASYPOST", "old-secret, new-secret")
    assert load_settings().webhook_secrets["easypost"] == ("old-secret", "new-secret")


def test_deployed_secrets_come_from_secrets_manager_and_never_fall_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with mock_aws():
        import boto3

        arn = boto3.client("secretsmanager").create_secret(
            Name="kargo", SecretString=json.dumps({
                "KARGO_MERCHANT_API_KEY": "live-key", "KARGO_WEBHOOK_SECRET_EASYPOST": "",
            }),
        )["ARN"]  # fmt: skip
        monkeypatch.setenv("KARGO_SECRETS_ARN", arn)
        config = load_settings()
    assert config.merchant_api_key == "live-key"
    # Not set by the operator: empty, so the source refuses everything.
    assert config.webhook_secrets["easypost"] == ()
    assert config.webhook_secrets["generic"] == ()
    assert config.merchant_webhook_secret == ""
