"""One Kargo deployment (one shop, one stage): the Chalice app and everything around it.

Chalice packages `app.py` into a SAM template (`chalice.cdk.Chalice`); this stack adds what
Chalice cannot express (aws/chalice#2029, #967, #1882): the table and its stream, the queues,
event source mappings with partial batch responses, bisecting and on-failure destinations, the
schedule, the event bus, the secret, throttling, log retention, alarms, and one least-privilege
IAM role per function.
"""

from __future__ import annotations

import contextlib
import json
import tempfile
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import jsii
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from chalice.cdk import Chalice
from constructs import Construct

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
from infra.stacks import gateway_responses, poller

# The keys of the Secrets Manager secret (CONTRACT.md section 1; read by chalicelib/config.py).
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

# Only outbox rows notify; everything else on the stream is filtered out before Lambda is billed.
OUTBOX_INSERT_PATTERN: dict[str, Any] = {
    "eventName": ["INSERT"],
    "dynamodb": {"NewImage": {"record_type": {"S": ["outbox"]}}},
}

CONSUMER_TIMEOUT_SECONDS = 30
CONSUMER_BATCHING_WINDOW_SECONDS = 5
# AWS: visibility timeout at least six times the function timeout (plus the batching window),
# so a message is not redelivered while a throttled or retried invocation still holds it.
WEBHOOK_VISIBILITY_SECONDS = 6 * CONSUMER_TIMEOUT_SECONDS + CONSUMER_BATCHING_WINDOW_SECONDS
MAX_RECEIVES_BEFORE_DLQ = 5
# One shop event per invocation: a slow shop endpoint (10 s timeout) holds up nothing else.
MERCHANT_DELIVERY_TIMEOUT_SECONDS = 30
MERCHANT_DELIVERY_VISIBILITY_SECONDS = 6 * MERCHANT_DELIVERY_TIMEOUT_SECONDS
# The scan stops itself this long before the timeout (chalicelib/scan.py, the Lambda's
# remaining time); what it did not reach stays due for the next run.
SCAN_TIMEOUT_SECONDS = 120
NOTIFIER_RETRY_ATTEMPTS = 5
NOTIFIER_MAX_RECORD_AGE_HOURS = 6
API_STAGE = "api"

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


