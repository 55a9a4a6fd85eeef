"""Secrets Manager: the app's credentials, the tracking-token key, the carriers' accounts.

Only keys are in the template. The merchant API key and the token key are generated at the
first deploy; the carriers' webhook secrets and accounts are theirs to issue, so an operator
sets them afterwards (docs/operations.md).
"""

from __future__ import annotations

import json

import aws_cdk as cdk
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from infra.components import Component

# The keys of the app's secret (read by chalicelib/config.py).
SECRET_KEYS = (
    "KARGO_MERCHANT_API_KEY",
    "KARGO_WEBHOOK_SECRET_GENERIC",
    "KARGO_WEBHOOK_SECRET_EASYPOST",
    "KARGO_WEBHOOK_SECRET_AFTERSHIP",
    "KARGO_WEBHOOK_TOKEN_SHIPPO",
    "KARGO_WEBHOOK_SECRET_KOLAYGELSIN",
    "KARGO_SHOPIFY_WEBHOOK_SECRET",
    "KARGO_WOOCOMMERCE_WEBHOOK_SECRET",
    "KARGO_MERCHANT_WEBHOOK_SECRET",
    "KARGO_CONSOLE_SECRET",  # console cookies and CSRF; empty: derived from the merchant key
)
# What `KARGO_CARRIER_SECRETS_ARN` holds: the polled carriers' URLs and credentials, keyed by
# variable name (chalicelib/config.py `carrier_accounts`).
CARRIER_SECRET_KEYS = (
    *(
        f"KARGO_{slug.upper()}_{suffix}"
        for slug in ("yurtici", "aras", "mng", "ptt", "hepsijet", "surat")
        for suffix in ("URL", "USERNAME", "PASSWORD")
    ),
    "KARGO_ARAS_CUSTOMER_CODE",
    "KARGO_MNG_CLIENT_ID",
    "KARGO_MNG_CLIENT_SECRET",
)


class Secrets(Component):
    def __init__(
        self, scope: Construct, construct_id: str, *, stage: str, removal: cdk.RemovalPolicy
    ) -> None:
        super().__init__(scope, construct_id)
        self.app = secretsmanager.Secret(
            self,
            "Secrets",
            secret_name=f"kargo/{stage}",
            description="Kargo credentials: a JSON object keyed by environment variable name",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                secret_string_template=json.dumps(
                    {key: "" for key in SECRET_KEYS if key != "KARGO_MERCHANT_API_KEY"}
                ),
                generate_string_key="KARGO_MERCHANT_API_KEY",
                exclude_punctuation=True,
                password_length=48,
            ),
            removal_policy=removal,
        )
        # The tracking-token key (chalicelib/tokens.py). Its own secret, as Secrets Manager
        # generates one key per secret; rotate by setting "new,old" (the first seals, all
        # open). Readable only where tokens are handled (roles.py).
        self.token_key = secretsmanager.Secret(
            self,
            "TokenKey",
            secret_name=f"kargo/{stage}/token-key",
            description="Kargo tracking-token keys: KARGO_TOKEN_KEY, newest first",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                secret_string_template=json.dumps({}),
                generate_string_key="KARGO_TOKEN_KEY",
                exclude_punctuation=True,
                password_length=64,
            ),
            removal_policy=removal,
        )
        # One JSON secret for all polled carriers: one read per cold start, one place to
        # rotate. Only the poller's functions may read it.
        self.carriers = secretsmanager.Secret(
            self,
            "CarrierSecrets",
            secret_name=f"kargo/{stage}/carriers",
            description="Kargo's accounts at the polled carriers: JSON keyed by variable name",
            secret_string_value=cdk.SecretValue.unsafe_plain_text(
                json.dumps(dict.fromkeys(CARRIER_SECRET_KEYS, ""))
            ),
            removal_policy=removal,
        )
