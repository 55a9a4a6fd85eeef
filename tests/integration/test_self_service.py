"""The shopper's self-service end to end on moto: cancel, return requests, problem
reports, the shop's answers, the events and messages they make, and the limits."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest

from chalicelib import store
from chalicelib.config import reset_settings
from tests.integration.conftest import Kargo, carrier_update, order_payload
from tests.integration.page_helpers import TRACKING, notifications, post_form, shipment_in_state

AFTER_DELIVERY = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # 6 days after it was delivered
TOO_LATE = datetime(2026, 12, 9, 9, 0, tzinfo=UTC)  # 15 days after


def second_parcel_in_transit(kargo: Kargo) -> str:
    """Another order's parcel (its own tracking number), picked up."""
    created = kargo.register(order_payload("1002", "YT200000002TR"))
    update = carrier_update("YT200000002TR", ("in_transit", "2026-11-21T10:00:00+03:00"))
    assert kargo.webhook(update).status_code == 202
    kargo.settle()
    return str(created["shipments"][0]["tracking_token"])


def shopper_post(kargo: Kargo, token: str, path: str, body: Any) -> Any:
    return kargo.client.http.post(
        f"/track/{token}/{path}",
        body=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )


def body_of(response: Any) -> Any:
    return json.loads(response.body)


def order_of(kargo: Kargo, order_id: str = "1001") -> dict[str, Any]:
    return body_of(kargo.merchant_get(f"/orders/{order_id}"))  # type: ignore[no-any-return]


def kinds(kargo: Kargo) -> list[tuple[str, str, str]]:
    return [(n["channel"], n["kind"], n["status"]) for n in notifications(kargo)]


def published_types(kargo: Kargo) -> list[str]:
    return [n["kind"] for n in notifications(kargo) if n["channel"] == "webhook"]


@pytest.fixture
def self_cancel(monkeypatch: pytest.MonkeyPatch) -> Any:
    def set_mode(mode: str) -> None:
        monkeypatch.setenv("KARGO_SELF_CANCEL", mode)
        reset_settings()

    return set_mode


