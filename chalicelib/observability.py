"""Structured logs and metrics for the Lambda entry points (Powertools).

Logs are one JSON object per line with a correlation id (the webhook delivery
id, the SQS message id, the stream sequence number); metrics are CloudWatch
Embedded Metric Format lines, which Lambda's log stream turns into metrics with
no API call. No personal data goes into either: ids, counts and reasons only.

Powertools is imported on first use, never when `app.py` is imported: cold
start is measured (bench/coldstart.py).
"""

from __future__ import annotations

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
