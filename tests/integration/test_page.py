"""GET /t/{token} over HTTP on moto: every state in both languages, the
headers, the 404, and the one DynamoDB read the page may cost."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.integration.conftest import Kargo
from tests.integration.page_helpers import (
    attributes,
    html_lang,
    post_json,
    shipment_in_state,
    text_of,
)

HEADLINES = {
    ("pending", "tr"): "Kargo firmasından ilk bilgi bekleniyor",
    ("pending", "en"): "Waiting for the carrier's first update",
    ("in_transit", "tr"): "Siparişin yolda",
    ("in_transit", "en"): "Your order is on its way",
    ("out_for_delivery", "tr"): "Siparişin bugün dağıtımda",
    ("out_for_delivery", "en"): "Your order is out for delivery today",
    ("delayed", "tr"): "Siparişin yolda",
    ("delayed", "en"): "Your order is on its way",
    ("exception", "tr"): "Gönderinde bir sorun var",
    ("exception", "en"): "There is a problem with your shipment",
    ("delivered", "tr"): "Siparişin teslim edildi",
    ("delivered", "en"): "Your order has been delivered",
    ("returned", "tr"): "Gönderin bize geri döndü",
    ("returned", "en"): "Your parcel has come back to us",
}

PAGE_HEADERS = {
    "Content-Type": "text/html; charset=utf-8",
    "Cache-Control": "private, no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}


def page(kargo: Kargo, token: str, query: str = "", headers: dict[str, str] | None = None) -> Any:
    return kargo.client.http.get(f"/t/{token}{query}", headers=headers or {})


@pytest.mark.parametrize("locale", ["tr", "en"])
@pytest.mark.parametrize("state", sorted({state for state, _ in HEADLINES}))
def test_every_state_in_both_languages(kargo: Kargo, state: str, locale: str) -> None:
    token = shipment_in_state(kargo, state)
    response = page(kargo, token, f"?lang={locale}")

    assert response.status_code == 200
    html = response.body.decode()
    assert html_lang(html) == locale
    assert text_of(html, "h1") == HEADLINES[(state, locale)]
    assert ("Merhaba Ayşe," if locale == "tr" else "Hi Ayşe,") in html
    has_banner = 'class="banner"' in html
    assert has_banner is (state == "delayed")
    has_form = bool([f for f in attributes(html, "form") if "feedback" in (f["action"] or "")])
    assert has_form is (state == "delivered")
    has_steps = 'class="steps' in html
    assert has_steps is (state != "returned")


def test_page_details_in_turkish(kargo: Kargo) -> None:
    token = shipment_in_state(kargo, "in_transit")
    html = page(kargo, token).body.decode()  # the customer's locale: tr

    assert html_lang(html) == "tr"
    facts = text_of(html, "dl")
    assert "Tahmini teslim 25 Kasım 2026" in facts
    assert "Kargo firması Yurtiçi Kargo" in facts
    timeline = text_of(html, "ol")
    # Newest first, Istanbul time.
    assert timeline.index("21 Kasım 2026, 10:00") < timeline.index("20 Kasım 2026, 09:00")
    assert "Transfer merkezinden çıktı" in timeline and "İstanbul, TR" in timeline
    hrefs = [a["href"] or "" for a in attributes(html, "a")]
    assert any(h.startswith("https://www.yurticikargo.com/") for h in hrefs)
    assert any(h.startswith("mailto:support@example.com") for h in hrefs)
    assert not any(h.startswith("https://wa.me/") for h in hrefs)  # no number configured
    assert f"{token}/preferences?lang=tr" in hrefs


def test_delay_banner_gives_the_reason(kargo: Kargo) -> None:
    token = shipment_in_state(kargo, "delayed")
    html = page(kargo, token, "?lang=en").body.decode()
    banner = html[html.index('class="banner"') :]
    assert "Your shipment is running late" in banner
    assert "The carrier has reported a delay." in banner


def test_whatsapp_and_brand_from_the_settings(
    kargo: Kargo, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.config import reset_settings

    monkeypatch.setenv("KARGO_SUPPORT_WHATSAPP", "+905551112233")
    monkeypatch.setenv("KARGO_BRAND_NAME", "Lale Butik")
    reset_settings()
    token = shipment_in_state(kargo, "pending")
    html = page(kargo, token).body.decode()
    assert "<title>Kargo firmasından ilk bilgi bekleniyor · Lale Butik</title>" in html
    hrefs = [a["href"] or "" for a in attributes(html, "a")]
    assert any(h.startswith("https://wa.me/905551112233?text=") for h in hrefs)


def test_language_order(kargo: Kargo) -> None:
    token = shipment_in_state(kargo, "in_transit")
    english = {"Accept-Language": "en-GB,en;q=0.9"}
    assert html_lang(page(kargo, token).body) == "tr"  # the customer's locale
    assert html_lang(page(kargo, token, headers=english).body) == "en"
    assert html_lang(page(kargo, token, "?lang=tr", headers=english).body) == "tr"
    assert html_lang(page(kargo, token, "?lang=xx", headers=english).body) == "en"


def test_headers_on_the_page_and_the_404(kargo: Kargo) -> None:
    token = shipment_in_state(kargo, "in_transit")
    for response, status in ((page(kargo, token), 200), (page(kargo, "x" * 32), 404)):
        assert response.status_code == status
        for name, value in PAGE_HEADERS.items():
            assert response.headers[name] == value
        assert response.headers["X-Robots-Tag"] == "noindex"
        policy = response.headers["Content-Security-Policy"]
        for directive in (
            "default-src 'none'",
            "img-src 'self' data:",
            "form-action 'self'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
        ):
            assert directive in policy
        assert "'unsafe-inline'" not in policy
        assert {"name": "robots", "content": "noindex"} in attributes(response.body, "meta")


def test_every_bad_token_gets_the_same_friendly_404(kargo: Kargo) -> None:
    token = shipment_in_state(kargo, "in_transit")
    bad = ["A" * 32, token[:-1] + ("A" if token[-1] != "A" else "B"), "short", "%3Cscript%3E"]
    bodies = set()
    for candidate in bad:
        response = page(kargo, candidate)
        assert response.status_code == 404
        assert response.headers["Content-Type"] == "text/html; charset=utf-8"
        bodies.add(response.body)
    assert len(bodies) == 1
    html = bodies.pop().decode()
    assert text_of(html, "h1") == "Bu takip bağlantısı bulunamadı"
    english = page(kargo, "A" * 32, headers={"Accept-Language": "en"})
    assert text_of(english.body, "h1") == "We couldn't find this link"


def test_no_personal_data_but_the_first_name(kargo: Kargo) -> None:
    token = shipment_in_state(kargo, "delivered")
    html = page(kargo, token).body.decode()
    for private in ("Yılmaz", "ayse@example.com", "+905321234567", "5321234567", "1001"):
        assert private not in html


@pytest.fixture
def dynamodb_calls() -> Iterator[list[str]]:
    """Every DynamoDB API call the app makes from here on, by operation name."""
    from chalicelib import aws

    calls: list[str] = []

    def count(model: Any, **_: Any) -> None:
        calls.append(model.name)

    events = aws.dynamodb().meta.events
    events.register("before-call.dynamodb", count)
    yield calls
    events.unregister("before-call.dynamodb", count)


def test_the_page_costs_one_dynamodb_read(kargo: Kargo, dynamodb_calls: list[str]) -> None:
    token = shipment_in_state(kargo, "delivered")
    dynamodb_calls.clear()
    assert page(kargo, token).status_code == 200
    # The parcel and its order (what the shopper may do now: return, report, rate),
    # both named by the sealed token, in one call.
    assert dynamodb_calls == ["BatchGetItem"]
    dynamodb_calls.clear()
    assert page(kargo, "B" * 32).status_code == 404
    assert dynamodb_calls == []  # not sealed with Kargo's key: refused before any read
    dynamodb_calls.clear()
    assert page(kargo, "bad!").status_code == 404
    assert dynamodb_calls == []  # not even shaped like a token: no read


def test_rated_page_shows_thanks_instead_of_the_form(kargo: Kargo) -> None:
    token = shipment_in_state(kargo, "delivered")
    assert post_json(kargo, f"/track/{token}/feedback", {"score": 4}).status_code == 200
    html = page(kargo, token, "?lang=en").body.decode()
    assert "Thank you for your rating! You gave us 4 out of 4" not in html
    assert "Thank you for your rating! You gave us 4 out of 5." in html
    assert not [f for f in attributes(html, "form") if "feedback" in (f["action"] or "")]


def test_json_lookup_still_answers(kargo: Kargo) -> None:
    token = shipment_in_state(kargo, "in_transit")
    view = json.loads(kargo.track(token).body)
    assert view["status"] == "in_transit" and view["customer_first_name"] == "Ayşe"
