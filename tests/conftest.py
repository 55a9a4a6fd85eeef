"""Shared test setup: a clean Kargo environment, moto in-process, clients reset."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

# The test-only polled carriers' fixtures (`testpost_fake`, `otherpost_fake`).
pytest_plugins = ["tests.support.polling"]

# Before anything imports boto3: no real credentials, no real endpoints.
os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "eu-central-1",
        "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
    }
)
for name in ("AWS_ENDPOINT_URL", "KARGO_AWS_ENDPOINT", "AWS_PROFILE"):
    os.environ.pop(name, None)

# chalice.test.Client and the WSGI adapter answer unknown paths as the deployed API does.
from local.gateway import install as _install_contract_gateway  # noqa: E402

_install_contract_gateway()


@pytest.fixture(autouse=True)
def _fresh_settings_and_clients() -> Iterator[None]:
    from chalicelib.aws import reset_clients
    from chalicelib.config import reset_settings

    reset_settings()
    reset_clients()
    yield
    reset_settings()
    reset_clients()
