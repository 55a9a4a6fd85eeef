"""The public lookup behind a sealed token: readable at once after POST /orders,
one consistent read call (the parcel and its order), no index, and the same 404 for
every bad token."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib import aws, store, tokens
from tests.integration.conftest import Kargo, order_payload


@pytest.fixture
def dynamodb_calls(kargo: Kargo) -> Iterator[list[tuple[str, dict[str, Any]]]]:
    """Every DynamoDB call the app's client makes, with its parameters."""
    calls: list[tuple[str, dict[str, Any]]] = []

    def record(model: Any, params: dict[str, Any], **_: Any) -> None:
        calls.append((model.name, params))

    client = aws.dynamodb()
    client.meta.events.register("provide-client-params.dynamodb", record)
    yield calls
    client.meta.events.unregister("provide-client-params.dynamodb", record)


def test_fresh_token_is_read_with_one_consistent_call(
    kargo: Kargo, dynamodb_calls: list[tuple[str, dict[str, Any]]]
) -> None:
    token = kargo.register(order_payload())["shipments"][0]["tracking_token"]
    dynamodb_calls.clear()
    response = kargo.track(token)
    assert response.status_code == 200, response.body
    assert json.loads(response.body)["tracking_number"] == "YT123456789TR"
    # The parcel and its order (for `actions`), by the keys the token seals: one call.
    assert [name for name, _ in dynamodb_calls] == ["BatchGetItem"]
    (request,) = dynamodb_calls[0][1]["RequestItems"].values()
    assert request["ConsistentRead"] is True
    assert [key["pk"] for key in request["Keys"]] == [
        {"S": "SHIP#yurtici#YT123456789TR"},
        {"S": "ORDER#1001"},
    ]


def test_a_state_write_copies_into_no_token_index(kargo: Kargo) -> None:
    kargo.register(order_payload())
    table = aws.dynamodb().describe_table(TableName="kargo")["Table"]
    assert "by_token" not in {gsi["IndexName"] for gsi in table["GlobalSecondaryIndexes"]}


def _not_found_body(kargo: Kargo, token: str) -> Any:
    response = kargo.track(token)
    assert response.status_code == 404, token
    return json.loads(response.body)


def test_every_bad_token_gets_the_same_404(
    kargo: Kargo, dynamodb_calls: list[tuple[str, dict[str, Any]]]
) -> None:
    token = kargo.register(order_payload())["shipments"][0]["tracking_token"]
    raw = bytearray(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    raw[-1] ^= 0x80
    altered = base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()
    # Sealed with the right key for the right shipment, but not the token it was given.
    other_token_same_shipment = tokens.mint("yurtici", "YT123456789TR", "1001")
    # Sealed for a shipment nobody registered.
    unregistered = tokens.mint("yurtici", "YT000000000TR", "1001")
    dynamodb_calls.clear()
    bodies = [
        _not_found_body(kargo, bad)
        for bad in (altered, other_token_same_shipment, unregistered, "A" * 72, "short")
    ]
    assert all(body == bodies[0] for body in bodies)
    assert bodies[0]["error"]["code"] == "not_found"
    # Only the two well-sealed tokens cost a read; forgeries are refused before one.
    assert [name for name, _ in dynamodb_calls] == ["BatchGetItem", "BatchGetItem"]


def test_a_token_minted_under_a_retired_key_after_rotation(
    kargo: Kargo, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.config import reset_settings

    monkeypatch.setenv("KARGO_TOKEN_KEY", "first-key-abcdefghijklmnop")
    reset_settings()
    tokens.reset_keys()
    token = kargo.register(order_payload())["shipments"][0]["tracking_token"]
    monkeypatch.setenv("KARGO_TOKEN_KEY", "second-key-qrstuvwxyz,first-key-abcdefghijklmnop")
    reset_settings()
    tokens.reset_keys()
    assert kargo.track(token).status_code == 200
    found = store.find_shipment_by_token(token)
    assert found is not None and found.record.registration is not None
    assert found.record.registration.token == token
    assert found.order is not None and found.order.document["order_id"] == "1001"
    tokens.reset_keys()
