"""Count the AWS calls an operation makes, and what DynamoDB would bill for them.

Hooks botocore's events on the cached clients in `chalicelib.aws` (the ones
the pipeline uses): `before-parameter-build` sees each call's parameters,
`after-call` its parsed answer. Only calls made inside `measure()` count, so
the harness's own calls (polling SQS, reading the stream) stay out.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from bench.capacity import item_size, read_units, write_units

SQS_CHUNK_BYTES = 64 * 1024  # SQS bills one request per 64 KB of payload


@dataclass
class Usage:
    """What one measured piece of work cost."""

    calls: Counter[str] = field(default_factory=Counter)  # "service.Operation" -> count
    aws_seconds: float = 0.0  # time inside AWS calls (moto here)
    wall_seconds: float = 0.0
    read_units: float = 0.0  # DynamoDB RRU
    write_units: float = 0.0  # DynamoDB WRU, base table
    index_write_units: float = 0.0  # DynamoDB WRU spent keeping GSIs current
    sqs_requests: int = 0
    emails: int = 0
    sms: int = 0
    bus_events: int = 0

    @property
    def code_seconds(self) -> float:
        """Time in Kargo's own code: what an AWS run would spend besides waiting on AWS."""
        return max(0.0, self.wall_seconds - self.aws_seconds)

    def add(self, other: Usage) -> None:
        self.calls.update(other.calls)
        for name in (
            "aws_seconds",
            "wall_seconds",
            "read_units",
            "write_units",
            "index_write_units",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.sqs_requests += other.sqs_requests
        self.emails += other.emails
        self.sms += other.sms
        self.bus_events += other.bus_events

    def per(self, count: float) -> dict[str, Any]:
        """This usage divided by `count` operations, as plain numbers."""
        return {
            "calls": {name: n / count for name, n in sorted(self.calls.items())},
            "total_calls": sum(self.calls.values()) / count,
            "code_ms": 1000 * self.code_seconds / count,
            "aws_ms_on_moto": 1000 * self.aws_seconds / count,
            "read_units": self.read_units / count,
            "write_units": self.write_units / count,
            "index_write_units": self.index_write_units / count,
            "sqs_requests": self.sqs_requests / count,
            "emails": self.emails / count,
            "sms": self.sms / count,
            "bus_events": self.bus_events / count,
        }


@dataclass
class _Call:
    service: str
    operation: str
    params: dict[str, Any]
    started: float


@dataclass
class CallCounter:
    """`indexes`: each GSI's key attributes, to price the index writes a put causes."""

    indexes: dict[str, tuple[str, ...]] = field(default_factory=dict)
    current: Usage | None = None
    _pending: list[_Call] = field(default_factory=list)

    def attach(self, client: Any) -> None:
        service = client.meta.service_model.service_id.hyphenize()
        client.meta.events.register(f"before-parameter-build.{service}", self._before)
        client.meta.events.register(f"after-call.{service}", self._after)
        client.meta.events.register(f"after-call-error.{service}", self._failed)

    def attach_pipeline_clients(self) -> None:
        from chalicelib import aws

        for getter in (aws.dynamodb, aws.sqs, aws.sesv2, aws.sns, aws.events):
            self.attach(getter())
        table = aws.dynamodb().describe_table(TableName=_table_name())["Table"]
        self.indexes = {
            index["IndexName"]: tuple(key["AttributeName"] for key in index["KeySchema"])
            for index in table.get("GlobalSecondaryIndexes", [])
        }

    @contextmanager
    def measure(self) -> Iterator[Usage]:
        usage = Usage()
        self.current, started = usage, time.perf_counter()
        try:
            yield usage
        finally:
            usage.wall_seconds = time.perf_counter() - started
            self.current = None

    # --- hooks -----------------------------------------------------------------------
    def _before(self, params: Mapping[str, Any], model: Any, **_: Any) -> None:
        service = model.service_model.service_name
        self._pending.append(_Call(service, model.name, dict(params), time.perf_counter()))

    def _after(self, parsed: Mapping[str, Any], http_response: Any, **_: Any) -> None:
        call = self._pending.pop() if self._pending else None
        usage = self.current
        if call is None or usage is None:
            return
        usage.calls[f"{call.service}.{call.operation}"] += 1
        usage.aws_seconds += time.perf_counter() - call.started
        if http_response.status_code >= 300:
            return
        if call.service == "dynamodb":
            self._price_dynamodb(usage, call, parsed)
        elif call.service == "sqs" and call.operation in ("SendMessage", "SendMessageBatch"):
            usage.sqs_requests += _sqs_requests(call.params)
        elif call.service == "sesv2" and call.operation == "SendEmail":
            usage.emails += 1
        elif call.service == "sns" and call.operation == "Publish":
            usage.sms += 1 if "PhoneNumber" in call.params else 0
        elif call.service == "events" and call.operation == "PutEvents":
            usage.bus_events += len(call.params.get("Entries", []))

    def _failed(self, **_: Any) -> None:
        if self._pending:
            self._pending.pop()

    def _price_dynamodb(self, usage: Usage, call: _Call, parsed: Mapping[str, Any]) -> None:
        params, operation = call.params, call.operation
        if operation == "GetItem":
            size = item_size(parsed.get("Item") or {})
            usage.read_units += read_units(size, consistent=bool(params.get("ConsistentRead")))
        elif operation in ("Query", "Scan"):
            size = sum(item_size(item) for item in parsed.get("Items", []))
            usage.read_units += read_units(size, consistent=bool(params.get("ConsistentRead")))
        elif operation == "BatchGetItem":
            for items in parsed.get("Responses", {}).values():
                for item in items:
                    usage.read_units += read_units(item_size(item), consistent=True)
        elif operation == "PutItem":
            self._price_write(usage, params["Item"], transactional=False)
        elif operation in ("UpdateItem", "DeleteItem"):
            usage.write_units += 1  # small items (logs, claims): the new size is not known here
        elif operation == "TransactWriteItems":
            for entry in params["TransactItems"]:
                if "Put" in entry:
                    self._price_write(usage, entry["Put"]["Item"], transactional=True)
                elif "ConditionCheck" in entry:
                    usage.read_units += 2
                else:
                    usage.write_units += 2

    def _price_write(self, usage: Usage, item: Mapping[str, Any], transactional: bool) -> None:
        usage.write_units += write_units(item, transactional=transactional)
        for keys in self.indexes.values():
            if all(key in item for key in keys):  # the item is (still) in this index
                usage.index_write_units += write_units(item)


def _sqs_requests(params: Mapping[str, Any]) -> int:
    bodies = [params.get("MessageBody", "")]
    bodies += [entry.get("MessageBody", "") for entry in params.get("Entries", [])]
    size = sum(len(str(body).encode()) for body in bodies)
    return max(1, -(-size // SQS_CHUNK_BYTES))


def _table_name() -> str:
    from chalicelib.config import settings

    return settings().table_name
