"""Infra and local/bootstrap.py build the table from one definition
(chalicelib/store/schema.py): the synthesized table must be exactly what it declares, so
the moto table the tests run against and the one in AWS cannot drift apart."""

from __future__ import annotations

from typing import Any

import pytest

from tests.infra.conftest import require_cdk

require_cdk()

from chalicelib.store import schema  # noqa: E402
from infra.components.data import Data  # noqa: E402
from tests.infra import bare  # noqa: E402

pytestmark = pytest.mark.infra

REQUEST: dict[str, Any] = schema.create_table_request("kargo-prod")


def bare_table() -> dict[str, Any]:
    scope = bare.stack()
    Data(scope, "Data", table_name="kargo-prod", retain=True)
    _, table = bare.only(bare.template(scope), "AWS::DynamoDB::Table")
    properties: dict[str, Any] = table["Properties"]
    return properties


@pytest.fixture(params=["bare", "stack"])
def table(request: pytest.FixtureRequest) -> dict[str, Any]:
    """The Data component alone, and the table in the synthesized prod stack."""
    if request.param == "bare":
        return bare_table()
    template_json: dict[str, Any] = request.getfixturevalue("template_json")
    (found,) = [
        resource["Properties"]
        for resource in template_json["Resources"].values()
        if resource["Type"] == "AWS::DynamoDB::Table"
    ]
    properties: dict[str, Any] = found
    return properties


def by_name(items: list[dict[str, Any]], key: str) -> dict[str, dict[str, Any]]:
    return {item[key]: item for item in items}


def test_name_and_billing(table: dict[str, Any]) -> None:
    assert table["TableName"] == REQUEST["TableName"]
    assert table["BillingMode"] == REQUEST["BillingMode"]


def test_attribute_definitions(table: dict[str, Any]) -> None:
    assert sorted(table["AttributeDefinitions"], key=str) == sorted(
        REQUEST["AttributeDefinitions"],
        key=str,
    )


def test_key_schema(table: dict[str, Any]) -> None:
    assert table["KeySchema"] == REQUEST["KeySchema"]


def test_every_index_with_its_keys_and_projection(table: dict[str, Any]) -> None:
    declared = by_name(REQUEST["GlobalSecondaryIndexes"], "IndexName")
    built = by_name(table["GlobalSecondaryIndexes"], "IndexName")
    assert built == declared
    assert set(built) == {entry.name for entry in schema.INDEXES}


def test_stream(table: dict[str, Any]) -> None:
    declared: dict[str, Any] = REQUEST["StreamSpecification"]
    assert declared["StreamEnabled"] is True
    assert table["StreamSpecification"] == {"StreamViewType": declared["StreamViewType"]}


def test_ttl(table: dict[str, Any]) -> None:
    assert table["TimeToLiveSpecification"] == {
        "AttributeName": schema.TTL_ATTRIBUTE,
        "Enabled": True,
    }


def test_every_declared_attribute_is_a_key_somewhere() -> None:
    """DynamoDB rejects an attribute definition no key uses: the schema may hold no spare."""
    keys = {schema.PARTITION_KEY, schema.SORT_KEY} | {
        name for entry in schema.INDEXES for name in (entry.partition_key, entry.sort_key)
    }
    assert keys == set(schema.ATTRIBUTE_TYPES)
