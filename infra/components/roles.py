"""One log group and one least-privilege IAM role per function.

`chalice.cdk` packages the app with `manage_iam_role: false`; `Functions` points every
function at its role here. No managed policies, no wildcard actions; resources are named
everywhere AWS allows it, and the two exceptions are `WILDCARD_RESOURCE_EXCEPTIONS`
(tests/infra/test_iam.py fails on any other). A function without a policy in
`Roles.policy` cannot be synthesized, so none runs under another function's role.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from chalicelib.store import schema
from infra.components import Component
from infra.components.data import Data
from infra.components.queues import Queues
from infra.components.secrets import Secrets
from infra.settings import (
    API_HANDLER,
    CONSUMER,
    FUNCTION_NAMES,
    MERCHANT_DELIVERY,
    NOTIFIER,
    POLL_REQUESTS,
    POLLER,
    SCANNER,
    WHATSAPP_RECEIPTS,
    StageSettings,
)

# Statements the IAM test allows to name `*` as resource, and why. Keyed by Sid.
WILDCARD_RESOURCE_EXCEPTIONS = {
    "SendSms": (
        "sns:Publish straight to a phone number (SMS) has no resource ARN; IAM only scopes "
        "Publish to topics. Limited to this stack's region by condition."
    ),
    "ListStreams": (
        "dynamodb:ListStreams supports no resource-level permissions; Lambda's DynamoDB event "
        "source mapping requires it on the execution role."
    ),
}


class Roles(Component):
    """Roles made on demand, `role(logical_id)`, each with the log group it writes to."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: StageSettings,
        data: Data,
        queues: Queues,
        secrets: Secrets,
    ) -> None:
        super().__init__(scope, construct_id)
        self.settings = settings
        self.data = data
        self.queues = queues
        self.secrets = secrets
        self._removal = (
            cdk.RemovalPolicy.RETAIN if settings.retain_data else cdk.RemovalPolicy.DESTROY
        )
        self.log_groups: dict[str, logs.CfnLogGroup] = {}
        self.roles: dict[str, iam.Role] = {}

    def role(self, logical_id: str) -> iam.Role:
        if logical_id not in FUNCTION_NAMES:
            raise ValueError(f"no policy for {logical_id}: it is not in FUNCTION_NAMES")
        if logical_id not in self.roles:
            self.log_groups[logical_id] = self._log_group(logical_id)
            statements = self.policy(logical_id)
            self.roles[logical_id] = iam.Role(
                self,
                f"{logical_id}Role",
                assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
                description=f"Kargo {self.settings.function_name(logical_id)}: least privilege",
                inline_policies={"kargo": iam.PolicyDocument(statements=statements)},
            )
        return self.roles[logical_id]

    def _log_group(self, logical_id: str) -> logs.CfnLogGroup:
        # Created before the function (Functions adds the DependsOn) so Lambda never creates
        # it itself without a retention, and so the roles need no logs:CreateLogGroup.
        group = logs.CfnLogGroup(
            self,
            f"{logical_id}Logs",
            log_group_name=f"/aws/lambda/{self.settings.function_name(logical_id)}",
            retention_in_days=self.settings.log_retention_days,
        )
        group.apply_removal_policy(self._removal)
        return group

    def policy(self, logical_id: str) -> list[iam.PolicyStatement]:
        """What one function may do, and nothing else."""
        stack = cdk.Stack.of(self)
        table = self.data.table
        table_arn = table.table_arn
        queues = self.queues
        index_arns = [self.data.index_arn(name) for name in (schema.DUE_INDEX, schema.DELAY_INDEX)]

        def items(*actions: str) -> iam.PolicyStatement:
            return iam.PolicyStatement(
                sid="Items", actions=[f"dynamodb:{a}" for a in actions], resources=[table_arn]
            )

        def query(indexes: list[str]) -> iam.PolicyStatement:
            return iam.PolicyStatement(
                sid="Query", actions=["dynamodb:Query"], resources=[table_arn, *indexes]
            )

        def send(sid: str, *targets: sqs.IQueue) -> iam.PolicyStatement:
            return iam.PolicyStatement(
                sid=sid, actions=["sqs:SendMessage"], resources=[q.queue_arn for q in targets]
            )

        def consume(sid: str, queue: sqs.IQueue) -> iam.PolicyStatement:
            # What Lambda's SQS event source mapping does with the function's role.
            return iam.PolicyStatement(
                sid=sid,
                actions=["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
                resources=[queue.queue_arn],
            )

        email_from = self.settings.email_from
        domain = email_from.rpartition("@")[2]
        identity = f"arn:{stack.partition}:ses:{stack.region}:{stack.account}:identity"
        # SES authorises against the most specific verified identity: the address if it is
        # verified itself, else its domain. Both are named; the sender is pinned.
        send_email = iam.PolicyStatement(
            sid="SendEmail",
            actions=["ses:SendEmail", "ses:SendRawEmail"],
            resources=[f"{identity}/{email_from}", f"{identity}/{domain}"],
            conditions={"StringEquals": {"ses:FromAddress": email_from}},
        )
        # The one Allow on `*`: SMS to a phone number has no ARN to name (see
        # WILDCARD_RESOURCE_EXCEPTIONS). The region condition keeps it to this stack's.
        send_sms = iam.PolicyStatement(
            sid="SendSms",
            actions=["sns:Publish"],
            resources=["*"],
            conditions={"StringEquals": {"aws:RequestedRegion": stack.region}},
        )
        common = [
            iam.PolicyStatement(
                sid="Logs",
                actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[self.log_groups[logical_id].attr_arn],
            ),
            # Every function loads its settings, secrets included, on a cold start.
            iam.PolicyStatement(
                sid="ReadSecrets",
                actions=["secretsmanager:GetSecretValue"],
                resources=[self.secrets.app.secret_arn]
                # Minting (orders, returns, shop platforms' orders) and opening tokens.
                + (
                    [self.secrets.token_key.secret_arn]
                    if logical_id in (API_HANDLER, CONSUMER)
                    else []
                ),
            ),
        ]
        # TransactWriteItems has no IAM action of its own: each item in a transaction is
        # authorised as PutItem, UpdateItem, DeleteItem or ConditionCheckItem.
        if logical_id == API_HANDLER:
            return [
                items("GetItem", "BatchGetItem", "PutItem", "UpdateItem", "ConditionCheckItem"),
                query(index_arns),
                send("EnqueueWebhooks", queues.webhooks),
                # Registration and the merchant's refresh ask for a poll.
                send("RequestPolls", queues.poll_requests),
                send_email,  # a 1-2 star rating alerts the shop at once
                *common,
            ]
        if logical_id == CONSUMER:
            return [
                items("GetItem", "BatchGetItem", "PutItem", "UpdateItem", "ConditionCheckItem"),
                consume("ConsumeWebhooks", queues.webhooks),
                send("DeadLetterUnparseable", queues.webhooks_dlq),
                *common,
            ]
        if logical_id == NOTIFIER:
            return [
                # DeleteItem: an event claim whose publishing failed is released for the retry.
                items("GetItem", "PutItem", "UpdateItem", "DeleteItem"),
                query(index_arns),
                iam.PolicyStatement(
                    sid="ReadOutboxStream",
                    actions=[
                        "dynamodb:DescribeStream",
                        "dynamodb:GetRecords",
                        "dynamodb:GetShardIterator",
                    ],
                    resources=[table.table_stream_arn or ""],
                ),
                iam.PolicyStatement(
                    sid="ListStreams", actions=["dynamodb:ListStreams"], resources=["*"]
                ),
                send("RecordFailedBatches", queues.notify_failures),
                send("QueueMerchantWebhooks", queues.merchant_webhooks),
                send_email,
                send_sms,
                *self._send_whatsapp(),
                iam.PolicyStatement(
                    sid="PublishEvents",
                    actions=["events:PutEvents"],
                    resources=[queues.event_bus.event_bus_arn],
                ),
                *common,
            ]
        if logical_id == SCANNER:
            return [
                items("GetItem", "BatchGetItem", "PutItem", "UpdateItem", "ConditionCheckItem"),
                query([self.data.index_arn(schema.DUE_INDEX)]),
                send("RecordFailedRuns", queues.scan_failures),
                send_sms,  # SMS held over quiet hours go out from the scan at 09:00
                *self._send_whatsapp(),  # and WhatsApp messages held likewise
                *common,
            ]
        if logical_id == MERCHANT_DELIVERY:
            return [
                items("UpdateItem"),  # the delivery's line in the notification log
                consume("ConsumeMerchantWebhooks", queues.merchant_webhooks),
                # Retries go back onto the queue with a delay; after 24 hours, to the DLQ.
                send("RequeueMerchantWebhooks", queues.merchant_webhooks),
                send("DeadLetterMerchantWebhooks", queues.merchant_webhooks_dlq),
                *common,
            ]
        if logical_id in (POLLER, POLL_REQUESTS):
            return self._poller_policy(logical_id, common)
        if logical_id == WHATSAPP_RECEIPTS:
            return [
                # Receipts move log entries; a failure claims and sends the fallback SMS.
                items("GetItem", "PutItem", "UpdateItem"),
                send_sms,
                send("DeadLetterReceipts", queues.whatsapp_receipts_dlq),
                *common,
            ]
        raise ValueError(f"no policy for {logical_id}")

    def _poller_policy(
        self, logical_id: str, common: list[iam.PolicyStatement]
    ) -> list[iam.PolicyStatement]:
        """The poller reads its index, keeps one state item per carrier (`POLLER#…` keys
        only), queues what carriers answer, and alone may read the carriers' secret."""
        statements = [
            iam.PolicyStatement(
                sid="QueryPollIndex",
                actions=["dynamodb:Query"],
                resources=[self.data.index_arn(schema.POLL_INDEX)],
            ),
            iam.PolicyStatement(
                sid="CarrierState",
                actions=["dynamodb:BatchGetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"],
                resources=[self.data.table.table_arn],
                conditions={"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["POLLER#*"]}},
            ),
            iam.PolicyStatement(
                sid="EnqueueAnswers",
                actions=["sqs:SendMessage"],
                resources=[self.queues.webhooks.queue_arn],
            ),
            iam.PolicyStatement(
                sid="ReadCarrierSecrets",
                actions=["secretsmanager:GetSecretValue"],
                resources=[self.secrets.carriers.secret_arn],
            ),
            *common,
        ]
        if logical_id == POLL_REQUESTS:
            statements.append(
                iam.PolicyStatement(
                    sid="ConsumePollRequests",
                    actions=["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
                    resources=[self.queues.poll_requests.queue_arn],
                )
            )
        return statements

    def _send_whatsapp(self) -> list[iam.PolicyStatement]:
        """SendWhatsAppMessage through the stage's one sender, when it has one."""
        phone_number_id = self.settings.whatsapp_phone_number_id
        if not phone_number_id:
            return []
        stack = cdk.Stack.of(self)
        return [
            iam.PolicyStatement(
                sid="SendWhatsApp",
                actions=["social-messaging:SendWhatsAppMessage"],
                resources=[
                    whatsapp_phone_number_arn(
                        phone_number_id, stack.partition, stack.region, stack.account
                    )
                ],
            )
        ]


def whatsapp_phone_number_arn(
    phone_number_id: str, partition: str, region: str, account: str
) -> str:
    """`phone-number-id-<id>` (what SendWhatsAppMessage takes) -> the IAM resource ARN
    `arn:...:social-messaging:<region>:<account>:phone-number-id/<id>`; an ARN stays."""
    if phone_number_id.startswith("arn:"):
        return phone_number_id
    bare = phone_number_id.removeprefix("phone-number-id-")
    return f"arn:{partition}:social-messaging:{region}:{account}:phone-number-id/{bare}"
