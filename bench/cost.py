"""What Kargo costs to run on AWS, from the measured calls and code time.

Prices are AWS's public on-demand list prices for us-east-1, as published when
this file was written (see PRICES_AS_OF; check the pricing pages before quoting
them). eu-central-1 is 5-15% dearer for most of these services.

Lambda duration is modelled, not measured on AWS: Kargo's own code time per
operation (measured here, on moto) plus a typical in-region latency for each
AWS call it makes (AWS_CALL_MS, assumptions). Batching follows infra/: the
consumer takes SQS batches of 10, the notifier stream batches of 25.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PRICES_AS_OF = "2025-06 list prices, us-east-1 (DynamoDB on-demand after its 2024-11-01 cut)"
PRICES_USD = {
    "lambda_gb_second": 0.0000166667,  # x86; arm64 is 0.0000133334
    "lambda_request": 0.20 / 1e6,
    "api_gateway_rest_request": 3.50 / 1e6,  # first 333 M a month
    "sqs_request": 0.40 / 1e6,  # standard queue, per 64 KB chunk
    "dynamodb_write_unit": 0.625 / 1e6,  # on-demand WRU
    "dynamodb_read_unit": 0.125 / 1e6,  # on-demand RRU
    "dynamodb_stream_read_by_lambda": 0.0,  # GetRecords by a Lambda trigger is free
    "ses_email": 0.10 / 1000,
    "eventbridge_event": 1.00 / 1e6,  # custom events, per 64 KB chunk
}
NOT_PRICED = (
    "SNS SMS (per message, by destination country: it dominates once SMS is on), "
    "CloudWatch Logs ($0.50/GB ingested), DynamoDB storage ($0.25/GB-month, ~10 KB a "
    "shipment), free tiers, data transfer, the Lambda SQS pollers' empty receives "
    "(a few $ a month, flat), and INIT time of cold starts"
)
# Typical in-region latency of each call, in ms: assumptions, not measurements.
AWS_CALL_MS = {
    "dynamodb.GetItem": 4.0,
    "dynamodb.Query": 5.0,
    "dynamodb.BatchGetItem": 6.0,
    "dynamodb.PutItem": 6.0,
    "dynamodb.UpdateItem": 6.0,
    "dynamodb.DeleteItem": 6.0,
    "dynamodb.TransactWriteItems": 12.0,
    "sqs.SendMessage": 8.0,
    "sesv2.SendEmail": 40.0,
    "sns.Publish": 40.0,
    "events.PutEvents": 15.0,
}
DEFAULT_CALL_MS = 10.0
CONSUMER_BATCH = 10
NOTIFIER_BATCH = 25
SQS_POLL_REQUESTS_PER_BATCH = 2  # ReceiveMessage + DeleteMessageBatch for a full batch

# One tracked shipment's life, as assumed for "per shipment" (change to taste).
LIFECYCLE = {
    "registrations": 1,
    "webhooks_changing_status": 5,  # info_received, in_transit, out_for_delivery, ...
    "webhooks_same_status": 4,  # more scans while in transit
    "webhooks_redelivered": 3,
    "notifying_changes": 4,  # in_transit, out_for_delivery, delivered, one more
    "lookups": 8,  # the shopper opening the link (JSON or page: one Query each)
}


def lambda_memory_gb() -> float:
    """The prod stage's memory in .chalice/config.json (what infra/ deploys)."""
    try:
        config = json.loads((ROOT / ".chalice" / "config.json").read_text())
        megabytes = config["stages"]["prod"].get("lambda_memory_size", 1024)
    except (OSError, KeyError, ValueError):
        megabytes = 1024
    return float(megabytes) / 1024


def modelled_ms(usage: dict[str, Any]) -> float:
    """Lambda time for one operation on AWS: our code plus waiting on AWS."""
    waiting = sum(AWS_CALL_MS.get(name, DEFAULT_CALL_MS) * n for name, n in usage["calls"].items())
    return float(usage["code_ms"]) + float(waiting)


@dataclass
class Bill:
    lines: dict[str, float]

    @property
    def total(self) -> float:
        return sum(self.lines.values())

    def scaled(self, factor: float) -> Bill:
        return Bill({name: value * factor for name, value in self.lines.items()})

    def plus(self, other: Bill) -> Bill:
        names = set(self.lines) | set(other.lines)
        return Bill({n: self.lines.get(n, 0.0) + other.lines.get(n, 0.0) for n in sorted(names)})


