"""Helpers for the polled-carrier tests: accounts, a settable clock, a server that
never answers, and MNG's answer frame."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.unit.carriers.payloads import FIXTURES


class SettableClock:
    def __init__(self, start: datetime = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def wire_text(carrier: str, name: str) -> str:
    return (FIXTURES / carrier / f"{name}.json").read_text(encoding="utf-8")


def mng_frame(*answers: dict[str, Any]) -> bytes:
    return json.dumps({"format": "kargo.poll.mng/1", "answers": list(answers)}).encode()


def mng_answer(
    reference: str,
    status: tuple[int, str] | None = None,
    track: tuple[int, str] | None = None,
) -> dict[str, Any]:
    def part(value: tuple[int, str] | None) -> dict[str, Any]:
        code, body = value or (404, wire_text("mng", "not_found"))
        return {"http": code, "body": body}

    return {"reference": reference, "shipment_status": part(status), "track": part(track)}


@contextmanager
def silent_server() -> Iterator[str]:
    """A 127.0.0.1 port that accepts connections and never answers: a timeout."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        listener.close()


def closed_port_url() -> str:
    """A 127.0.0.1 port nobody listens on: connection refused."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return f"http://127.0.0.1:{port}"
