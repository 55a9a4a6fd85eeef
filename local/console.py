"""Readable output for the local stack: each notification as it is sent."""

from __future__ import annotations

import sys
import threading
from typing import Any

from chalicelib.notify.dispatch import OutgoingMessage

_lock = threading.Lock()


def say(text: str) -> None:
    with _lock:
        print(text, flush=True)


def print_notification(message: OutgoingMessage) -> None:
    width = 72
    title = f" {message.channel} → {message.recipient} · {message.kind} "
    lines = [f"┌{title:─^{width}}┐"]
    if message.subject:
        lines.append(f"  Subject: {message.subject}")
    lines += [f"  {line}" for line in message.text.strip().splitlines()]
    lines.append(f"└{'─' * width}┘")
    say("\n".join(lines))


def print_receipt(event: dict[str, Any]) -> None:
    """One line per WhatsApp status Meta reports (the fake's, locally)."""
    import json

    for record in event.get("Records", []):
        entry = json.loads(json.loads(record["Sns"]["Message"])["whatsAppWebhookEntry"])
        for change in entry.get("changes", []):
            for status in change.get("value", {}).get("statuses", []):
                errors = status.get("errors") or [{}]
                detail = (
                    f" ({errors[0].get('code')} {errors[0].get('title')})"
                    if status["status"] == "failed"
                    else ""
                )
                say(f"  whatsapp → +{status.get('recipient_id')}: {status['status']}{detail}")


def fail(text: str) -> None:
    with _lock:
        print(text, file=sys.stderr, flush=True)
