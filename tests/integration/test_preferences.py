"""POST /track/{token}/preferences, the settings page and the one-click
unsubscribe (CONTRACT.md section 8): later notifications follow them and show
as `skipped`."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.integration.conftest import Kargo, carrier_update
from tests.integration.page_helpers import (
    TRACKING,
    attributes,
    notifications,
    post_form,
    post_json,
    shipment_in_state,
    text_of,
)


def set_prefs(kargo: Kargo, token: str, body: Any) -> Any:
    return post_json(kargo, f"/track/{token}/preferences", body)


def stored(kargo: Kargo, order_id: str = "1001") -> dict[str, bool]:
    order = json.loads(kargo.merchant_get(f"/orders/{order_id}").body)
    prefs: dict[str, bool] = order["notifications"]
    return prefs


def deliver(kargo: Kargo) -> None:
    kargo.webhook(carrier_update(TRACKING, ("delivered", "2026-11-24T14:05:00+03:00")))
    kargo.settle()


def latest(kargo: Kargo, kind: str) -> dict[str, str]:
    return {n["channel"]: n["status"] for n in notifications(kargo) if n["kind"] == kind}


def test_preferences_are_stored_and_returned(kargo: Kargo) -> None:
    token = shipment_in_state(kargo, "in_transit")  # the order has e-mail and SMS on
    response = set_prefs(kargo, token, {"email": False, "sms": True})
    assert response.status_code == 200
    assert json.loads(response.body) == {"email": False, "sms": True, "whatsapp": False}
    assert stored(kargo) == {"email": False, "sms": True, "whatsapp": False}


def test_one_channel_keeps_the_other(kargo: Kargo) -> None:
    token = shipment_in_state(kargo, "in_transit")
    assert json.loads(set_prefs(kargo, token, {"sms": False}).body) == {
        "email": True,
        "sms": False,
        "whatsapp": False,
    }
    assert json.loads(set_prefs(kargo, token, {"email": False}).body) == {
        "email": False,
        "sms": False,
        "whatsapp": False,
    }
    assert stored(kargo) == {"email": False, "sms": False, "whatsapp": False}


def test_later_notifications_follow_them(kargo: Kargo) -> None:
    token = shipment_in_state(kargo, "in_transit")
    assert latest(kargo, "in_transit")["email"] == "sent"
    set_prefs(kargo, token, {"email": False})
    mails_before = len(kargo.sent_emails())
    deliver(kargo)
    delivered = latest(kargo, "delivered")
    assert delivered["email"] == "skipped"
    # SMS stays on (sent, or held overnight by quiet hours: either way not skipped).
    assert delivered.get("sms") != "skipped"
    assert len(kargo.sent_emails()) == mails_before


@pytest.mark.parametrize(
    "body",
    [{}, {"email": "no"}, {"email": 0}, {"sms": None}, {"email": True, "push": True}, ["email"]],
)
def test_validation_errors(kargo: Kargo, body: Any) -> None:
    token = shipment_in_state(kargo, "pending")
    response = set_prefs(kargo, token, body)
    assert response.status_code == 400
    error = json.loads(response.body)["error"]
    assert error["code"] == "validation_error" and error["details"]
    assert stored(kargo) == {"email": True, "sms": True, "whatsapp": False}


def test_unknown_token_and_bad_bodies(kargo: Kargo) -> None:
    response = set_prefs(kargo, "D" * 32, {"email": False})
    assert response.status_code == 404
    assert json.loads(response.body)["error"]["code"] == "not_found"
    token = shipment_in_state(kargo, "pending")
    assert set_prefs(kargo, token, b"{").status_code == 400
    plain = kargo.client.http.post(
        f"/track/{token}/preferences", body=b"email=off", headers={"Content-Type": "text/plain"}
    )
    assert plain.status_code == 415


def test_a_concurrent_change_is_read_again(kargo: Kargo, monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib import store

    token = shipment_in_state(kargo, "pending")
    real = store.update_order_document
    calls: list[int] = []

    def busy_once(order_id: str, document: dict[str, Any], read_version: int) -> None:
        calls.append(read_version)
        if len(calls) == 1:
            raise store.ConcurrentUpdate()
        real(order_id, document, read_version)

    monkeypatch.setattr(store, "update_order_document", busy_once)
    assert json.loads(set_prefs(kargo, token, {"sms": False}).body) == {
        "email": True,
        "sms": False,
        "whatsapp": False,
    }
    assert len(calls) == 2
    assert stored(kargo) == {"email": True, "sms": False, "whatsapp": False}


# --- the settings page ---------------------------------------------------------------


def test_settings_page_shows_the_current_choice(kargo: Kargo) -> None:
    token = shipment_in_state(kargo, "pending")
    set_prefs(kargo, token, {"sms": False})
    response = kargo.client.http.get(f"/t/{token}/preferences?lang=en")
    assert response.status_code == 200
    assert response.headers["Referrer-Policy"] == "no-referrer"
    html = response.body.decode()
    boxes = {
        box["name"]: "checked" in box
        for box in attributes(html, "input")
        if box.get("type") == "checkbox"
    }
    assert boxes == {"email": True, "sms": False}
    assert "ayse@example.com" not in html and "+905321234567" not in html
    form = attributes(html, "form")[0]
    assert form["action"] == f"../../track/{token}/preferences"


def test_settings_page_offers_only_channels_the_order_has(kargo: Kargo) -> None:
    customer = {"name": "Ayşe Yılmaz", "email": "ayse@example.com", "locale": "tr"}
    token = shipment_in_state(kargo, "pending", customer=customer, notifications={"email": True})
    html = kargo.client.http.get(f"/t/{token}/preferences").body.decode()
    names = [box["name"] for box in attributes(html, "input") if box.get("type") == "checkbox"]
    assert names == ["email"]


def test_settings_form_post(kargo: Kargo) -> None:
    token = shipment_in_state(kargo, "pending")
    # Only SMS ticked of the two shown: e-mail goes off.
    fields = [("lang", "en"), ("shown", "email"), ("shown", "sms"), ("sms", "on")]
    response = post_form(kargo, f"/track/{token}/preferences", fields)
    assert response.status_code == 303
    assert response.headers["Location"] == f"../../t/{token}/preferences?lang=en&saved=1"
    assert stored(kargo) == {"email": False, "sms": True, "whatsapp": False}
    page = kargo.client.http.get(f"/t/{token}/preferences?lang=en&saved=1").body.decode()
    assert "Your settings have been saved." in text_of(page)


def test_settings_form_that_shows_nothing_is_refused(kargo: Kargo) -> None:
    token = shipment_in_state(kargo, "pending")
    response = post_form(kargo, f"/track/{token}/preferences", {"email": "on"})
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert stored(kargo) == {"email": True, "sms": True, "whatsapp": False}


def test_settings_page_for_an_unknown_token(kargo: Kargo) -> None:
    response = kargo.client.http.get(f"/t/{'E' * 32}/preferences")
    assert response.status_code == 404
    assert text_of(response.body, "h1") == "Bu takip bağlantısı bulunamadı"


# --- one-click unsubscribe ----------------------------------------------------------------


def unsubscribe_path(kargo: Kargo) -> str:
    """The path in the List-Unsubscribe header of the last e-mail sent."""
    header = str(kargo.sent_emails()[-1]["List-Unsubscribe"]).strip().strip("<>")
    assert header.startswith("https://kargo.test/t/") and header.endswith("/unsubscribe")
    return header.removeprefix("https://kargo.test")


def test_unsubscribe_link_shows_a_confirmation_and_changes_nothing(kargo: Kargo) -> None:
    shipment_in_state(kargo, "in_transit")
    response = kargo.client.http.get(unsubscribe_path(kargo))
    assert response.status_code == 200
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
    html = response.body.decode()
    assert text_of(html, "h1") == "E-posta bildirimlerini kapat"
    form = attributes(html, "form")[0]
    assert form["method"] == "post" and form["action"] == "unsubscribe?lang=tr"
    assert stored(kargo) == {
        "email": True,
        "sms": True,
        "whatsapp": False,
    }  # mail scanners only GET


def test_one_click_unsubscribe(kargo: Kargo) -> None:
    shipment_in_state(kargo, "in_transit")
    path = unsubscribe_path(kargo)
    # RFC 8058: the mail client POSTs this body, form-encoded, with no cookies.
    response = post_form(kargo, path, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert "E-posta bildirimleri kapatıldı" in text_of(response.body, "h1")
    assert stored(kargo) == {"email": False, "sms": True, "whatsapp": False}
    # Again is harmless.
    assert post_form(kargo, path, {"List-Unsubscribe": "One-Click"}).status_code == 200

    deliver(kargo)
    delivered = latest(kargo, "delivered")
    assert delivered["email"] == "skipped" and delivered.get("sms") != "skipped"


def test_unsubscribe_accepts_multipart_too(kargo: Kargo) -> None:
    shipment_in_state(kargo, "in_transit")
    boundary = "kargo-boundary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\n'
        f"One-Click\r\n--{boundary}--\r\n"
    ).encode()
    response = kargo.client.http.post(
        unsubscribe_path(kargo),
        body=body,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert response.status_code == 200
    assert stored(kargo)["email"] is False


def test_unsubscribe_with_an_unknown_token(kargo: Kargo) -> None:
    for method in ("get", "post"):
        response = getattr(kargo.client.http, method)(f"/t/{'F' * 32}/unsubscribe")
        assert response.status_code == 404
        assert text_of(response.body, "h1") == "Bu takip bağlantısı bulunamadı"
