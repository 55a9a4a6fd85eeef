"""The Data component alone: the table's AWS-only settings (the schema's own parts are
compared with chalicelib/store/schema.py in test_schema.py)."""

from __future__ import annotations

import pytest

from tests.infra.conftest import require_cdk

require_cdk()

from aws_cdk.assertions import Match  # noqa: E402

from infra.components.data import Data  # noqa: E402
from tests.infra import bare  # noqa: E402

pytestmark = pytest.mark.infra


def test_a_retained_table_is_protected_recoverable_and_on_demand() -> None:
    scope = bare.stack()
    Data(scope, "Data", table_name="kargo-prod", retain=True)
    found = bare.template(scope)
    found.resource_count_is("AWS::DynamoDB::Table", 1)
    found.has_resource(
        "AWS::DynamoDB::Table",
        {
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": Match.object_like(
                {
                    "TableName": "kargo-prod",
                    "BillingMode": "PAY_PER_REQUEST",
                    "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
                    "DeletionProtectionEnabled": True,
                }
            ),
        },
    )


def test_a_table_not_retained_can_be_deleted_with_its_stack() -> None:
    scope = bare.stack()
    Data(scope, "Data", table_name="kargo-dev", retain=False)
    found = bare.template(scope)
    found.has_resource(
        "AWS::DynamoDB::Table",
        {
            "DeletionPolicy": "Delete",
            "Properties": Match.object_like(
                {"DeletionProtectionEnabled": False, "TableName": "kargo-dev"}
            ),
        },
    )


def test_index_arns_name_only_declared_indexes() -> None:
    scope = bare.stack()
    data = Data(scope, "Data", table_name="kargo-test", retain=False)
    resolved = scope.resolve(data.index_arn("by_due"))
    assert resolved["Fn::Join"][1][-1] == "/index/by_due"
    with pytest.raises(KeyError, match="no index 'by_token'"):
        data.index_arn("by_token")  # no such index: a token seals its shipment's key
