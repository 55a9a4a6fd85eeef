"""`make demo`: walk the demo order from label to delivery with signed webhooks,
reading the tracking lookup back after each step. When its carrier is polled by
the local stack (a client and a fake), it asks for a poll at each step instead.

    python -m local.simulator [--base http://127.0.0.1:8000] [--pause 2]
"""

from __future__ import annotations

import argparse
import json
import os
import urllib.error
import urllib.request
import uuid
from datetime import timedelta
from typing import Any

from chalicelib import clock
from chalicelib.carriers.signatures import sign_standard_webhook
from chalicelib.clock import utc_now
from chalicelib.config import DEFAULT_GENERIC_SECRET

DEMO_TRACKING = "DEMO100200300"  # the local fake carrier moves DEMO… numbers
DEMO_ORDER: dict[str, Any] = {
    "order_id": "demo-1001",
    "customer": {
        "name": "Ayşe Yılmaz",
        "email": "ayse@example.com",
        "phone": "+905321234567",
        "locale": "tr",
    },
    "shipments": [{"carrier": "yurtici", "tracking_number": DEMO_TRACKING}],
    "notifications": {"email": True, "sms": True},
}
JOURNEY = [
    ("info_received", "Kargo kaydı oluşturuldu", "İstanbul"),
    ("in_transit", "Transfer merkezinden çıktı", "İstanbul"),
    ("in_transit", "Transfer merkezine ulaştı", "Ankara"),
    ("out_for_delivery", "Dağıtıma çıkarıldı", "Ankara"),
    ("delivered", "Alıcıya teslim edildi", "Ankara"),
]


def _call(method: str, url: str, body: bytes | None, headers: dict[str, str]) -> Any:
    request = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        raise SystemExit(f"{method} {url} -> {error.code} {error.read().decode()}") from error


def merchant_headers() -> dict[str, str]:
    key = os.environ.get("KARGO_MERCHANT_API_KEY") or "dev-merchant-key"
    return {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}


def register(base: str, order: dict[str, Any]) -> dict[str, Any]:
    created: dict[str, Any] = _call(
        "POST", f"{base}/orders", json.dumps(order).encode(), merchant_headers()
    )
    return created


def send_webhook(base: str, payload: dict[str, Any]) -> None:
    secret = (os.environ.get("KARGO_WEBHOOK_SECRET_GENERIC") or DEFAULT_GENERIC_SECRET).split(",")[
        0
    ]
    raw = json.dumps(payload, ensure_ascii=False).encode()
    msg_id, timestamp = f"msg_{uuid.uuid4().hex}", int(utc_now().timestamp())
    headers = {
        "Content-Type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign_standard_webhook(secret, msg_id, timestamp, raw),
    }
    _call("POST", f"{base}/webhooks/generic", raw, headers)


def demo_shipment(base: str) -> tuple[str, str]:
    """The seeded demo order's shipment, or a fresh demo order once that one is done."""
    order = DEMO_ORDER
    current = _call("GET", f"{base}/orders/{order['order_id']}", None, merchant_headers())
    if current["shipments"][0]["status"] != "pending":
        suffix = uuid.uuid4().hex[:8].upper()
        order = {
            **DEMO_ORDER,
            "order_id": f"demo-{suffix}",
            "shipments": [{"carrier": "yurtici", "tracking_number": f"DEMO{suffix}"}],
        }
    created = register(base, order)
    shipment = created["shipments"][0]
    return shipment["tracking_number"], shipment["tracking_token"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    port = os.environ.get("KARGO_PORT") or "8000"
    parser.add_argument("--base", default=f"http://127.0.0.1:{port}")
    parser.add_argument("--pause", type=float, default=2.0)
    args = parser.parse_args()
    tracking, token = demo_shipment(args.base)
    print(f"Tracking {tracking}: {args.base}/t/{token}")
    from local.polled import polled_locally

    if polled_locally("yurtici"):
        return walk_polled(args.base, "yurtici", tracking, token, args.pause)
    start = utc_now() - timedelta(hours=len(JOURNEY))
    for step, (status, description, city) in enumerate(JOURNEY):
        occurred = start + timedelta(hours=step)
        send_webhook(
            args.base,
            {
                "carrier": "yurtici",
                "tracking_number": tracking,
                "estimated_delivery": (start + timedelta(days=2)).date().isoformat(),
                "events": [
                    {
                        "status": status,
                        "occurred_at": occurred.isoformat(timespec="seconds"),
                        "description": description,
                        "location": {"city": city, "country": "TR"},
                    }
                ],
            },
        )
        clock.sleep(args.pause)
        view = _call("GET", f"{args.base}/track/{token}", None, {})
        print(f"  sent {status:<17} -> lookup says {view['status']} ({view['status_label']})")
    return 0


FINAL = {"delivered", "returned", "failed", "cancelled", "expired"}


def walk_polled(base: str, carrier: str, tracking: str, token: str, pause: float) -> int:
    """A polled carrier posts nothing: ask Kargo to poll now, step by step (the
    local fake moves the parcel one step per poll), until it is delivered."""
    for _ in range(12):
        url = f"{base}/shipments/{carrier}/{tracking}/refresh"
        request = urllib.request.Request(url, data=b"{}", method="POST", headers=merchant_headers())
        try:
            with urllib.request.urlopen(request, timeout=10):
                pass
        except urllib.error.HTTPError as error:
            if error.code == 409:  # final: no longer polled
                break
            raise SystemExit(f"POST {url} -> {error.code} {error.read().decode()}") from error
        clock.sleep(pause)
        view = _call("GET", f"{base}/track/{token}", None, {})
        print(f"  polled {carrier:<10} -> lookup says {view['status']} ({view['status_label']})")
        if view["status"] in FINAL:
            break
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
