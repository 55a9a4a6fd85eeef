"""Lazily created, cached boto3 clients.

Never created at import time: Lambda cold starts pay for imports, and tests
start moto before the first client exists. `reset_clients()` drops the cache.
"""

from __future__ import annotations

import os
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_dynamodbstreams.client import DynamoDBStreamsClient
    from mypy_boto3_events.client import EventBridgeClient
    from mypy_boto3_secretsmanager.client import SecretsManagerClient
    from mypy_boto3_sesv2.client import SESV2Client
    from mypy_boto3_sns.client import SNSClient
    from mypy_boto3_socialmessaging.client import EndUserMessagingSocialClient
    from mypy_boto3_sqs.client import SQSClient


@cache
def _session() -> Any:
    import boto3

    return boto3.session.Session()


def _client(service: str, endpoint: str | None = None) -> Any:
    from botocore.config import Config

    endpoint = (
        endpoint
        or os.environ.get("KARGO_AWS_ENDPOINT")
        or os.environ.get("AWS_ENDPOINT_URL")
        or None
    )
    config = Config(
        retries={"max_attempts": 4, "mode": "standard"}, connect_timeout=5, read_timeout=10
    )
    return _session().client(service, endpoint_url=endpoint, config=config)


@cache
def dynamodb() -> DynamoDBClient:
    client: DynamoDBClient = _client("dynamodb")
    return client


@cache
def dynamodbstreams() -> DynamoDBStreamsClient:
    client: DynamoDBStreamsClient = _client("dynamodbstreams")
    return client


@cache
def sqs() -> SQSClient:
    client: SQSClient = _client("sqs")
    return client


@cache
def sesv2() -> SESV2Client:
    client: SESV2Client = _client("sesv2")
    return client


@cache
def sns() -> SNSClient:
    client: SNSClient = _client("sns")
    return client


@cache
def events() -> EventBridgeClient:
    client: EventBridgeClient = _client("events")
    return client


@cache
def secretsmanager() -> SecretsManagerClient:
    client: SecretsManagerClient = _client("secretsmanager")
    return client


@cache
def socialmessaging() -> EndUserMessagingSocialClient:
    """WhatsApp. moto has none: locally KARGO_WHATSAPP_ENDPOINT points at the fake."""
    client: EndUserMessagingSocialClient = _client(
        "socialmessaging", os.environ.get("KARGO_WHATSAPP_ENDPOINT") or None
    )
    return client


def error_code(error: Exception) -> str:
    """The AWS error code of a botocore error (`Throttling`, ...), else the class name."""
    response = getattr(error, "response", None)
    if isinstance(response, dict):
        code = response.get("Error", {}).get("Code")
        if code:
            return str(code)
    return type(error).__name__


def reset_clients() -> None:
    for getter in (
        dynamodb, dynamodbstreams, sqs, sesv2, sns, events, secretsmanager, socialmessaging,
        _session,
    ):  # fmt: skip
        getter.cache_clear()
