"""The tracking page in headless Chromium, as a shopper sees it on a phone and a
desktop: what the page says, in which order, and a rating sent through its form.
Screenshots land in tests/artifacts/ (git-ignored) for a person to look at."""

from __future__ import annotations

import json
from typing import Any

from tests.browser.conftest import ARTIFACTS, DESKTOP, LiveKargo
from tests.integration.conftest import order_payload


def journey(tracking: str, *events: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"carrier": "yurtici", "tracking_number": tracking, "events": list(events), **extra}


def event(status: str, at: str, description: str, city: str, **extra: Any) -> dict[str, Any]:
    return {
        "status": status,
        "occurred_at": at,
        "description": description,
        "location": {"city": city, "country": "TR"},
        **extra,
    }


def turkish_page(context: Any) -> Any:
    """A phone set to Turkish, as most of the shop's customers have."""
    page = context.new_page()
    page.set_extra_http_headers({"Accept-Language": "tr-TR,tr;q=0.9,en;q=0.5"})
    return page


def watch_requests(page: Any) -> list[str]:
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url))
    return seen


def console_errors(page: Any) -> list[str]:
    errors: list[str] = []
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    return errors


def test_phone_turkish_delayed_shipment(live: LiveKargo, browser_context: Any) -> None:
    url = live.register(order_payload("2001", "YT200100200TR"))
    live.carrier_says(
        journey(
            "YT200100200TR",
            event("info_received", "2026-11-20T09:00:00+03:00", "Gönderi kabul edildi", "Bursa"),
            event("in_transit", "2026-11-21T10:00:00+03:00", "Transfer merkezinden çıktı", "Bursa"),
            event(
                "in_transit",
                "2026-11-23T08:15:00+03:00",
                "Yoğunluk nedeniyle bekliyor",
                "İstanbul",
                delayed=True,
            ),
            estimated_delivery="2026-11-25",
        )
    )
    page = turkish_page(browser_context)
    requests = watch_requests(page)
    errors = console_errors(page)
    response = page.goto(url)

    assert response.status == 200
    assert page.locator("html").get_attribute("lang") == "tr"
    assert page.locator("h1").inner_text() == "Siparişin yolda"
    assert "Merhaba Ayşe," in page.locator("main").inner_text()
    assert "Yılmaz" not in page.content()  # nothing but the first name
    banner = page.locator(".banner")
    assert banner.is_visible()
    assert "Gönderin gecikiyor" in banner.inner_text()
    assert "Kargo firması gönderinin gecikeceğini bildirdi." in banner.inner_text()
    assert "25 Kasım 2026" in page.locator(".facts").first.inner_text()
    assert page.locator(".steps [aria-current=step]").inner_text().startswith("Yolda")
    # Newest first, in Istanbul time.
    times = page.locator(".timeline time").all_inner_texts()
    assert times == ["23 Kasım 2026, 08:15", "21 Kasım 2026, 10:00", "20 Kasım 2026, 09:00"]
    assert page.locator(".timeline strong").first.inner_text() == "Yolda"
    link = page.get_by_role("link", name="Yurtiçi Kargo sitesinde takip et")
    assert "YT200100200TR" in (link.get_attribute("href") or "")
    whatsapp = page.get_by_role("link", name="WhatsApp'tan yaz").get_attribute("href") or ""
    assert whatsapp.startswith("https://wa.me/905551112233?")
    # Not delivered yet: nothing to rate.
    assert page.locator("form[action*=feedback]").count() == 0
    # One request, nothing from elsewhere, no CSP complaints about our own style.
    assert requests == [url]
    assert errors == []
    banner_colour = banner.evaluate("element => getComputedStyle(element).backgroundColor")
    assert banner_colour == "rgb(255, 244, 229)"  # the inline stylesheet applied
    page.screenshot(path=str(ARTIFACTS / "phone-tr-delayed.png"), full_page=True)

    # 200% zoom on that phone: half the CSS pixels. Nothing may need sideways scrolling.
    page.set_viewport_size({"width": 195, "height": 422})
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    page.screenshot(path=str(ARTIFACTS / "phone-tr-delayed-zoom200.png"), full_page=True)

    page.set_viewport_size(DESKTOP)
    page.screenshot(path=str(ARTIFACTS / "desktop-tr-delayed.png"), full_page=True)


