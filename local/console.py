"""Readable output for the local stack: each notification as it is sent."""

from __future__ import annotations

import sys
import threading

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


def fail(text: str) -> None:
    with _lock:
        print(text, file=sys.stderr, flush=True)