class KargoStack(cdk.Stack):
    """The whole application for one stage.

    The construct id is the stage name: `chalice.cdk.Chalice` packages the app for the stage
    named by its scope's path, so the stack must sit at the root of the app with id `dev` or
    `prod`. The CloudFormation stack is called `kargo-{stage}`.
    """

    def __init__(
        self, scope: Construct, settings: StageSettings, source_dir: Path, **kwargs: Any
    ) -> None:
        super().__init__(
            scope,
            settings.stage,
            stack_name=f"kargo-{settings.stage}",
            description=f"Kargo order tracking ({settings.stage})",
            **kwargs,
        )
        self.settings = settings
        removal = cdk.RemovalPolicy.RETAIN if settings.retain_data else cdk.RemovalPolicy.DESTROY
        self._removal = removal
        prefix = f"kargo-{settings.stage}"

        self.table = self._table(prefix, removal)
        self.dead_letter_queue = self._queue("WebhookDeadLetterQueue", f"{prefix}-webhooks-dlq")
        self.queue = self._queue(
            "WebhookQueue",
            f"{prefix}-webhooks",
            visibility_seconds=WEBHOOK_VISIBILITY_SECONDS,
            dead_letter_queue=self.dead_letter_queue,
        )
        # Where Lambda records a batch of outbox stream records it gave up on (after retries or
        # max record age). It holds the shard and sequence range, not the records themselves;
        # the outbox rows stay in the table (docs/operations.md).
        self.notify_failures = self._queue("NotifyFailureQueue", f"{prefix}-notify-failures")
        # Where Lambda records a scheduled scan run that failed (async invocation, on-failure
        # destination). The items it missed stay due; the next run takes them up.
        self.scan_failures = self._queue("ScanFailureQueue", f"{prefix}-scan-failures")
        # The shop's webhook deliveries: retries travel back through the queue with a delay;
        # after 24 hours the app dead-letters a delivery itself.
        self.merchant_dead_letter_queue = self._queue(
            "MerchantWebhookDeadLetterQueue", f"{prefix}-merchant-webhooks-dlq"
        )
        self.merchant_queue = self._queue(
            "MerchantWebhookQueue",
            f"{prefix}-merchant-webhooks",
            visibility_seconds=MERCHANT_DELIVERY_VISIBILITY_SECONDS,
            dead_letter_queue=self.merchant_dead_letter_queue,
        )
        # WhatsApp receipts that failed every retry of their asynchronous invocation.
        self.whatsapp_receipts_dlq = self._queue(
            "WhatsappReceiptsDeadLetterQueue", f"{prefix}-whatsapp-receipts-dlq"
        )
        self.event_bus = events.EventBus(self, "EventBus", event_bus_name=settings.event_bus_name)
        self.secret = secretsmanager.Secret(
            self,
            "Secrets",
            secret_name=f"kargo/{settings.stage}",
            description="Kargo credentials: a JSON object keyed by environment variable name",
            # Only the merchant API key can be generated here. The carriers' webhook secrets
            # are theirs to issue: an operator sets them after the first deploy.
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

        # The tracking-token key (chalicelib/tokens.py), generated at the first deploy. Its
        # own secret, as Secrets Manager generates one key per secret; rotate by setting
        # "new,old" (the first seals, all open). Readable only where tokens are handled.
        self.token_secret = secretsmanager.Secret(
            self,
            "TokenKey",
            secret_name=f"kargo/{settings.stage}/token-key",
            description="Kargo tracking-token keys: KARGO_TOKEN_KEY, newest first",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                secret_string_template=json.dumps({}),
                generate_string_key="KARGO_TOKEN_KEY",
                exclude_punctuation=True,
                password_length=64,
            ),
            removal_policy=removal,
        )

        self.poller = poller.PollerResources(self, prefix, removal)
        self.log_groups: dict[str, logs.CfnLogGroup] = {}
        self.roles: dict[str, iam.Role] = {}
        self.functions: list[str] = []  # logical ids of the functions app.py declares
        # The API handler's role is needed before packaging (Chalice's default role); the
        # others are made for the functions app.py turns out to declare.
        self._role(API_HANDLER)
        self.chalice = self._chalice(source_dir)
        self._event_sources()
        self._schedule()
        self._api_settings()
        # API Gateway's own answers (unknown paths, throttling, ...) in Kargo's error shape.
        gateway_responses.apply(self.chalice.get_resource("RestAPI"))
        self.alarm_topic = self._alarms(prefix)
        self.poller.wire(self, self.alarm_topic)
        self._whatsapp_receipts(prefix)
        self._outputs()

    # -- data -----------------------------------------------------------------------------

    def _table(self, prefix: str, removal: cdk.RemovalPolicy) -> dynamodb.Table:
        string = dynamodb.AttributeType.STRING
        table = dynamodb.Table(
            self,
            "Table",
            table_name=prefix,
            partition_key=dynamodb.Attribute(name="pk", type=string),
            sort_key=dynamodb.Attribute(name="sk", type=string),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            # Outbox rows are inserts: the new image is all the notifier needs.
            stream=dynamodb.StreamViewType.NEW_IMAGE,
            time_to_live_attribute="expires_at",
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            deletion_protection=self.settings.retain_data,
            removal_policy=removal,
        )
        # No token index: a tracking token seals its shipment's key (chalicelib/tokens.py),
        # so the lookup is one consistent GetItem and state writes copy into no index.
        # Sparse: only open shipments carry `due_shard`, so the scan reads only what is due.
        table.add_global_secondary_index(
            index_name="by_due",
            partition_key=dynamodb.Attribute(name="due_shard", type=string),
            sort_key=dynamodb.Attribute(name="due_at", type=string),
            # Keys only: the scan reads each due item itself, so state writes do not pay
            # for a full copy in this index.
            projection_type=dynamodb.ProjectionType.KEYS_ONLY,
        )
        # Sparse: only late, open shipments carry `delay_list` (GET /shipments?delayed=true).
        table.add_global_secondary_index(
            index_name="by_delay",
            partition_key=dynamodb.Attribute(name="delay_list", type=string),
            sort_key=dynamodb.Attribute(name="delay_since_key", type=string),
            projection_type=dynamodb.ProjectionType.ALL,
        )
        poller.add_poll_index(table)
        return table

    def _queue(
        self,
        construct_id: str,
        name: str,
        visibility_seconds: int | None = None,
        dead_letter_queue: sqs.IQueue | None = None,
    ) -> sqs.Queue:
        """Encrypted, TLS only; a source queue keeps 4 days and redrives after 5 receives, a
        dead-letter queue keeps 14 days (the longest SQS allows)."""
        return sqs.Queue(
            self,
            construct_id,
            queue_name=name,
            visibility_timeout=(
                cdk.Duration.seconds(visibility_seconds) if visibility_seconds else None
            ),
            retention_period=cdk.Duration.days(4 if dead_letter_queue else 14),
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            dead_letter_queue=(
                sqs.DeadLetterQueue(
                    queue=dead_letter_queue, max_receive_count=MAX_RECEIVES_BEFORE_DLQ
                )
                if dead_letter_queue
                else None
            ),
        )

    def _log_group(self, logical_id: str) -> logs.CfnLogGroup:
        # Created before the function (DependsOn below) so Lambda never creates it itself
        # without a retention, and so the roles need no logs:CreateLogGroup.
        group = logs.CfnLogGroup(
            self,
            f"{logical_id}Logs",
            log_group_name=f"/aws/lambda/{self.settings.function_name(logical_id)}",
            retention_in_days=self.settings.log_retention_days,
        )
        group.apply_removal_policy(self._removal)
        return group

    def _role(self, logical_id: str) -> iam.Role:
        if logical_id not in self.roles:
            self.log_groups[logical_id] = self._log_group(logical_id)
            statements = self._policy(logical_id)
            self.roles[logical_id] = iam.Role(
                self,
                f"{logical_id}Role",
                assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
                description=f"Kargo {self.settings.function_name(logical_id)}: least privilege",
                inline_policies={"kargo": iam.PolicyDocument(statements=statements)},
            )
        return self.roles[logical_id]

    # -- IAM ------------------------------------------------------------------------------

    def _policy(self, logical_id: str) -> list[iam.PolicyStatement]:
        """What one function may do, and nothing else."""
        table_arn = self.table.table_arn
        index_arns = [f"{table_arn}/index/{name}" for name in ("by_due", "by_delay")]

        def items(*actions: str) -> iam.PolicyStatement:
            return iam.PolicyStatement(
                sid="Items", actions=[f"dynamodb:{a}" for a in actions], resources=[table_arn]
            )

        def query(indexes: list[str]) -> iam.PolicyStatement:
            return iam.PolicyStatement(
                sid="Query", actions=["dynamodb:Query"], resources=[table_arn, *indexes]
            )

        def send(sid: str, *queues: sqs.IQueue) -> iam.PolicyStatement:
            return iam.PolicyStatement(
                sid=sid, actions=["sqs:SendMessage"], resources=[q.queue_arn for q in queues]
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
        identity = f"arn:{self.partition}:ses:{self.region}:{self.account}:identity"
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
            conditions={"StringEquals": {"aws:RequestedRegion": self.region}},
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
                resources=[self.secret.secret_arn]
                # Minting (orders, returns, shop platforms' orders) and opening tokens.
                + ([self.token_secret.secret_arn] if logical_id in (API_HANDLER, CONSUMER) else []),
            ),
        ]
        # TransactWriteItems has no IAM action of its own: each item in a transaction is
        # authorised as PutItem, UpdateItem, DeleteItem or ConditionCheckItem.
        if logical_id == API_HANDLER:
            return [
                items("GetItem", "BatchGetItem", "PutItem", "UpdateItem", "ConditionCheckItem"),
                query(index_arns),
                send("EnqueueWebhooks", self.queue),
                self.poller.api_statement(),
                send_email,  # a 1-2 star rating alerts the shop at once
                *common,
            ]
        if logical_id == CONSUMER:
            return [
                items("GetItem", "BatchGetItem", "PutItem", "UpdateItem", "ConditionCheckItem"),
                consume("ConsumeWebhooks", self.queue),
                send("DeadLetterUnparseable", self.dead_letter_queue),
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
                    resources=[self.table.table_stream_arn or ""],
                ),
                iam.PolicyStatement(
                    sid="ListStreams", actions=["dynamodb:ListStreams"], resources=["*"]
                ),
                send("RecordFailedBatches", self.notify_failures),
                send("QueueMerchantWebhooks", self.merchant_queue),
                send_email,
                send_sms,
                *self._send_whatsapp(),
                iam.PolicyStatement(
                    sid="PublishEvents",
                    actions=["events:PutEvents"],
                    resources=[self.event_bus.event_bus_arn],
                ),
                *common,
            ]
        if logical_id == SCANNER:
            return [
                items("GetItem", "BatchGetItem", "PutItem", "UpdateItem", "ConditionCheckItem"),
                query([f"{table_arn}/index/by_due"]),
                send("RecordFailedRuns", self.scan_failures),
                send_sms,  # SMS held over quiet hours go out from the scan at 09:00
                *self._send_whatsapp(),  # and WhatsApp messages held likewise
                *common,
            ]
        if logical_id == MERCHANT_DELIVERY:
            return [
                items("UpdateItem"),  # the delivery's line in the notification log
                consume("ConsumeMerchantWebhooks", self.merchant_queue),
                # Retries go back onto the queue with a delay; after 24 hours, to the DLQ.
                send("RequeueMerchantWebhooks", self.merchant_queue),
                send("DeadLetterMerchantWebhooks", self.merchant_dead_letter_queue),
                *common,
            ]
        if logical_id in (POLLER, POLL_REQUESTS):
            return self.poller.policy(self, logical_id, common)
        if logical_id == WHATSAPP_RECEIPTS:
            return [
                # Receipts move log entries; a failure claims and sends the fallback SMS.
                items("GetItem", "PutItem", "UpdateItem"),
                send_sms,
                send("DeadLetterReceipts", self.whatsapp_receipts_dlq),
                *common,
            ]
        raise ValueError(f"no policy for {logical_id}")

    # -- the Chalice app ------------------------------------------------------------------

    def _chalice(self, source_dir: Path) -> Chalice:
        settings = self.settings
        environment = {
            **settings.environment,
            "KARGO_TABLE_NAME": self.table.table_name,
            "KARGO_QUEUE_URL": self.queue.queue_url,
            "KARGO_DLQ_URL": self.dead_letter_queue.queue_url,
            "KARGO_MERCHANT_WEBHOOK_QUEUE_URL": self.merchant_queue.queue_url,
            "KARGO_MERCHANT_WEBHOOK_DLQ_URL": self.merchant_dead_letter_queue.queue_url,
            "KARGO_SECRETS_ARN": self.secret.secret_arn,
            "KARGO_TOKEN_SECRET_ARN": self.token_secret.secret_arn,
            "KARGO_EVENT_BUS": self.event_bus.event_bus_name,
            "KARGO_PUBLIC_URL": settings.public_url,
            **poller.environment(self.poller),
            # .chalice/config.json sets `disabled` for moto; in AWS the SDK default applies.
            "AWS_ACCOUNT_ID_ENDPOINT_MODE": "preferred",
        }
        if settings.whatsapp_phone_number_id:
            environment["KARGO_WHATSAPP_PHONE_NUMBER_ID"] = settings.whatsapp_phone_number_id
        stage_config: dict[str, Any] = {
            "api_gateway_stage": API_STAGE,
            # Roles are made above, one per function; Chalice only references them.
            "manage_iam_role": False,
            "iam_role_arn": self.roles[API_HANDLER].role_arn,
            "environment_variables": environment,
        }
        # chalice.cdk writes its packaging output under the working directory; keep that out
        # of the repository. The zip is staged into the cloud assembly before this returns.
        with tempfile.TemporaryDirectory(prefix="kargo-chalice-") as work, contextlib.chdir(work):
            chalice = Chalice(self, "Kargo", source_dir=str(source_dir), stage_config=stage_config)
        execute_api_url = cdk.Fn.sub(
            "https://${RestAPI}.execute-api.${AWS::Region}.${AWS::URLSuffix}/" + API_STAGE,
            {"RestAPI": chalice.get_resource("RestAPI").ref},
        )
        self.functions = _declared_functions(chalice)
        unknown = sorted(set(self.functions) - set(FUNCTION_NAMES))
        if unknown:
            # Otherwise it would run silently under the API handler's role.
            raise ValueError(
                f"app.py declares Lambda functions infra does not know: {', '.join(unknown)}. "
                "Add them to FUNCTION_NAMES in infra/settings.py and give each a policy in "
                "KargoStack._policy (infra/stacks/kargo.py)."
            )
        for logical_id in self.functions:
            role = self._role(logical_id)
            function = chalice.get_resource(logical_id)
            function.add_property_override("FunctionName", settings.function_name(logical_id))
            function.add_property_override("Role", role.role_arn)
            function.add_resource_dependency(self.log_groups[logical_id])
            if logical_id != API_HANDLER and not settings.public_url:
                # Without a configured public URL the background functions link to the
                # execute-api URL. The API handler cannot: its own API depends on it (cycle).
                function.add_property_override(
                    "Environment.Variables.KARGO_PUBLIC_URL", execute_api_url
                )
        chalice.get_resource(CONSUMER).add_property_override("Timeout", CONSUMER_TIMEOUT_SECONDS)
        chalice.get_resource(SCANNER).add_property_override("Timeout", SCAN_TIMEOUT_SECONDS)
        if MERCHANT_DELIVERY in self.functions:
            chalice.get_resource(MERCHANT_DELIVERY).add_property_override(
                "Timeout", MERCHANT_DELIVERY_TIMEOUT_SECONDS
            )
        return chalice

    def _function(self, logical_id: str) -> lambda_.IFunction:
        # Like Chalice.get_function, but known to live in this stack's account and region, so
        # targets (the schedule) may add their invoke permissions to it.
        return lambda_.Function.from_function_attributes(
            self,
            f"{logical_id}Function",
            function_arn=self.chalice.get_resource(logical_id).get_att("Arn").to_string(),
            same_environment=True,
        )

    def _event_sources(self) -> None:
        lambda_.EventSourceMapping(
            self,
            "WebhookQueueSource",
            target=self._function(CONSUMER),
            event_source_arn=self.queue.queue_arn,
            batch_size=10,
            max_batching_window=cdk.Duration.seconds(CONSUMER_BATCHING_WINDOW_SECONDS),
            report_batch_item_failures=True,
            # Bounds the write rate a carrier's burst can put on the table.
            max_concurrency=self.settings.consumer_max_concurrency,
        )
        lambda_.EventSourceMapping(
            self,
            "OutboxStreamSource",
            target=self._function(NOTIFIER),
            event_source_arn=self.table.table_stream_arn,
            starting_position=lambda_.StartingPosition.TRIM_HORIZON,
            batch_size=25,
            filters=[{"pattern": json.dumps(OUTBOX_INSERT_PATTERN)}],
            report_batch_item_failures=True,
            bisect_batch_on_error=True,
            retry_attempts=NOTIFIER_RETRY_ATTEMPTS,
            max_record_age=cdk.Duration.hours(NOTIFIER_MAX_RECORD_AGE_HOURS),
            on_failure=QueueFailureDestination(self.notify_failures),
        )
        if MERCHANT_DELIVERY in self.functions:
            lambda_.EventSourceMapping(
                self,
                "MerchantWebhookQueueSource",
                target=self._function(MERCHANT_DELIVERY),
                event_source_arn=self.merchant_queue.queue_arn,
                batch_size=1,
                report_batch_item_failures=True,
                # Gentle on the shop's endpoint.
                max_concurrency=2,
            )

    def _schedule(self) -> None:
        # A run that fails is recorded, not retried: the next scheduled run picks up every
        # item still due, and two runs at once would only contend.
        lambda_.CfnEventInvokeConfig(
            self,
            "ScanInvokeConfig",
            function_name=self.chalice.get_resource(SCANNER).ref,
            qualifier="$LATEST",
            maximum_retry_attempts=0,
            destination_config=lambda_.CfnEventInvokeConfig.DestinationConfigProperty(
                on_failure=lambda_.CfnEventInvokeConfig.OnFailureProperty(
                    destination=self.scan_failures.queue_arn
                )
            ),
        )
        rule = events.Rule(
            self,
            "ScanSchedule",
            description="Marks overdue and stalled shipments delayed, expires silent ones",
            schedule=events.Schedule.rate(cdk.Duration.minutes(self.settings.scan_every_minutes)),
        )
        rule.add_target(
            targets.LambdaFunction(
                self._function(SCANNER),
                retry_attempts=2,
                max_event_age=cdk.Duration.minutes(self.settings.scan_every_minutes),
            )
        )

    def _api_settings(self) -> None:
        api = self.chalice.get_resource("RestAPI")
        # Distinct per stage, so the dev and prod APIs' metrics do not mix.
        api.add_property_override("Name", f"kargo-{self.settings.stage}")
        api.add_property_override(
            "MethodSettings",
            [
                {
                    "ResourcePath": "/*",
                    "HttpMethod": "*",
                    "ThrottlingRateLimit": self.settings.api_rate_limit,
                    "ThrottlingBurstLimit": self.settings.api_burst_limit,
                    "MetricsEnabled": False,
                }
            ],
        )

    # -- alarms ---------------------------------------------------------------------------

    def _alarms(self, prefix: str) -> sns.Topic:
        topic = sns.Topic(self, "AlarmTopic", topic_name=f"{prefix}-alarms", enforce_ssl=True)
        if self.settings.alarm_email:
            topic.add_subscription(subscriptions.EmailSubscription(self.settings.alarm_email))
        action = cloudwatch_actions.SnsAction(topic)
        five_minutes = cdk.Duration.minutes(5)

        def alarm(
            name: str,
            description: str,
            metric: cloudwatch.Metric,
            threshold: float,
            evaluation_periods: int = 1,
        ) -> None:
            created = cloudwatch.Alarm(
                self,
                name,
                alarm_name=f"{prefix}-{name}",
                alarm_description=description,
                metric=metric,
                threshold=threshold,
                evaluation_periods=evaluation_periods,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            )
            created.add_alarm_action(action)
            created.add_ok_action(action)

        def lambda_metric(logical_id: str, metric_name: str, statistic: str) -> cloudwatch.Metric:
            return cloudwatch.Metric(
                namespace="AWS/Lambda",
                metric_name=metric_name,
                dimensions_map={"FunctionName": self.settings.function_name(logical_id)},
                statistic=statistic,
                period=five_minutes,
            )

        alarm(
            "webhook-dlq-not-empty",
            "Webhook deliveries were dead-lettered: inspect and replay (docs/operations.md).",
            self.dead_letter_queue.metric_approximate_number_of_messages_visible(
                period=five_minutes, statistic="Maximum"
            ),
            1,
        )
        alarm(
            "notify-failures-not-empty",
            "The notifier gave up on outbox stream records (docs/operations.md).",
            self.notify_failures.metric_approximate_number_of_messages_visible(
                period=five_minutes, statistic="Maximum"
            ),
            1,
        )
        alarm(
            "scan-failures-not-empty",
            "A scheduled scan run failed (docs/operations.md); its items wait for the next.",
            self.scan_failures.metric_approximate_number_of_messages_visible(
                period=five_minutes, statistic="Maximum"
            ),
            1,
        )
        alarm(
            "scan-lagging",
            "Due shipments waited over 15 minutes for the scan, three runs in a row: it is "
            "not keeping up (raise its memory, or look for contention).",
            cloudwatch.Metric(
                namespace="Kargo",
                metric_name="ScanLagSeconds",
                dimensions_map={"function": "scan", "service": "kargo"},
                statistic="Maximum",
                period=five_minutes,
            ),
            15 * 60,
            evaluation_periods=3,
        )
        for channel in ("email", "sms"):
            alarm(
                f"{channel}-notifications-failing",
                f"Five or more {channel} notifications failed for good in 5 minutes (the "
                "provider refuses them: sender identity, sandbox, spend limit).",
                cloudwatch.Metric(
                    namespace="Kargo",
                    metric_name="Notifications",
                    dimensions_map={"channel": channel, "fate": "failed", "service": "kargo"},
                    statistic="Sum",
                    period=five_minutes,
                ),
                5,
            )
        alarm(
            "webhook-backlog",
            "Webhook deliveries wait over 15 minutes in the queue: the consumer is behind.",
            self.queue.metric_approximate_age_of_oldest_message(
                period=five_minutes, statistic="Maximum"
            ),
            15 * 60,
        )
        alarm(
            "merchant-webhook-dlq-not-empty",
            "Events could not be delivered to the shop's webhook endpoint for 24 hours.",
            self.merchant_dead_letter_queue.metric_approximate_number_of_messages_visible(
                period=five_minutes, statistic="Maximum"
            ),
            1,
        )
        labels = {
            CONSUMER: "consumer",
            NOTIFIER: "notifier",
            SCANNER: "scan",
            MERCHANT_DELIVERY: "merchant-webhook",
        }
        for logical_id, label in labels.items():
            if logical_id not in self.functions:
                continue
            alarm(
                f"{label}-errors",
                f"The {label} function failed (an error, not a reported batch item).",
                lambda_metric(logical_id, "Errors", "Sum"),
                1,
            )
        alarm(
            "outbox-stream-iterator-age",
            "Notifications lag over 10 minutes behind status changes.",
            lambda_metric(NOTIFIER, "IteratorAge", "Maximum"),
            10 * 60 * 1000,
        )
        alarm(
            "api-5xx",
            "The API answered 5xx; no client input should ever cause one (CONTRACT.md 2).",
            cloudwatch.Metric(
                namespace="AWS/ApiGateway",
                metric_name="5XXError",
                dimensions_map={"ApiName": f"kargo-{self.settings.stage}", "Stage": API_STAGE},
                statistic="Sum",
                period=five_minutes,
            ),
            1,
        )
        return topic

    # -- WhatsApp (AWS End User Messaging Social) ------------------------------------------

    def _send_whatsapp(self) -> list[iam.PolicyStatement]:
        """SendWhatsAppMessage through the stage's one sender, when it has one."""
        phone_number_id = self.settings.whatsapp_phone_number_id
        if not phone_number_id:
            return []
        return [
            iam.PolicyStatement(
                sid="SendWhatsApp",
                actions=["social-messaging:SendWhatsAppMessage"],
                resources=[
                    whatsapp_phone_number_arn(
                        phone_number_id, self.partition, self.region, self.account
                    )
                ],
            )
        ]

    def _whatsapp_receipts(self, prefix: str) -> None:
        """The topic the WhatsApp Business Account reports its events to (set it as the
        account's event destination), feeding the receipts function; failures of that
        function land in its dead-letter queue and raise alarms."""
        if WHATSAPP_RECEIPTS not in self.functions:
            return
        topic = sns.Topic(
            self, "WhatsappEventsTopic", topic_name=f"{prefix}-whatsapp-events", enforce_ssl=True
        )
        # AWS End User Messaging Social publishes the account's events to the topic.
        topic.add_to_resource_policy(
            iam.PolicyStatement(
                sid="SocialMessagingPublishes",
                actions=["sns:Publish"],
                principals=[iam.ServicePrincipal("social-messaging.amazonaws.com")],
                resources=[topic.topic_arn],
                conditions={"StringEquals": {"aws:SourceAccount": self.account}},
            )
        )
        function = self.chalice.get_resource(WHATSAPP_RECEIPTS)
        function.add_property_override(
            "DeadLetterQueue", {"Type": "SQS", "TargetArn": self.whatsapp_receipts_dlq.queue_arn}
        )
        function_arn = function.get_att("Arn").to_string()
        lambda_.CfnPermission(
            self,
            "WhatsappEventsInvoke",
            action="lambda:InvokeFunction",
            function_name=function_arn,
            principal="sns.amazonaws.com",
            source_arn=topic.topic_arn,
        )
        sns.Subscription(
            self,
            "WhatsappEventsSubscription",
            topic=topic,
            endpoint=function_arn,
            protocol=sns.SubscriptionProtocol.LAMBDA,
        )
        five_minutes = cdk.Duration.minutes(5)
        action = cloudwatch_actions.SnsAction(self.alarm_topic)
        for name, description, metric in (
            (
                "whatsapp-receipts-errors",
                "The WhatsApp receipts function failed; Lambda retries, then dead-letters.",
                cloudwatch.Metric(
                    namespace="AWS/Lambda",
                    metric_name="Errors",
                    dimensions_map={"FunctionName": self.settings.function_name(WHATSAPP_RECEIPTS)},
                    statistic="Sum",
                    period=five_minutes,
                ),
            ),
            (
                "whatsapp-receipts-dlq-not-empty",
                "WhatsApp receipts were dead-lettered: delivery states are behind.",
                self.whatsapp_receipts_dlq.metric_approximate_number_of_messages_visible(
                    period=five_minutes, statistic="Maximum"
                ),
            ),
        ):
            alarm = cloudwatch.Alarm(
                self,
                name,
                alarm_name=f"{prefix}-{name}",
                alarm_description=description,
                metric=metric,
                threshold=1,
                evaluation_periods=1,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            )
            alarm.add_alarm_action(action)
            alarm.add_ok_action(action)
        cdk.CfnOutput(self, "WhatsappEventsTopicArn", value=topic.topic_arn)

    def _outputs(self) -> None:
        for name, value in (
            ("TableName", self.table.table_name),
            ("QueueUrl", self.queue.queue_url),
            ("DeadLetterQueueUrl", self.dead_letter_queue.queue_url),
            ("NotifyFailureQueueUrl", self.notify_failures.queue_url),
            ("ScanFailureQueueUrl", self.scan_failures.queue_url),
            ("MerchantWebhookQueueUrl", self.merchant_queue.queue_url),
            ("MerchantWebhookDeadLetterQueueUrl", self.merchant_dead_letter_queue.queue_url),
            ("SecretArn", self.secret.secret_arn),
            ("EventBusName", self.event_bus.event_bus_name),
            ("AlarmTopicArn", self.alarm_topic.topic_arn),
        ):
            cdk.CfnOutput(self, name, value=value)


