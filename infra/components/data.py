"""The one DynamoDB table, built from `chalicelib/store/schema.py`.

The schema module is the single definition of the keys, the attribute types, every index
with its projection, the stream and the TTL attribute; `local/bootstrap.py` creates the moto
table from it too, and tests/infra/test_schema.py compares the synthesized table with it.
What is AWS's alone stays here: on-demand billing, point-in-time recovery, deletion
protection and the removal policy.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from constructs import Construct

from chalicelib.store import schema
from infra.components import Component

ATTRIBUTE_TYPES = {"S": dynamodb.AttributeType.STRING, "N": dynamodb.AttributeType.NUMBER}


def attribute(name: str) -> dynamodb.Attribute:
    return dynamodb.Attribute(name=name, type=ATTRIBUTE_TYPES[schema.ATTRIBUTE_TYPES[name]])


class Data(Component):
    """`table_name` on demand, with the stream the notifier reads; `retain` (prod) keeps it
    through a stack deletion and refuses to delete it at all."""

    def __init__(
        self, scope: Construct, construct_id: str, *, table_name: str, retain: bool
    ) -> None:
        super().__init__(scope, construct_id)
        self.table = dynamodb.Table(
            self,
            "Table",
            table_name=table_name,
            partition_key=attribute(schema.PARTITION_KEY),
            sort_key=attribute(schema.SORT_KEY),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            stream=dynamodb.StreamViewType[schema.STREAM_VIEW_TYPE],
            time_to_live_attribute=schema.TTL_ATTRIBUTE,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            deletion_protection=retain,
            removal_policy=cdk.RemovalPolicy.RETAIN if retain else cdk.RemovalPolicy.DESTROY,
        )
        # No token index: a tracking token seals its shipment's key (chalicelib/tokens.py),
        # so the lookup is one consistent GetItem and state writes copy into no index.
        for entry in schema.INDEXES:
            self.table.add_global_secondary_index(
                index_name=entry.name,
                partition_key=attribute(entry.partition_key),
                sort_key=attribute(entry.sort_key),
                projection_type=dynamodb.ProjectionType[entry.projection],
            )

    def index_arn(self, name: str) -> str:
        """The ARN a Query on index `name` is authorised against (it must be declared)."""
        if name not in {entry.name for entry in schema.INDEXES}:
            raise KeyError(f"the table has no index {name!r} (chalicelib/store/schema.py)")
        return f"{self.table.table_arn}/index/{name}"
