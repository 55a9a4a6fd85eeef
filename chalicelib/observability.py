"""Structured logs and metrics for the Lambda entry points (Powertools).

Logs are one JSON object per line with a correlation id (the webhook delivery
id, the SQS message id, the stream sequence number); metrics are CloudWatch
Embedded Metric Format lines, which Lambda's log stream turns into metrics with
no API call. No personal data goes into either: ids, counts and reasons only.

Powertools is imported on first use, never when `app.py` is imported: cold
start is measured (bench/coldstart.py).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aws_lambda_powertools import Logger

NAMESPACE = "Kargo"
SERVICE = "kargo"


@cache
def logger() -> Logger:
    from aws_lambda_powertools import Logger

    return Logger(service=SERVICE)


def emit_metrics(
    values: dict[str, float], dimensions: dict[str, str] | None = None, unit: str = "Count"
) -> None:
    """One EMF document with these metrics (and dimensions), written at once."""
    from aws_lambda_powertools import Metrics
    from aws_lambda_powertools.metrics import MetricUnit

    metrics = Metrics(namespace=NAMESPACE, service=SERVICE)
    for name, dimension in (dimensions or {}).items():
        metrics.add_dimension(name=name, value=dimension)
    for name, value in values.items():
        metric_unit = MetricUnit.Seconds if name.endswith("Seconds") else MetricUnit(unit)
        metrics.add_metric(name=name, unit=metric_unit, value=value)
    metrics.flush_metrics(raise_on_empty_metrics=False)


def scan_report(result: dict[str, Any]) -> None:
    """The scan's report as one JSON log line and as metrics."""
    logger().info("scan finished", extra={"scan": result})
    emit_metrics(
        {
            "ScanItems": result["items_read"],
            "ScanDelayed": result["delayed"],
            "ScanErrors": len(result["errors"]),
            "ScanStoppedEarly": int(result["stopped_early"]),
            "ScanLagSeconds": result["lag_seconds"],
        },
        {"function": "scan"},
    )


# --- per invocation: correlation id, counted metrics flushed once ---------------------

_counts: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
_counts_lock = threading.Lock()


def count(name: str, value: float = 1, **dimensions: str) -> None:
    """Add to a metric of this invocation; `observed` writes them when it ends (one
    EMF document per set of dimensions). Outside an entry point: written at once."""
    key = (name, tuple(sorted(dimensions.items())))
    with _counts_lock:
        _counts[key] = _counts.get(key, 0) + value
    if not _in_entry.is_set():
        flush_counts()


def flush_counts() -> None:
    with _counts_lock:
        pending = dict(_counts)
        _counts.clear()
    grouped: dict[tuple[tuple[str, str], ...], dict[str, float]] = {}
    for (name, dimensions), value in pending.items():
        grouped.setdefault(dimensions, {})[name] = value
    for dimensions, values in grouped.items():
        emit_metrics(values, dict(dimensions))


_in_entry = threading.Event()


def correlation_id(event: Any) -> str | None:
    """The id that follows one delivery through the logs: an SQS message id, a
    stream record's sequence number (the first of a batch), a webhook's delivery id."""
    if not isinstance(event, dict):
        return None
    records = event.get("Records") or []
    if records and isinstance(records[0], dict):
        first = records[0]
        if "messageId" in first:
            return str(first["messageId"])
        sequence = (first.get("dynamodb") or {}).get("SequenceNumber")
        if sequence:
            return str(sequence)
    headers = event.get("headers") or {}
    for name in ("webhook-id", "x-shopify-webhook-id", "x-wc-webhook-delivery-id"):
        if headers.get(name):
            return str(headers[name])
    return None


Handler = Callable[[dict[str, Any], Any], Any]
INVOCATION_KEYS = ("function", "request_id", "correlation_id")


def observed(function_label: str) -> Callable[[Handler], Handler]:
    """For a Lambda entry point in app.py: JSON logs keyed by the correlation id and
    the function, the Lambda context's request id, and this invocation's metrics
    flushed when it returns (or raises)."""

    def wrap(handler: Handler) -> Handler:
        @functools.wraps(handler)
        def entry(event: dict[str, Any], context: Any) -> Any:
            log = logger()
            log.remove_keys(list(INVOCATION_KEYS))  # a warm container's last invocation
            log.append_keys(function=function_label)
            log.set_correlation_id(correlation_id(event))
            request_id = getattr(context, "aws_request_id", None)
            if request_id:
                log.append_keys(request_id=request_id)
            _in_entry.set()
            try:
                return handler(event, context)
            finally:
                _in_entry.clear()
                flush_counts()
                log.remove_keys(list(INVOCATION_KEYS))

        return entry

    return wrap
