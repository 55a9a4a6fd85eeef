"""Helpers for the page, feedback and preferences tests: read HTML the way a
test needs to, walk a shipment to a state, post forms."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlencode

from chalicelib.config import settings
from chalicelib.web.form_tokens import form_token
from tests.integration.conftest import Kargo, order_payload

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
JSON = {"Content-Type": "application/json"}


class _Text(HTMLParser):
    """Collects text per element name and attributes of interest."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.texts: dict[str, list[str]] = {}
        self.attrs: list[tuple[str, dict[str, str | None]]] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.attrs.append((tag, dict(attrs)))
        if tag in {"style", "script"}:
            self.skip += 1
        if tag not in {"meta", "link", "input", "br"}:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in {"style", "script"}:
            self.skip -= 1
        if tag in self.stack:
            while self.stack and self.stack.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        for tag in set(self.stack):
            self.texts.setdefault(tag, []).append(data)
        self.texts.setdefault("*", []).append(data)


def parse(html: str | bytes) -> _Text:
    parser = _Text()
    parser.feed(html.decode() if isinstance(html, bytes) else html)
    return parser


def text_of(html: str | bytes, tag: str = "*") -> str:
    return " ".join(" ".join(parse(html).texts.get(tag, [])).split())


def html_lang(html: str | bytes) -> str | None:
    for tag, attrs in parse(html).attrs:
        if tag == "html":
            return attrs.get("lang")
    return None


def attributes(html: str | bytes, tag: str) -> list[dict[str, str | None]]:
    return [attrs for name, attrs in parse(html).attrs if name == tag]


# --- walking a shipment ------------------------------------------------------------

TRACKING = "YT123456789TR"

JOURNEYS: dict[str, list[dict[str, Any]]] = {
    "pending": [],
    "in_transit": [
        {"status": "info_received", "occurred_at": "2026-11-20T09:00:00+03:00"},
        {
            "status": "in_transit",
            "occurred_at": "2026-11-21T10:00:00+03:00",
            "description": "Transfer merkezinden çıktı",
            "location": {"city": "İstanbul", "country": "TR"},
        },
    ],
    "out_for_delivery": [
        {"status": "in_transit", "occurred_at": "2026-11-21T10:00:00+03:00"},
        {"status": "out_for_delivery", "occurred_at": "2026-11-24T08:30:00+03:00"},
    ],
    "delayed": [
        {"status": "in_transit", "occurred_at": "2026-11-21T10:00:00+03:00"},
        {"status": "in_transit", "occurred_at": "2026-11-23T08:15:00+03:00", "delayed": True},
    ],
    "exception": [
        {"status": "in_transit", "occurred_at": "2026-11-21T10:00:00+03:00"},
        {
            "status": "exception",
            "occurred_at": "2026-11-22T12:00:00+03:00",
            "description": "Adres bulunamadı",
        },
    ],
    "delivered": [
        {"status": "in_transit", "occurred_at": "2026-11-21T10:00:00+03:00"},
        {"status": "delivered", "occurred_at": "2026-11-24T14:05:00+03:00"},
    ],
    "returned": [
        {"status": "in_transit", "occurred_at": "2026-11-21T10:00:00+03:00"},
        {"status": "returning", "occurred_at": "2026-11-25T10:00:00+03:00"},
        {"status": "returned", "occurred_at": "2026-11-28T10:00:00+03:00"},
    ],
}


def shipment_in_state(kargo: Kargo, state: str, order_id: str = "1001", **order: Any) -> str:
    """Register an order and play the carrier's events for `state`; the token."""
    created = kargo.register(order_payload(order_id, TRACKING, **order))
    token: str = created["shipments"][0]["tracking_token"]
    events = JOURNEYS[state]
    if events:
        payload = {
            "carrier": "yurtici",
            "tracking_number": TRACKING,
            "estimated_delivery": "2026-11-25",
            "events": events,
        }
        assert kargo.webhook(payload).status_code == 202
        kargo.settle()
    return token


def post_form(kargo: Kargo, path: str, fields: dict[str, Any] | list[tuple[str, str]]) -> Any:
    """As the page would post it: with the CSRF token the page carries (unless the
    test gives its own `csrf`)."""
    pairs = list(fields.items()) if isinstance(fields, dict) else list(fields)
    shape = re.fullmatch(r"/track/([A-Za-z0-9_-]+)/([a-z-]+)", path)
    if shape and not any(name == "csrf" for name, _ in pairs):
        purpose = {"return-request": "return", "issues": "issue"}.get(shape[2], shape[2])
        token = form_token(settings().form_secret, shape[1], purpose, datetime.now(UTC))
        pairs.append(("csrf", token))
    return kargo.client.http.post(path, body=urlencode(pairs).encode(), headers=FORM)


def post_json(kargo: Kargo, path: str, body: Any) -> Any:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return kargo.client.http.post(path, body=raw, headers=JSON)


def notifications(kargo: Kargo, order_id: str = "1001") -> list[dict[str, Any]]:
    body = json.loads(kargo.merchant_get(f"/orders/{order_id}/notifications").body)
    notes: list[dict[str, Any]] = body["notifications"]
    return notes
