"""The merchant console in headless Chromium: signing in with the form, walking
every page with JavaScript off (phone in Turkish, desktop in English), signing
out, and axe-core's accessibility check on every page. Screenshots land in
tests/artifacts/ (git-ignored) for a person to look at."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import ARTIFACTS, CHROMIUM, CHROMIUM_FLAGS, DESKTOP, LiveKargo
from tests.integration.conftest import carrier_update, order_payload

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
TS = int(NOW.timestamp())
AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
NAV = ["overview", "delayed", "search", "requests", "carriers", "ratings"]


@pytest.fixture
def console(live: LiveKargo, monkeypatch: pytest.MonkeyPatch) -> LiveKargo:
    """A shop with history: deliveries through the pipeline, a delay, a low rating,
    and enough deliveries (seeded into the aggregates) for the city rankings."""
    import app
    from chalicelib.stats.aggregate import Delivery
    from chalicelib.store.stats import CountedChange, count_change

    monkeypatch.setattr(app, "utc_now", lambda: NOW)
    kargo = live.kargo

    def ship(order_id: str, tracking: str, city: str, *events: tuple[str, str]) -> str:
        order = order_payload(order_id, tracking)
        order["customer"]["city"] = city
        order["shipments"][0]["estimated_delivery"] = "2026-11-20"
        created = kargo.register(order)
        assert kargo.webhook(carrier_update(tracking, *events), ts=TS).status_code == 202
        kargo.settle()
        token: str = created["shipments"][0]["tracking_token"]
        return token

    token = ship(
        "3001", "YT300100001TR", "Ankara",
        ("in_transit", "2026-11-17T08:00:00Z"), ("delivered", "2026-11-19T10:00:00Z"),
    )  # fmt: skip
    ship("3002", "YT300100002TR", "İstanbul", ("in_transit", "2026-11-21T08:00:00Z"))
    ship("3003", "YT300100003TR", "İzmir",
         ("in_transit", "2026-11-22T08:00:00Z"),
         ("exception", "2026-11-23T08:00:00Z"))  # fmt: skip
    kargo.webhook(
        {"carrier": "yurtici", "tracking_number": "YT300100002TR",
         "events": [{"status": "in_transit", "occurred_at": "2026-11-23T06:00:00Z",
                     "description": "Yoğunluk nedeniyle bekliyor", "delayed": True}]},
        ts=TS,
    )  # fmt: skip
    kargo.settle()
    rated = kargo.client.http.post(
        f"/track/{token}/feedback",
        body=json.dumps({"score": 2, "comment": "Kutu ezik geldi"}).encode(),
        headers={"Content-Type": "application/json"},
    )
    assert rated.status_code == 200, rated.body
    kargo.settle()
    for index in range(150):  # 25 per carrier and city: enough to rank
        carrier = ("yurtici", "aras", "mng")[index % 3]
        city = ("Ankara", "İstanbul")[index % 2]
        count_change(
            CountedChange(
                carrier=carrier, tracking_number=f"SEED{index:04d}", change_id="seed#delivered",
                now=NOW, status_moves=("delivered", None),
                delivery=Delivery(
                    carrier=carrier, city=city, day=date(2026, 11, 10) + timedelta(days=index % 10),
                    on_time=index % (4 if carrier == "aras" else 7) != 0, exception=index % 11 == 0,
                    transit_days=1 + index % (3 if carrier == "mng" else 2),
                ),
            )
        )  # fmt: skip
    return live


def follow(page: Any, selector: str) -> None:
    """Click a link or submit button and wait for the next page to load: reading
    the DOM straight after a click may still see the page being left."""
    with page.expect_navigation(wait_until="load"):
        page.click(selector)


def sign_in(page: Any, base_url: str, lang: str) -> None:
    response = page.goto(f"{base_url}/console?lang={lang}")
    assert response.status == 200
    assert page.url.startswith(f"{base_url}/console/login")
    page.fill("#key", "dev-merchant-key")
    follow(page, "button[type=submit]")
    assert page.url.rstrip("/").startswith(f"{base_url}/console?"), page.url


def walk(page: Any, prefix: str, expected: dict[str, str]) -> None:
    for name in NAV:
        follow(page, f"nav a:text-is('{expected[name]}')")
        assert page.locator("h1").inner_text() == expected[name]
        assert page.locator("nav a[aria-current=page]").inner_text() == expected[name]
        page.screenshot(path=str(ARTIFACTS / f"{prefix}-{name}.png"), full_page=True)


TURKISH = {
    "overview": "Özet", "delayed": "Gecikenler", "search": "Ara", "requests": "Talepler",
    "carriers": "Kargo firmaları", "ratings": "Puanlar",
}  # fmt: skip
ENGLISH = {
    "overview": "Overview", "delayed": "Delayed", "search": "Search", "requests": "Requests",
    "carriers": "Carriers", "ratings": "Ratings",
}  # fmt: skip


@pytest.mark.timeout(900)
def test_phone_turkish(console: LiveKargo, browser_context: Any) -> None:
    page = browser_context.new_page()
    page.set_extra_http_headers({"Accept-Language": "tr-TR,tr;q=0.9"})
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url))
    page.goto(f"{console.base_url}/console/login")
    page.screenshot(path=str(ARTIFACTS / "console-phone-tr-login.png"), full_page=True)
    sign_in(page, console.base_url, "tr")
    overview = page.locator("main").inner_text()
    assert "Şu an geciken" in overview and "Bu haftanın puanları" in overview
    walk(page, "console-phone-tr", TURKISH)
    # The work list leads to the order, with its timeline and notifications.
    follow(page, "nav a:text-is('Gecikenler')")
    assert "Kargo firması bildirdi" in page.locator("table").inner_text()
    follow(page, "table a:text-is('YT300100002TR')")
    assert page.locator("h1").inner_text() == "Sipariş 3002"
    assert "Yoğunluk nedeniyle bekliyor" in page.locator(".timeline").inner_text()
    assert "gönderildi" in page.locator("main").inner_text()
    page.screenshot(path=str(ARTIFACTS / "console-phone-tr-order.png"), full_page=True)
    # Search by tracking number, typed the way people type it.
    follow(page, "nav a:text-is('Ara')")
    page.fill("#q", "yt 3001 00001 tr")
    follow(page, "form[role=search] button")
    follow(page, "main a:text-is('YT300100001TR')")
    assert page.locator("h1").inner_text() == "Sipariş 3001"
    own = console.base_url
    assert all(url.startswith(own) or url.startswith("data:") for url in seen), seen


@pytest.mark.timeout(900)
def test_desktop_english_and_sign_out(console: LiveKargo, browser_context: Any) -> None:
    page = browser_context.new_page()
    page.set_viewport_size(DESKTOP)
    sign_in(page, console.base_url, "en")
    walk(page, "console-desktop-en", ENGLISH)
    follow(page, "nav a:text-is('Carriers')")
    assert page.locator("svg.chart").count() == 2
    ankara = page.locator("table", has=page.locator("caption:text-is('Ankara')")).inner_text()
    assert "Yurtiçi Kargo" in ankara and "Aras Kargo" in ankara
    follow(page, "a:text-is('Last 90 days')")
    assert page.locator("a[aria-current=page]:text-is('Last 90 days')").count() == 1
    page.screenshot(path=str(ARTIFACTS / "console-desktop-en-carriers-90.png"), full_page=True)
    follow(page, "nav a:text-is('Ratings')")
    assert "Kutu ezik geldi" in page.locator("main").inner_text()
    follow(page, "nav a:text-is('Overview')")
    follow(page, "button:text-is('Sign out')")
    assert "/console/login" in page.url
    assert "You have signed out." in page.locator("main").inner_text()
    page.goto(f"{console.base_url}/console/carriers?lang=en")
    assert "/console/login" in page.url  # the session is gone


@pytest.fixture
def scripted_page(tmp_path: Path) -> Iterator[Any]:
    """For axe only: JavaScript on, and the page's CSP bypassed so that the
    checker can be injected (the console itself runs no script)."""
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed at /usr/bin/chromium; the browser tests need it")
    if not AXE.exists():
        pytest.skip(
            "axe-core is missing: run `npm install` in tests/browser/ (needs node and npm) "
            "for the accessibility check"
        )
    sync_api = pytest.importorskip("playwright.sync_api", reason="`playwright` is missing")
    with sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "axe-profile"), executable_path=str(CHROMIUM),
            args=CHROMIUM_FLAGS[1:], headless=True, viewport=DESKTOP, bypass_csp=True,
        )  # fmt: skip
        context.set_default_timeout(15_000)
        try:
            yield context.new_page()
        finally:
            context.close()


def test_the_checker_finds_what_it_should(scripted_page: Any) -> None:
    """A page with known faults: an empty result below means a clean page, not a
    checker that never ran."""
    scripted_page.set_content("<html><body><img src='data:,'><a href='#'></a></body></html>")
    found = {v["id"] for v in axe_violations(scripted_page)}
    assert {"image-alt", "html-has-lang", "link-name"} <= found


def axe_violations(page: Any) -> list[dict[str, Any]]:
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result: dict[str, Any] = page.evaluate(
        "async () => await axe.run(document, {resultTypes: ['violations']})"
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
    ]


@pytest.mark.timeout(900)
def test_accessibility(console: LiveKargo, scripted_page: Any) -> None:
    for lang in ("tr", "en"):
        check_accessibility(console, scripted_page, lang)


def check_accessibility(console: LiveKargo, page: Any, lang: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{console.base_url}/console/login?lang={lang}")
    found: dict[str, list[dict[str, Any]]] = {"login": axe_violations(page)}
    sign_in(page, console.base_url, lang)
    for path in ["", "/delayed", "/search?q=3001x", "/requests", "/carriers", "/ratings",
                 "/orders/3002", "/carriers?days=90"]:  # fmt: skip
        page.goto(f"{console.base_url}/console{path}{'&' if '?' in path else '?'}lang={lang}")
        found[path or "/"] = axe_violations(page)
    report = ARTIFACTS / f"console-axe-{lang}.json"
    report.write_text(json.dumps(found, indent=2, ensure_ascii=False), encoding="utf-8")
    serious = {
        name: [v for v in violations if v["impact"] in ("serious", "critical")]
        for name, violations in found.items()
    }
    assert not any(serious.values()), serious