def _aws_usage_bill(usage: dict[str, Any]) -> dict[str, float]:
    return {
        "dynamodb": usage["read_units"] * PRICES_USD["dynamodb_read_unit"]
        + (usage["write_units"] + usage["index_write_units"]) * PRICES_USD["dynamodb_write_unit"],
        "sqs": usage["sqs_requests"] * PRICES_USD["sqs_request"],
        "ses": usage["emails"] * PRICES_USD["ses_email"],
        "eventbridge": usage["bus_events"] * PRICES_USD["eventbridge_event"],
    }


def _lambda_bill(usage: dict[str, Any], invocations: float, memory_gb: float) -> dict[str, float]:
    seconds = math.ceil(modelled_ms(usage)) / 1000
    return {
        "lambda": invocations * PRICES_USD["lambda_request"]
        + seconds * memory_gb * PRICES_USD["lambda_gb_second"]
    }


def http_operation(usage: dict[str, Any], memory_gb: float) -> Bill:
    """An API request: API Gateway, one Lambda invocation, the AWS calls."""
    lines = {"api_gateway": PRICES_USD["api_gateway_rest_request"]}
    lines |= _lambda_bill(usage, 1.0, memory_gb)
    return Bill(_merge(lines, _aws_usage_bill(usage)))


def consumer_operation(usage: dict[str, Any], memory_gb: float) -> Bill:
    """One webhook in the consumer: a tenth of an invocation and of the SQS polling."""
    lines = _lambda_bill(usage, 1 / CONSUMER_BATCH, memory_gb)
    lines["sqs"] = SQS_POLL_REQUESTS_PER_BATCH / CONSUMER_BATCH * PRICES_USD["sqs_request"]
    return Bill(_merge(lines, _aws_usage_bill(usage)))


def notifier_operation(usage: dict[str, Any], memory_gb: float) -> Bill:
    """One outbox row in the notifier (stream reads by Lambda are free)."""
    lines = _lambda_bill(usage, 1 / NOTIFIER_BATCH, memory_gb)
    return Bill(_merge(lines, _aws_usage_bill(usage)))


def _merge(left: dict[str, float], right: dict[str, float]) -> dict[str, float]:
    return {name: left.get(name, 0.0) + right.get(name, 0.0) for name in sorted({*left, *right})}


def estimate(calls: dict[str, dict[str, Any]]) -> dict[str, Any]:
    memory = lambda_memory_gb()
    ingress = http_operation(calls["ingress: one webhook (HTTP -> SQS)"], memory)
    new_status = consumer_operation(calls["consumer: webhook with a new status"], memory)
    same_status = consumer_operation(calls["consumer: new event, same status"], memory)
    redelivered = consumer_operation(calls["consumer: webhook redelivered"], memory)
    notify = notifier_operation(calls["notifier: one change, e-mail + SMS"], memory)
    lookup = http_operation(calls["lookup: GET /track/{token}"], memory)
    register = http_operation(calls["merchant: register an order (1 shipment)"], memory)

    per_million = {
        "webhooks that change a status": ingress.plus(new_status).scaled(1e6),
        "webhooks with a new event, same status": ingress.plus(same_status).scaled(1e6),
        "webhooks redelivered (nothing new)": ingress.plus(redelivered).scaled(1e6),
    }
    life = LIFECYCLE
    shipment = (
        register.scaled(life["registrations"])
        .plus(ingress.plus(new_status).scaled(life["webhooks_changing_status"]))
        .plus(ingress.plus(same_status).scaled(life["webhooks_same_status"]))
        .plus(ingress.plus(redelivered).scaled(life["webhooks_redelivered"]))
        .plus(notify.scaled(life["notifying_changes"]))
        .plus(lookup.scaled(life["lookups"]))
    )
    return {
        "prices_as_of": PRICES_AS_OF,
        "prices_usd": PRICES_USD,
        "not_priced": NOT_PRICED,
        "aws_call_ms_assumed": AWS_CALL_MS,
        "lambda_memory_gb": memory,
        "lifecycle": LIFECYCLE,
        "modelled_lambda_ms": {
            name: modelled_ms(usage)
            for name, usage in calls.items()
            if not name.startswith("notifier: per message")
        },
        "per_million_webhooks_usd": {
            name: {"total": bill.total, **bill.lines} for name, bill in per_million.items()
        },
        "per_tracked_shipment_usd": {"total": shipment.total, **shipment.lines},
        "per_million_tracked_shipments_usd": shipment.total * 1e6,
    }