@jsii.implements(lambda_.IEventSourceDlq)
class QueueFailureDestination:
    """An SQS on-failure destination that grants nothing itself.

    CDK's `SqsDlq` grants `sqs:SendMessage` to the function's role, which a function imported
    from the Chalice template does not expose; the notifier's own role carries the
    `RecordFailedBatches` statement instead.
    """

    def __init__(self, queue: sqs.IQueue) -> None:
        self.queue = queue

    def bind(
        self, target: lambda_.IEventSourceMapping, target_handler: lambda_.IFunction
    ) -> lambda_.DlqDestinationConfig:
        return lambda_.DlqDestinationConfig(destination=self.queue.queue_arn)


def whatsapp_phone_number_arn(
    phone_number_id: str, partition: str, region: str, account: str
) -> str:
    """`phone-number-id-<id>` (what SendWhatsAppMessage takes) -> the IAM resource ARN
    `arn:...:social-messaging:<region>:<account>:phone-number-id/<id>`; an ARN stays."""
    if phone_number_id.startswith("arn:"):
        return phone_number_id
    bare = phone_number_id.removeprefix("phone-number-id-")
    return f"arn:{partition}:social-messaging:{region}:{account}:phone-number-id/{bare}"


def _declared_functions(chalice: Chalice) -> list[str]:
    """Logical ids of the Lambda functions in the packaged app, in template order."""
    return [
        child.node.id
        for child in chalice.sam_template.node.children
        if isinstance(child, cdk.CfnResource)
        and child.cfn_resource_type == "AWS::Serverless::Function"
    ]
