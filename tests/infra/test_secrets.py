"""The Secrets component alone: only keys in the template, generated where Kargo issues
the value, placeholders where an operator sets it."""

from __future__ import annotations

import json
from typing import Any

import aws_cdk as cdk
import pytest

from tests.infra.conftest import require_cdk

require_cdk()

from infra.components.secrets import CARRIER_SECRET_KEYS, SECRET_KEYS, Secrets  # noqa: E402
from tests.infra import bare  # noqa: E402

pytestmark = pytest.mark.infra


def secrets(removal: cdk.RemovalPolicy = cdk.RemovalPolicy.RETAIN) -> dict[str, dict[str, Any]]:
    scope = bare.stack()
    Secrets(scope, "Secrets", stage="prod", removal=removal)
    found = bare.resources(bare.template(scope), "AWS::SecretsManager::Secret")
    return {secret["Properties"]["Name"]: secret for secret in found.values()}


def test_the_app_secret_generates_the_merchant_key_and_holds_every_credential() -> None:
    secret = secrets()["kargo/prod"]["Properties"]
    generate = secret["GenerateSecretString"]
    assert generate["GenerateStringKey"] == "KARGO_MERCHANT_API_KEY"
    template = json.loads(generate["SecretStringTemplate"])
    assert set(template) | {"KARGO_MERCHANT_API_KEY"} == set(SECRET_KEYS)
    assert set(template.values()) == {""}
    assert generate["ExcludePunctuation"] is True and generate["PasswordLength"] >= 32


def test_the_token_key_is_generated_in_its_own_secret() -> None:
    generate = secrets()["kargo/prod/token-key"]["Properties"]["GenerateSecretString"]
    assert generate["GenerateStringKey"] == "KARGO_TOKEN_KEY"
    assert json.loads(generate["SecretStringTemplate"]) == {}
    assert generate["PasswordLength"] >= 32


def test_the_carriers_secret_holds_only_empty_placeholders() -> None:
    secret = secrets()["kargo/prod/carriers"]["Properties"]
    assert "GenerateSecretString" not in secret
    values = json.loads(secret["SecretString"])
    assert set(values) == set(CARRIER_SECRET_KEYS) and set(values.values()) == {""}


@pytest.mark.parametrize(
    ("removal", "policy"),
    [(cdk.RemovalPolicy.RETAIN, "Retain"), (cdk.RemovalPolicy.DESTROY, "Delete")],
)
def test_the_removal_policy_applies_to_every_secret(
    removal: cdk.RemovalPolicy, policy: str
) -> None:
    found = secrets(removal)
    assert set(found) == {"kargo/prod", "kargo/prod/token-key", "kargo/prod/carriers"}
    assert {secret["DeletionPolicy"] for secret in found.values()} == {policy}