def test_desktop_english_delivered_and_rated(live: LiveKargo, browser_context: Any) -> None:
    customer = {"name": "Ayşe Yılmaz", "email": "ayse@example.com", "locale": "en"}
    url = live.register(
        order_payload(
            "2002",
            "YT200200300TR",
            customer=customer,
            notifications={"email": True, "sms": False},  # no phone: no SMS
        )
    )
    live.carrier_says(
        journey(
            "YT200200300TR",
            event("in_transit", "2026-11-21T10:00:00+03:00", "Left the hub", "Bursa"),
            event("out_for_delivery", "2026-11-24T08:30:00+03:00", "With the courier", "İzmir"),
            event("delivered", "2026-11-24T14:05:00+03:00", "Delivered to the door", "İzmir"),
        )
    )
    page = browser_context.new_page()
    page.set_viewport_size(DESKTOP)
    page.goto(url)

    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == "Your order has been delivered"
    assert "24 November 2026, 14:05" in page.locator(".facts").first.inner_text()
    assert page.locator(".banner").count() == 0
    steps = page.locator(".steps li")
    assert steps.count() == 4
    assert steps.last.get_attribute("aria-current") == "step"
    assert page.locator(".timeline strong").all_inner_texts() == [
        "Delivered",
        "Out for delivery",
        "In transit",
    ]
    page.screenshot(path=str(ARTIFACTS / "desktop-en-delivered.png"), full_page=True)

    # Rate it the way a person does: pick a score, write a line, press the button.
    page.get_by_label("5 · Excellent").check()
    page.get_by_label("Your comment (optional)").fill("Quick & friendly <courier>")
    with page.expect_navigation():
        page.get_by_role("button", name="Send rating").click()

    assert page.url.startswith(url)  # back on the tracking page after the 303
    thanks = page.locator("#rating").inner_text()
    assert "Thank you for your rating! You gave us 5 out of 5." in thanks
    review = page.get_by_role("link", name="Leave a review")
    assert review.get_attribute("href") == "https://reviews.example/lale-butik"
    assert page.locator("form[action*=feedback]").count() == 0
    page.screenshot(path=str(ARTIFACTS / "desktop-en-rated.png"), full_page=True)


def test_phone_low_rating_alerts_the_shop(live: LiveKargo, browser_context: Any) -> None:
    url = live.register(order_payload("2003", "YT200300400TR"))
    live.carrier_says(
        journey(
            "YT200300400TR",
            event("delivered", "2026-11-24T14:05:00+03:00", "Teslim edildi", "Ankara"),
        )
    )
    page = turkish_page(browser_context)
    page.goto(url)
    page.get_by_label("2 · Kötü").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Puanı gönder").click()

    assert "Puanın: 2/5" in page.locator("#rating").inner_text()
    assert page.get_by_role("link", name="Yorum bırak").count() == 0
    live.kargo.settle()  # the shop's alert goes through the outbox like every message
    complaints = [n for n in live.notifications("2003") if n["kind"] == "complaint"]
    assert [(n["channel"], n["status"]) for n in complaints] == [("merchant", "sent")]


def test_unknown_link_is_a_friendly_page(live: LiveKargo, browser_context: Any) -> None:
    page = turkish_page(browser_context)
    response = page.goto(f"{live.base_url}/t/not-a-real-token-at-all")

    assert response.status == 404
    assert page.locator("h1").inner_text() == "Bu takip bağlantısı bulunamadı"
    page.screenshot(path=str(ARTIFACTS / "phone-tr-not-found.png"), full_page=True)


