"""Per-stage deployment settings, read from the `kargo:stages` context in `infra/cdk.json`.

Application settings that are not secrets (sender address, brand, time zone, thresholds) live
under each stage's `environment` and become Lambda environment variables. They are kept out of
`.chalice/config.json` on purpose: `chalice.test.Client` applies the `dev` stage's variables to
the test process, and the local defaults of CONTRACT.md must stay what the tests see.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

INFRA_DIR = Path(__file__).resolve().parent
REPO_ROOT = INFRA_DIR.parent
CDK_JSON = INFRA_DIR / "cdk.json"
STAGES = ("dev", "prod")

# The names the application (app.py) gives its Lambda functions, and the logical ids that
# `chalice package` gives them in the SAM template.
API_HANDLER = "APIHandler"
CONSUMER = "ConsumeWebhooks"
NOTIFIER = "NotifyChanges"
SCANNER = "ScanShipments"
# Posts Kargo's events to the shop's own endpoint (CONTRACT.md section 9), fed by its own queue.
# Wired when app.py declares it; synthesis refuses any function not listed here.
MERCHANT_DELIVERY = "DeliverMerchantWebhooks"
# The poller (chalicelib/poll/): every minute on a schedule, and on the poll-request queue.
POLLER = "PollCarriers"
POLL_REQUESTS = "PollRequested"
# WhatsApp's delivery and read receipts, fed by the WhatsApp Business Account's SNS topic.
WHATSAPP_RECEIPTS = "WhatsappReceipts"
FUNCTION_NAMES = {
    API_HANDLER: "api_handler",
    CONSUMER: "consume_webhooks",
    NOTIFIER: "notify_changes",
    SCANNER: "scan_shipments",
    MERCHANT_DELIVERY: "deliver_merchant_webhooks",
    POLLER: "poll_carriers",
    POLL_REQUESTS: "poll_requested",
    WHATSAPP_RECEIPTS: "whatsapp_receipts",
}


@dataclass(frozen=True)
class StageSettings:
    stage: str
    event_bus_name: str
    public_url: str = ""
    alarm_email: str = ""
    api_rate_limit: int = 50
    api_burst_limit: int = 100
    consumer_max_concurrency: int = 5
    scan_every_minutes: int = 5
    log_retention_days: int = 30
    retain_data: bool = True
    environment: dict[str, str] = field(default_factory=dict)

    @property
    def email_from(self) -> str:
        return self.environment.get("KARGO_EMAIL_FROM", "kargo@example.com")

    @property
    def whatsapp_phone_number_id(self) -> str:
        """The stage's WhatsApp sender (empty: no WhatsApp). In the stage's environment in
        cdk.json, or in the environment of the synthesis."""
        import os

        return self.environment.get("KARGO_WHATSAPP_PHONE_NUMBER_ID") or os.environ.get(
            "KARGO_WHATSAPP_PHONE_NUMBER_ID", ""
        )

    def function_name(self, logical_id: str) -> str:
        """Chalice's own naming scheme: `{app}-{stage}-{function}`."""
        return f"kargo-{self.stage}-{FUNCTION_NAMES[logical_id]}"


def _context(path: Path = CDK_JSON) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    stages: dict[str, Any] = document["context"]["kargo:stages"]
    return stages


def load_stage(stage: str, path: Path = CDK_JSON) -> StageSettings:
    if stage not in STAGES:
        raise ValueError(f"unknown stage {stage!r}; expected one of {', '.join(STAGES)}")
    raw = dict(_context(path)[stage])
    environment = {str(k): str(v) for k, v in raw.pop("environment", {}).items()}
    return StageSettings(stage=stage, environment=environment, **raw)