def events_bus(kargo: Kargo, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    from chalicelib.shop_events import publish

    seen: list[dict[str, Any]] = []
    original = publish.publish_shop_events

    def spy(rows: list[dict[str, Any]], now: datetime) -> None:
        from chalicelib.shop_events.model import event_from_outbox

        for row in rows:
            event = event_from_outbox(row, now)
            if event is not None:
                seen.append(event.model_dump())
        original(rows, now)

    monkeypatch.setattr(publish, "publish_shop_events", spy)
    return seen


# --- cancel ------------------------------------------------------------------------


def test_auto_cancel_before_pickup_cancels_at_once(
    kargo: Kargo, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = events_bus(kargo, monkeypatch)
    token = shipment_in_state(kargo, "pending")
    assert body_of(kargo.track(token))["actions"] == ["cancel", "report_issue"]
    response = shopper_post(kargo, token, "cancel", {})
    assert (response.status_code, body_of(response)) == (200, {"status": "cancelled"})
    kargo.settle()
    order = order_of(kargo)
    assert [s["status"] for s in order["shipments"]] == ["cancelled"]
    assert [(r["type"], r["state"]) for r in order["requests"]] == [("cancellation", "cancelled")]
    assert "token" not in order["requests"][0]
    assert ("email", "cancelled", "sent") in kinds(kargo)
    assert "order.cancelled" in [e["type"] for e in seen]
    # Again: the same answer, nobody told twice.
    again = shopper_post(kargo, token, "cancel", {})
    assert (again.status_code, body_of(again)) == (200, {"status": "cancelled"})
    kargo.settle()
    assert len(kargo.sent_emails()) == 1
    assert body_of(kargo.track(token))["actions"] == []


def test_cancel_after_pickup_is_a_conflict(kargo: Kargo) -> None:
    token = shipment_in_state(kargo, "in_transit")
    response = shopper_post(kargo, token, "cancel", {})
    assert (response.status_code, body_of(response)["error"]["code"]) == (409, "conflict")
    assert "cancel" not in body_of(kargo.track(token))["actions"]


def test_cancel_off_is_a_conflict(kargo: Kargo, self_cancel: Any) -> None:
    self_cancel("off")
    token = shipment_in_state(kargo, "pending")
    assert shopper_post(kargo, token, "cancel", {}).status_code == 409
    assert body_of(kargo.track(token))["actions"] == ["report_issue"]


def test_request_mode_asks_the_shop_which_declines(
    kargo: Kargo, self_cancel: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    self_cancel("request")
    seen = events_bus(kargo, monkeypatch)
    token = shipment_in_state(kargo, "pending")
    response = shopper_post(kargo, token, "cancel", {})
    assert (response.status_code, body_of(response)) == (202, {"status": "requested"})
    assert shopper_post(kargo, token, "cancel", {}).status_code == 202  # the same request
    kargo.settle()
    assert ("merchant", "cancellation_request", "sent") in kinds(kargo)
    alert = next(m for m in kargo.sent_emails() if m["To"] == "support@example.com")
    assert "iptal talebi" in alert["Subject"] and "1001" in alert["Subject"]
    assert [e["type"] for e in seen].count("cancellation.requested") == 1
    assert order_of(kargo)["requests"][0]["state"] == "requested"
    assert "cancel" not in body_of(kargo.track(token))["actions"]

    declined = kargo.post_json("/orders/1001/cancellation/decline", {"reason": "Zaten paketlendi"})
    assert declined.status_code == 200 and body_of(declined)["state"] == "declined"
    again = kargo.post_json("/orders/1001/cancellation/decline", {"reason": "Zaten paketlendi"})
    assert (again.status_code, body_of(again)) == (200, body_of(declined))
    kargo.settle()
    answer = [m for m in kargo.sent_emails() if m["To"] == "ayse@example.com"]
    assert len(answer) == 1
    text = answer[0].get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert "Mağazanın açıklaması: Zaten paketlendi" in text
    assert [s["status"] for s in order_of(kargo)["shipments"]] == ["pending"]
    assert shopper_post(kargo, token, "cancel", {}).status_code == 409  # the shop said no


def test_request_mode_settled_by_the_shops_cancel(kargo: Kargo, self_cancel: Any) -> None:
    self_cancel("request")
    token = shipment_in_state(kargo, "pending")
    assert shopper_post(kargo, token, "cancel", {}).status_code == 202
    assert kargo.post_json("/orders/1001/cancel", {}).status_code == 200
    kargo.settle()
    assert [(r["type"], r["state"]) for r in order_of(kargo)["requests"]] == [
        ("cancellation", "cancelled")
    ]
    assert ("email", "cancelled", "sent") in kinds(kargo)
    assert kargo.post_json("/orders/1001/cancellation/decline", {"reason": "x"}).status_code == 409


def test_a_pickup_racing_the_cancel_wins_and_the_shopper_is_told(
    kargo: Kargo, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = shipment_in_state(kargo, "pending")
    original = store.load_shipments
    calls = [0]

    def pickup_meanwhile(keys: Any) -> Any:
        records = original(keys)
        calls[0] += 1
        if calls[0] == 2:  # inside the cancel, after it read the parcel as pending
            update = carrier_update(TRACKING, ("in_transit", "2026-11-21T10:00:00+03:00"))
            assert kargo.webhook(update).status_code == 202
            kargo.run_consumer()
        return records

    monkeypatch.setattr(store, "load_shipments", pickup_meanwhile)
    response = shopper_post(kargo, token, "cancel", {})
    monkeypatch.setattr(store, "load_shipments", original)
    assert calls[0] >= 3  # the stale write failed and the cancel read again
    assert (response.status_code, body_of(response)["error"]["code"]) == (409, "conflict")
    order = order_of(kargo)
    assert [s["status"] for s in order["shipments"]] == ["in_transit"]
    assert order["requests"] == []


# --- returns -----------------------------------------------------------------------

RETURN = {"reason": "wrong_size", "resolution": "exchange", "comment": "Bir beden büyük"}


def test_return_request_approved_becomes_a_return(
    kargo: Kargo, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = events_bus(kargo, monkeypatch)
    token = shipment_in_state(kargo, "delivered")
    with kargo.at(AFTER_DELIVERY):
        assert body_of(kargo.track(token))["actions"] == ["return", "report_issue", "rate"]
        created = shopper_post(kargo, token, "return-request", RETURN)
        assert created.status_code == 201
        request_id = body_of(created)["request_id"]
        assert body_of(created) == {"request_id": request_id, "status": "requested"}
        again = shopper_post(kargo, token, "return-request", RETURN)
        assert (again.status_code, body_of(again)) == (200, body_of(created))
        other = shopper_post(kargo, token, "return-request", {**RETURN, "reason": "other"})
        assert other.status_code == 409  # one waiting request per parcel
        assert "return" not in body_of(kargo.track(token))["actions"]
    kargo.settle()
    assert ("merchant", "return_request", "sent") in kinds(kargo)
    approve = f"/orders/1001/return-requests/{request_id}/approve"
    approved = kargo.post_json(approve, {"carrier": "aras", "tracking_number": "RET12345"})
    assert approved.status_code == 201
    answer = body_of(approved)
    assert answer["status"] == "approved" and answer["tracking_url"].endswith(
        answer["tracking_token"]
    )
    again = kargo.post_json(approve, {"carrier": "aras", "tracking_number": "RET12345"})
    assert (again.status_code, body_of(again)) == (200, answer)
    assert (
        kargo.post_json(approve, {"carrier": "aras", "tracking_number": "RET999"}).status_code
        == 409
    )
    kargo.settle()
    order = order_of(kargo)
    assert [r["return_id"] for r in order["returns"]] == [answer["return_id"]]
    assert order["requests"][0]["state"] == "approved"
    assert ("email", "return_approved", "sent") in kinds(kargo)
    decided = [e for e in seen if e["type"] == "return.decided"]
    assert len(decided) == 1 and decided[0]["data"]["decision"] == "approved"
    requested = [e for e in seen if e["type"] == "return.requested"]
    assert requested[0]["data"]["reason"] == "wrong_size"
    assert "comment" not in requested[0]["data"]  # the shopper's words stay with the shop
    decline = f"/orders/1001/return-requests/{request_id}/decline"
    assert kargo.post_json(decline, {"reason": "x"}).status_code == 409


def test_return_request_declined_with_a_reason(kargo: Kargo) -> None:
    token = shipment_in_state(kargo, "delivered")
    with kargo.at(AFTER_DELIVERY):
        request_id = body_of(shopper_post(kargo, token, "return-request", RETURN))["request_id"]
    decline = f"/orders/1001/return-requests/{request_id}/decline"
    assert kargo.post_json(decline, {"reason": ""}).status_code == 400  # a no says why
    declined = kargo.post_json(decline, {"reason": "Kullanılmış ürün"})
    assert body_of(declined) == {"request_id": request_id, "status": "declined",
                                 "reason": "Kullanılmış ürün"}  # fmt: skip
    assert kargo.post_json(decline, {"reason": "Kullanılmış ürün"}).status_code == 200
    kargo.settle()
    sms = [s.text for s in kargo.sent_sms() if "Kullanılmış ürün" in s.text]
    assert len(sms) == 1
    assert kargo.post_json("/orders/1001/return-requests/rrq_nope/decline",
                           {"reason": "x"}).status_code == 404  # fmt: skip


def test_return_outside_the_window_or_before_delivery_is_a_conflict(kargo: Kargo) -> None:
    token = shipment_in_state(kargo, "delivered")
    with kargo.at(TOO_LATE):
        assert shopper_post(kargo, token, "return-request", RETURN).status_code == 409
        assert "return" not in body_of(kargo.track(token))["actions"]
    early = second_parcel_in_transit(kargo)
    assert shopper_post(kargo, early, "return-request", RETURN).status_code == 409
    bad = shopper_post(kargo, token, "return-request", {**RETURN, "resolution": "cash"})
    assert body_of(bad)["error"]["code"] == "validation_error"
    long = shopper_post(kargo, token, "return-request", {**RETURN, "comment": "x" * 2001})
    assert long.status_code == 400


# --- issues ------------------------------------------------------------------------


def test_issue_reports_alert_the_shop(kargo: Kargo, monkeypatch: pytest.MonkeyPatch) -> None:
    seen = events_bus(kargo, monkeypatch)
    token = shipment_in_state(kargo, "in_transit")
    early = shopper_post(kargo, token, "issues", {"kind": "not_received"})
    assert early.status_code == 409  # only once the carrier says delivered
    created = shopper_post(kargo, token, "issues", {"kind": "damaged", "comment": "Kutu ezik"})
    assert created.status_code == 201
    issue_id = body_of(created)["issue_id"]
    again = shopper_post(kargo, token, "issues", {"kind": "damaged", "comment": "Kutu ezik"})
    assert (again.status_code, body_of(again)) == (200, {"issue_id": issue_id})
    kargo.settle()
    assert ("merchant", "issue", "sent") in kinds(kargo)
    alert = next(m for m in kargo.sent_emails() if m["To"] == "support@example.com")
    text = alert.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert "Kutu ezik" in text and "hasarlı / damaged" in text
    assert [e["data"]["issue_kind"] for e in seen if e["type"] == "issue.reported"] == ["damaged"]
    assert order_of(kargo)["requests"][0] | {"created_at": None} == {
        "request_id": issue_id, "type": "issue", "state": "reported", "carrier": "yurtici",
        "tracking_number": TRACKING, "kind": "damaged", "comment": "Kutu ezik",
        "created_at": None,
    }  # fmt: skip


# --- the page's forms ------------------------------------------------------------------


def csrf_of(html: str, action: str) -> str:
    form = html.split('action="../track/')[1:]
    for chunk in form:
        if chunk.split('"')[0].endswith(action):
            match = re.search(r'name="csrf" value="([^"]+)"', chunk)
            assert match
            return match.group(1)
    raise AssertionError(f"no {action} form")


def test_page_forms_work_without_javascript(kargo: Kargo, self_cancel: Any) -> None:
    self_cancel("request")
    token = shipment_in_state(kargo, "pending")
    html = kargo.client.http.get(f"/t/{token}?lang=tr").body.decode()
    assert "İptal talebi gönder" in html and "return-request" not in html
    csrf = csrf_of(html, "/cancel")
    forged = post_form(kargo, f"/track/{token}/cancel", {"lang": "tr", "csrf": "nope"})
    assert forged.status_code == 403
    assert order_of(kargo)["requests"] == []
    sent = post_form(kargo, f"/track/{token}/cancel", {"lang": "tr", "csrf": csrf})
    assert sent.status_code == 200
    assert "İptal talebin alındı, mağaza yanıtlayacak" in sent.body.decode()
    again = kargo.client.http.get(f"/t/{token}?lang=en").body.decode()
    assert "Your cancellation request is with the shop" in again
    assert "/cancel" not in again


def test_return_form_in_english(kargo: Kargo) -> None:
    token = shipment_in_state(kargo, "delivered")
    with kargo.at(AFTER_DELIVERY):
        html = kargo.client.http.get(f"/t/{token}?lang=en").body.decode()
        assert "Ask for a return" in html and "within 14 days" in html
        fields = {"lang": "en", "csrf": csrf_of(html, "/return-request"), "reason": "damaged",
                  "resolution": "refund", "comment": ""}  # fmt: skip
        sent = post_form(kargo, f"/track/{token}/return-request", fields)
        assert sent.status_code == 200
        assert "We have your return request; the shop will answer" in sent.body.decode()
    assert order_of(kargo)["requests"][0]["comment"] is None


# --- abuse limits ----------------------------------------------------------------------


def test_shopper_posts_are_rate_limited_per_token(kargo: Kargo) -> None:
    token = shipment_in_state(kargo, "in_transit")
    other = second_parcel_in_transit(kargo)
    with kargo.at(datetime(2026, 11, 23, 9, 0, 5, tzinfo=UTC)):
        for _ in range(20):
            assert shopper_post(kargo, token, "issues", {"kind": "other"}).status_code in (200, 201)
        limited = shopper_post(kargo, token, "feedback", {"score": 5})
        assert (limited.status_code, body_of(limited)["error"]["code"]) == (429, "rate_limited")
        assert 1 <= int(limited.headers["Retry-After"]) <= 600
        form = post_form(kargo, f"/track/{token}/preferences", {"shown": "email"})
        assert form.status_code == 429 and "Retry-After" in form.headers
        # Another parcel's budget is its own.
        assert shopper_post(kargo, other, "issues", {"kind": "other"}).status_code == 201


def test_a_forged_rating_form_is_refused(kargo: Kargo) -> None:
    token = shipment_in_state(kargo, "delivered")
    forged = post_form(kargo, f"/track/{token}/feedback", {"score": "1", "csrf": "x"})
    assert forged.status_code == 403
    assert "This form has expired" in forged.body.decode() or "süresi doldu" in forged.body.decode()
    kargo.settle()
    assert not [n for n in notifications(kargo) if n["kind"] == "complaint"]
    taken = post_form(kargo, f"/track/{token}/feedback", {"score": "5"})  # with the page's token
    assert taken.status_code == 303


def test_one_parcel_picked_up_means_no_cancel_from_any_link(kargo: Kargo) -> None:
    order = order_payload()
    order["shipments"].append({"carrier": "aras", "tracking_number": "AR99887766"})
    tokens = [s["tracking_token"] for s in kargo.register(order)["shipments"]]
    assert all("cancel" in body_of(kargo.track(t))["actions"] for t in tokens)
    update = carrier_update(TRACKING, ("in_transit", "2026-11-21T10:00:00+03:00"))
    assert kargo.webhook(update).status_code == 202
    kargo.settle()
    assert not any("cancel" in body_of(kargo.track(t))["actions"] for t in tokens)
    refused = shopper_post(kargo, tokens[1], "cancel", {})  # the unshipped parcel's link
    assert refused.status_code == 409