def test_phone_settings_and_unsubscribe(live: LiveKargo, browser_context: Any) -> None:
    url = live.register(order_payload("2004", "YT200400500TR"))
    page = turkish_page(browser_context)
    page.goto(url)
    page.get_by_role("link", name="Bildirim tercihleri").click()

    assert page.locator("h1").inner_text() == "Bildirim tercihleri"
    email = page.get_by_label("E-posta ile haber ver")
    sms = page.get_by_label("SMS ile haber ver")
    assert email.is_checked() and sms.is_checked()  # as the shop registered the order
    sms.uncheck()
    with page.expect_navigation():
        page.get_by_role("button", name="Kaydet").click()

    assert "Tercihlerin kaydedildi." in page.locator("main").inner_text()
    assert page.get_by_label("E-posta ile haber ver").is_checked()
    assert not page.get_by_label("SMS ile haber ver").is_checked()
    page.screenshot(path=str(ARTIFACTS / "phone-tr-preferences.png"), full_page=True)

    # The e-mails' unsubscribe link: a confirmation first, then one press.
    page.goto(f"{url}/unsubscribe")
    assert page.locator("h1").inner_text() == "E-posta bildirimlerini kapat"
    with page.expect_navigation():
        page.get_by_role("button", name="E-postaları durdur").click()
    assert page.locator("h1").inner_text() == "E-posta bildirimleri kapatıldı"
    page.get_by_role("link", name="Gönderi takibine dön").click()
    assert page.url.startswith(url)
    assert page.locator("h1").inner_text() == "Kargo firmasından ilk bilgi bekleniyor"

    page.goto(f"{url}/preferences")
    assert not page.get_by_label("E-posta ile haber ver").is_checked()
    assert not page.get_by_label("SMS ile haber ver").is_checked()


def test_phone_turkish_asks_to_cancel(
    live: LiveKargo, browser_context: Any, monkeypatch: Any
) -> None:
    from chalicelib.config import reset_settings

    monkeypatch.setenv("KARGO_SELF_CANCEL", "request")
    reset_settings()
    url = live.register(order_payload("2006", "YT200600700TR"))
    page = turkish_page(browser_context)
    page.goto(url)
    section = page.locator("#self-service")
    assert "Siparişi iptal et" in section.inner_text()
    assert page.locator("form[action*=return-request]").count() == 0  # not delivered yet
    page.screenshot(path=str(ARTIFACTS / "phone-tr-self-service.png"), full_page=True)

    with page.expect_navigation():
        page.get_by_role("button", name="İptal talebi gönder").click()
    assert page.locator("h1").inner_text() == "İptal talebin alındı, mağaza yanıtlayacak"
    assert "Siparişin henüz iptal edilmedi" in page.locator("main").inner_text()
    page.screenshot(path=str(ARTIFACTS / "phone-tr-cancel-requested.png"), full_page=True)
    live.kargo.settle()
    alerts = [n for n in live.notifications("2006") if n["channel"] == "merchant"]
    assert [(n["kind"], n["status"]) for n in alerts] == [("cancellation_request", "sent")]

    page.get_by_role("link", name="Gönderi takibine dön").click()
    assert "İptal talebin mağazaya iletildi" in page.locator("#self-service").inner_text()
    assert page.get_by_role("button", name="İptal talebi gönder").count() == 0


def test_desktop_english_return_request(
    live: LiveKargo, browser_context: Any, monkeypatch: Any
) -> None:
    from chalicelib.config import reset_settings

    # The browser runs on today's clock: a window wide enough for any test date.
    monkeypatch.setenv("KARGO_RETURN_WINDOW_DAYS", "100000")
    reset_settings()
    customer = {"name": "Ayşe Yılmaz", "email": "ayse@example.com", "locale": "en"}
    url = live.register(
        order_payload("2007", "YT200700800TR", customer=customer, notifications={"email": True})
    )
    live.carrier_says(
        journey(
            "YT200700800TR",
            event("delivered", "2026-11-24T14:05:00+03:00", "Delivered to the door", "İzmir"),
        )
    )
    page = browser_context.new_page()
    page.set_viewport_size(DESKTOP)
    page.goto(url)
    assert page.locator("form[action$=cancel]").count() == 0  # delivered: nothing to cancel
    page.screenshot(path=str(ARTIFACTS / "desktop-en-self-service.png"), full_page=True)

    page.locator("summary", has_text="Ask for a return").click()  # a disclosure, no script
    page.get_by_label("Wrong size").check()
    page.get_by_label("An exchange").check()
    page.locator("#return-comment").fill("One size too big")
    with page.expect_navigation():
        page.get_by_role("button", name="Send return request").click()
    assert page.locator("h1").inner_text() == "We have your return request; the shop will answer"
    page.screenshot(path=str(ARTIFACTS / "desktop-en-return-requested.png"), full_page=True)
    order = json.loads(live.kargo.merchant_get("/orders/2007").body)
    assert [(r["type"], r["reason"], r["resolution"], r["comment"]) for r in order["requests"]] == [
        ("return", "wrong_size", "exchange", "One size too big")
    ]
