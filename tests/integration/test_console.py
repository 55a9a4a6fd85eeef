"""The merchant console over HTTP: sign-in, sessions, CSRF, rate limits, sign-out
revocation, redirects, headers, and the pages' contents."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.integration.conftest import Kargo, carrier_update, order_payload
from tests.integration.console_helpers import (
    cookie_header,
    csrf_of,
    get_page,
    login_form,
    post_form,
    sign_in,
)

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
PAGES = [
    "/console",
    "/console/delayed",
    "/console/search",
    "/console/requests",
    "/console/carriers",
    "/console/carriers?days=90",
    "/console/ratings",
    "/console/orders/1001",
]


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    import app

    pinned = Clock()
    monkeypatch.setattr(app, "utc_now", pinned)
    return pinned


def set_cookies(response: Any) -> list[str]:
    raw = response.headers.get("Set-Cookie") or ""
    return raw if isinstance(raw, list) else [raw]


# --- sign-in --------------------------------------------------------------------


@pytest.mark.parametrize("path", PAGES)
def test_every_page_redirects_to_sign_in_without_a_session(kargo: Kargo, path: str) -> None:
    response = kargo.client.http.get(path)
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/console/login?lang=")


def test_sign_in_sets_a_hardened_session_cookie_and_redirects(kargo: Kargo) -> None:
    jar, token = login_form(kargo)
    response = post_form(kargo, "/console/login", {"csrf": token, "key": "dev-merchant-key"}, jar)
    assert response.status_code == 303
    assert response.headers["Location"] == "/console?lang=tr"
    [session] = [c for c in set_cookies(response) if c.startswith("kargo_console=")]
    attributes = {part.strip() for part in session.split(";")[1:]}
    assert {"HttpOnly", "SameSite=Strict", "Secure", "Max-Age=28800"} <= attributes
    assert "Path" not in session  # scoped to the console by the browser
    value = session.split(";")[0].split("=", 1)[1]
    assert "dev-merchant-key" not in value
    page = get_page(kargo, "/console", {"kargo_console": value})
    assert page.status_code == 200
    assert "Özet" in page.body.decode()


def test_session_lifetime_follows_the_setting(
    kargo: Kargo, monkeypatch: pytest.MonkeyPatch, clock: Clock
) -> None:
    from chalicelib.config import reset_settings

    monkeypatch.setenv("KARGO_CONSOLE_SESSION_HOURS", "2")
    reset_settings()
    jar = sign_in(kargo)
    clock.now = NOW + timedelta(hours=1, minutes=59)
    assert get_page(kargo, "/console", jar).status_code == 200
    clock.now = NOW + timedelta(hours=2)
    assert get_page(kargo, "/console", jar).status_code == 303


def test_plain_http_on_127_0_0_1_drops_secure(
    kargo: Kargo, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.config import reset_settings

    monkeypatch.setenv("KARGO_PUBLIC_URL", "http://127.0.0.1:8000")
    reset_settings()
    jar, token = login_form(kargo)
    response = post_form(kargo, "/console/login", {"csrf": token, "key": "dev-merchant-key"}, jar)
    [session] = [c for c in set_cookies(response) if c.startswith("kargo_console=")]
    assert "Secure" not in session and "HttpOnly" in session


def test_a_wrong_key_is_refused_with_the_form_again(kargo: Kargo) -> None:
    jar, token = login_form(kargo)
    response = post_form(kargo, "/console/login", {"csrf": token, "key": "guess"}, jar)
    assert response.status_code == 401
    assert "Anahtar yanlış" in response.body.decode()
    assert not [c for c in set_cookies(response) if c.startswith("kargo_console=")]
    csrf_of(response.body)  # a fresh form to try again


@pytest.mark.parametrize("case", ["no token", "wrong token", "no pre-session cookie"])
def test_sign_in_needs_its_csrf_token(kargo: Kargo, case: str) -> None:
    jar, token = login_form(kargo)
    fields = {"key": "dev-merchant-key", "csrf": token}
    if case == "no token":
        del fields["csrf"]
    elif case == "wrong token":
        fields["csrf"] = "0" * 64
    else:
        jar = {}
    response = post_form(kargo, "/console/login", fields, jar)
    assert response.status_code == 403
    assert not [c for c in set_cookies(response) if c.startswith("kargo_console=")]


def test_failed_sign_ins_are_rate_limited(kargo: Kargo, clock: Clock) -> None:
    for _ in range(5):
        jar, token = login_form(kargo)
        assert (
            post_form(kargo, "/console/login", {"csrf": token, "key": "x"}, jar).status_code == 401
        )
    jar, token = login_form(kargo)
    # Even the right key waits: the limit is on the address, not on the guess.
    limited = post_form(kargo, "/console/login", {"csrf": token, "key": "dev-merchant-key"}, jar)
    assert limited.status_code == 429
    retry_after = int(limited.headers["Retry-After"])
    assert 0 < retry_after <= 15 * 60
    assert not [c for c in set_cookies(limited) if c.startswith("kargo_console=")]
    clock.now = NOW + timedelta(seconds=retry_after)
    sign_in(kargo)  # a new window


def test_successful_sign_ins_are_not_counted(kargo: Kargo) -> None:
    for _ in range(8):
        sign_in(kargo)


# --- sessions and sign-out ---------------------------------------------------------


def test_sign_out_revokes_the_session_on_the_server(kargo: Kargo) -> None:
    jar = sign_in(kargo)
    page = get_page(kargo, "/console", jar)
    response = post_form(kargo, "/console/logout", {"csrf": csrf_of(page.body)}, jar)
    assert response.status_code == 303
    assert response.headers["Location"] == "/console/login?signed_out=1&lang=tr"
    assert any(c.startswith("kargo_console=;") for c in set_cookies(response))
    # The same cookie, replayed, signs nobody in.
    assert get_page(kargo, "/console", jar).status_code == 303
    again = post_form(kargo, "/console/logout", {"csrf": csrf_of(page.body)}, jar)
    assert again.status_code == 303 and "/console/login" in again.headers["Location"]


def test_sign_out_needs_the_csrf_token(kargo: Kargo) -> None:
    jar = sign_in(kargo)
    response = post_form(kargo, "/console/logout", {"csrf": "f" * 64}, jar)
    assert response.status_code == 403
    assert get_page(kargo, "/console", jar).status_code == 200  # still signed in


def test_a_token_from_another_session_is_refused(kargo: Kargo) -> None:
    first, second = sign_in(kargo), sign_in(kargo)
    token_of_first = csrf_of(get_page(kargo, "/console", first).body)
    response = post_form(kargo, "/console/logout", {"csrf": token_of_first}, second)
    assert response.status_code == 403


@pytest.mark.parametrize("value", ["garbage", "eyJzaWQiOiJ4In0.forged", ""])
def test_forged_cookies_sign_nobody_in(kargo: Kargo, value: str) -> None:
    assert get_page(kargo, "/console", {"kargo_console": value}).status_code == 303


def test_a_cookie_signed_with_another_secret_is_refused(
    kargo: Kargo, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.config import reset_settings

    jar = sign_in(kargo)
    monkeypatch.setenv("KARGO_CONSOLE_SECRET", "another-secret")
    reset_settings()
    assert get_page(kargo, "/console", jar).status_code == 303


# --- headers and pages -------------------------------------------------------------


@pytest.mark.parametrize("path", [*PAGES[:-1], "/console/login"])
def test_page_headers(kargo: Kargo, path: str) -> None:
    jar = sign_in(kargo)
    response = get_page(kargo, path, jar)
    assert response.status_code == 200, response.body
    headers = response.headers
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert headers["Cache-Control"] == "private, no-store"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["X-Content-Type-Options"] == "nosniff"
    csp = headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "default-src 'none'" in csp
    body = response.body.decode()
    assert "<script" not in body and "http://" not in body.replace("http://www.w3.org", "")


def test_pages_in_english(kargo: Kargo) -> None:
    jar = sign_in(kargo)
    body = get_page(kargo, "/console?lang=en", jar).body.decode()
    assert '<html lang="en">' in body and "Shipments by status" in body
    accept = kargo.client.http.get(
        "/console", headers={"Cookie": cookie_header(jar), "Accept-Language": "en-GB,en;q=0.9"}
    )
    assert "Overview" in accept.body.decode()


def shipped(kargo: Kargo) -> None:
    order = order_payload("1001", "YT123456789TR")
    order["customer"]["city"] = "Ankara"
    kargo.register(order)
    ts = int(NOW.timestamp())
    kargo.webhook(carrier_update("YT123456789TR", ("in_transit", "2026-11-23T05:00:00Z")), ts=ts)
    kargo.settle()


def test_the_order_page_shows_timeline_and_every_notification(kargo: Kargo) -> None:
    shipped(kargo)
    jar = sign_in(kargo)
    body = get_page(kargo, "/console/orders/1001?lang=en", jar).body.decode()
    assert "YT123456789TR" in body and "In transit" in body
    notes = json.loads(kargo.merchant_get("/orders/1001/notifications").body)["notifications"]
    assert notes, "the pipeline sent something"
    assert body.count("<tr>") - 1 == len(notes)  # one row per notification, header aside
    for note in notes:
        assert {"email": "E-mail", "sms": "SMS"}[note["channel"]] in body
    assert "sent" in body


def test_unknown_order_is_a_404_page(kargo: Kargo) -> None:
    jar = sign_in(kargo)
    response = get_page(kargo, "/console/orders/nope", jar)
    assert response.status_code == 404
    assert "<html" in response.body.decode()


def test_search_by_order_id_goes_to_the_order(kargo: Kargo) -> None:
    shipped(kargo)
    jar = sign_in(kargo)
    response = get_page(kargo, "/console/search?q=1001", jar)
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/console/orders/1001")


def test_search_by_tracking_number_in_any_spelling(kargo: Kargo) -> None:
    shipped(kargo)
    jar = sign_in(kargo)
    body = get_page(kargo, "/console/search?q=yt-1234-56789-tr&lang=en", jar).body.decode()
    assert "/console/orders/1001" in body
    nothing = get_page(kargo, "/console/search?q=%3Cb%3E&lang=en", jar).body.decode()
    assert "Nothing found for “&lt;b&gt;”" in nothing


def test_overview_counts_and_delays(kargo: Kargo) -> None:
    shipped(kargo)
    jar = sign_in(kargo)
    body = get_page(kargo, "/console?lang=en", jar).body.decode()
    assert '<td>In transit</td><td class="num">1</td>' in body


def test_the_requests_inbox_is_empty_for_now(kargo: Kargo) -> None:
    jar = sign_in(kargo)
    body = get_page(kargo, "/console/requests?lang=en", jar).body.decode()
    assert "No open requests" in body


def test_deciding_an_unknown_request(kargo: Kargo) -> None:
    jar = sign_in(kargo)
    token = csrf_of(get_page(kargo, "/console", jar).body)
    path = "/console/orders/1001/requests/req_1/approve"
    assert post_form(kargo, path, {"csrf": "bad"}, jar).status_code == 403
    assert post_form(kargo, path, {"csrf": token}, jar).status_code == 404
    bad = post_form(kargo, "/console/orders/1001/requests/req_1/delete", {"csrf": token}, jar)
    assert bad.status_code == 404


def test_the_carriers_page_draws_charts_after_deliveries(kargo: Kargo) -> None:
    shipped(kargo)
    ts = int(NOW.timestamp())
    kargo.webhook(carrier_update("YT123456789TR", ("delivered", "2026-11-24T07:00:00Z")), ts=ts)
    kargo.settle()
    jar = sign_in(kargo)
    body = get_page(kargo, "/console/carriers?lang=en", jar).body.decode()
    assert body.count("<svg") == 2 and "Yurtiçi Kargo" in body
    assert "Ankara" in body and "Not ranked (too few deliveries)" in body
