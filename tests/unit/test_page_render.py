"""The tracking page without AWS: the page model worked out from a stored
shipment, and the HTML it renders to (escaping, language, CSP, no PII)."""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from chalicelib.config import Settings, load_settings
from chalicelib.domain.events import Location, TrackingEvent
from chalicelib.domain.shipment import DelayReason, ShipmentState
from chalicelib.domain.status import Status
from chalicelib.shopper.carriers import KNOWN_CARRIERS, carrier_name, carrier_tracking_url
from chalicelib.shopper.page import (
    content_security_policy,
    format_estimate,
    render_not_found,
    render_tracking_page,
    safe_link,
    tracking_page,
    whatsapp_url,
)
from chalicelib.store import Registration, ShipmentRecord
from tests.integration.page_helpers import attributes, html_lang, text_of

TOKEN = "tok_" + "a" * 28


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def event(status: Status, when: str, **extra: Any) -> TrackingEvent:
    return TrackingEvent("yurtici", "YT123456789TR", at(when), status, **extra)


def record(
    status: Status = Status.IN_TRANSIT,
    events: tuple[TrackingEvent, ...] = (),
    carrier: str = "yurtici",
    extra: dict[str, Any] | None = None,
    return_id: str | None = None,
    **state: Any,
) -> ShipmentRecord:
    shipment = ShipmentState(
        carrier=carrier,
        tracking_number="YT123456789TR",
        status=status,
        status_at=events[0].occurred_at if events else None,
        events=events,
        reached=frozenset(e.status for e in events),
        **state,
    )
    registration = Registration(
        order_id="1001",
        token=TOKEN,
        first_name="Ayşe",
        locale="tr",
        registered_at=at("2026-11-19T12:00:00+03:00"),
        return_id=return_id,
    )
    return ShipmentRecord(shipment, 3, registration, extra or {})


@pytest.fixture
def config() -> Settings:
    return replace(
        load_settings(),
        brand_name="Lale <Butik>",
        support_whatsapp="+90 555 111 22 33",
        review_url="https://reviews.example/lale",
    )


IN_TRANSIT = (
    event(
        Status.IN_TRANSIT,
        "2026-11-23T08:15:00+03:00",
        description="Transfer merkezinden çıktı",
        location=Location(city="İstanbul", country="TR"),
    ),
    event(Status.INFO_RECEIVED, "2026-11-20T09:00:00+03:00"),
)


def test_in_transit_page_model(config: Settings) -> None:
    page = tracking_page(record(events=IN_TRANSIT, estimated_delivery="2026-11-25"), "tr", config)

    assert page.greeting == "Merhaba Ayşe,"
    assert page.headline == "Siparişin yolda"
    assert page.status_label == "Yolda"
    assert [(s.label, s.state) for s in page.steps] == [
        ("Hazırlık", "done"),
        ("Yolda", "current"),
        ("Dağıtımda", "todo"),
        ("Teslim edildi", "todo"),
    ]
    assert page.estimate == "25 Kasım 2026"
    assert page.delay is None
    assert [(e.local_time, e.label) for e in page.timeline] == [
        ("23 Kasım 2026, 08:15", "Yolda"),
        ("20 Kasım 2026, 09:00", "Kargoya hazırlanıyor"),
    ]
    assert page.timeline[0].utc_time == "2026-11-23T05:15:00Z"
    assert page.timeline[0].location == "İstanbul, TR"
    assert page.carrier_name == "Yurtiçi Kargo"
    assert page.carrier_url is not None and page.carrier_url.endswith("code=YT123456789TR")
    assert not page.rating.show_form


def test_times_follow_the_configured_zone(config: Settings) -> None:
    new_york = replace(config, timezone="America/New_York")
    page = tracking_page(record(events=IN_TRANSIT), "en", new_york)
    assert page.timeline[0].local_time == "23 November 2026, 00:15"
    assert page.times_note == "Times are shown in the America/New_York time zone."


def test_delay_banner_names_the_reason(config: Settings) -> None:
    delayed = record(
        events=IN_TRANSIT, delayed=True, delay_reason=DelayReason.ETA_PASSED, delay_since=None
    )
    assert tracking_page(delayed, "en", config).delay == (
        "The estimated delivery date has passed and your parcel has not arrived yet."
    )
    assert tracking_page(delayed, "tr", config).delay == (
        "Tahmini teslim tarihi geçti ve gönderin henüz teslim edilmedi."
    )


@pytest.mark.parametrize(
    ("status", "current", "problem"),
    [
        (Status.PENDING, 0, False),
        (Status.INFO_RECEIVED, 0, False),
        (Status.OUT_FOR_DELIVERY, 2, False),
        (Status.FAILED_ATTEMPT, 2, True),
        (Status.DELIVERED, 3, False),
        (Status.EXCEPTION, 1, True),  # stays where the journey got to
    ],
)
def test_progress_steps(config: Settings, status: Status, current: int, problem: bool) -> None:
    events: tuple[TrackingEvent, ...] = (event(status, "2026-11-24T08:30:00+03:00"), *IN_TRANSIT)
    if status in (Status.PENDING, Status.INFO_RECEIVED):
        events = ()
    page = tracking_page(record(status=status, events=events), "en", config)
    states = [step.state for step in page.steps]
    assert states.index("current") == current
    assert states[:current] == ["done"] * current
    assert page.problem is problem


def test_pickup_names_the_step_by_the_status(config: Settings) -> None:
    events = (event(Status.AVAILABLE_FOR_PICKUP, "2026-11-24T08:30:00+03:00"),)
    page = tracking_page(record(Status.AVAILABLE_FOR_PICKUP, events), "en", config)
    assert page.steps[2].label == "Ready for pickup"


@pytest.mark.parametrize(
    "status", [Status.RETURNING, Status.RETURNED, Status.FAILED, Status.CANCELLED, Status.EXPIRED]
)
def test_no_progress_bar_off_course(config: Settings, status: Status) -> None:
    page = tracking_page(record(status=status, events=IN_TRANSIT), "en", config)
    assert page.steps == ()
    assert page.estimate is None  # no promise about a parcel that is not coming


def test_delivered_page_offers_the_rating_form(config: Settings) -> None:
    events = (event(Status.DELIVERED, "2026-11-24T14:05:00+03:00"), *IN_TRANSIT)
    page = tracking_page(record(Status.DELIVERED, events), "en", config)
    assert page.headline == "Your order has been delivered"
    assert page.delivered_at == "24 November 2026, 14:05"
    assert page.last_update is None
    assert page.rating.show_form and page.rating.score is None


def test_rated_page_thanks_and_invites_a_review(config: Settings) -> None:
    events = (event(Status.DELIVERED, "2026-11-24T14:05:00+03:00"),)
    rated = record(Status.DELIVERED, events, extra={"feedback": {"score": 5}})
    page = tracking_page(rated, "tr", config)
    assert not page.rating.show_form
    assert page.rating.thanks == "Değerlendirmen için teşekkürler! Puanın: 5/5."
    assert page.rating.review_url == "https://reviews.example/lale"
    unhappy = tracking_page(
        record(Status.DELIVERED, events, extra={"feedback": {"score": 2}}), "tr", config
    )
    assert unhappy.rating.review_url is None


def test_a_return_reads_as_a_return_and_is_not_rated(config: Settings) -> None:
    events = (event(Status.DELIVERED, "2026-11-24T14:05:00+03:00"),)
    page = tracking_page(record(Status.DELIVERED, events, return_id="r1"), "en", config)
    assert page.headline == "We have received your return"
    assert page.is_return
    assert not page.rating.show_form


def test_unknown_events_show_as_updates(config: Settings) -> None:
    events = (event(Status.UNKNOWN, "2026-11-24T08:00:00+03:00", description="XYZ"), *IN_TRANSIT)
    page = tracking_page(record(Status.IN_TRANSIT, events), "en", config)
    assert page.timeline[0].label == "Update"


def test_carrier_table() -> None:
    linked = {"yurtici", "aras", "mng", "ptt", "ups", "fedex", "usps", "dhl"}
    named_only = {"hepsijet", "kolaygelsin", "surat"}  # no confirmed public tracking page
    assert set(KNOWN_CARRIERS) == linked | named_only
    for slug in linked:
        url = carrier_tracking_url(slug, "AB-123")
        assert url is not None and url.startswith("https://") and "AB-123" in url
    for slug in named_only:
        assert carrier_tracking_url(slug, "AB-123") is None
    assert [carrier_name(slug) for slug in sorted(named_only)] == [
        "HepsiJET",
        "Kolay Gelsin",
        "Sürat Kargo",
    ]
    assert carrier_tracking_url("borusan", "AB-123") is None
    assert carrier_name("borusan") == "BORUSAN"


def test_small_formatters() -> None:
    assert whatsapp_url("+90 555 111 22 33", "Merhaba") == "https://wa.me/905551112233?text=Merhaba"
    assert whatsapp_url(None, "x") is None
    assert whatsapp_url("", "x") is None
    assert safe_link("javascript:alert(1)") is None
    assert safe_link("https://example.com/r") == "https://example.com/r"
    istanbul = load_settings().zone
    assert format_estimate("2026-11-25", "en", istanbul) == "25 November 2026"
    # 22:30 UTC on the 24th is already the 25th in Istanbul.
    assert format_estimate("2026-11-24T22:30:00Z", "tr", istanbul) == "25 Kasım 2026"
    assert format_estimate(None, "tr", istanbul) is None


# --- HTML ------------------------------------------------------------------------------


def rendered(config: Settings, locale: str = "tr", **kwargs: Any) -> str:
    kwargs.setdefault("events", IN_TRANSIT)
    return render_tracking_page(tracking_page(record(**kwargs), locale, config))  # type: ignore[arg-type]


def test_html_is_escaped(config: Settings) -> None:
    hostile = (
        event(
            Status.IN_TRANSIT,
            "2026-11-23T08:15:00+03:00",
            description='<script>alert("x")</script>',
            location=Location(city="<img src=x onerror=alert(1)>"),
        ),
    )
    html = rendered(config, events=hostile)
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;" in html
    assert "Lale &lt;Butik&gt;" in html  # the brand name too


def test_html_language_and_robots(config: Settings) -> None:
    for locale in ("tr", "en"):
        html = rendered(config, locale)
        assert html_lang(html) == locale
        metas = attributes(html, "meta")
        assert {"name": "robots", "content": "noindex"} in metas
    assert text_of(rendered(config, "en"), "h1") == "Your order is on its way"
    assert text_of(rendered(config, "tr"), "h1") == "Siparişin yolda"


def test_style_hash_matches_the_policy(config: Settings) -> None:
    html = rendered(config)
    style = re.search(r"<style>(.*?)</style>", html, re.S)
    assert style is not None
    digest = base64.b64encode(hashlib.sha256(style.group(1).encode()).digest()).decode()
    policy = content_security_policy()
    assert f"style-src 'sha256-{digest}'" in policy
    assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy
    assert "style=" not in html  # inline style attributes would need 'unsafe-inline'


def test_nothing_is_loaded_from_elsewhere(config: Settings) -> None:
    html = rendered(config)
    assert "<script" not in html
    for tag in ("img", "script", "iframe"):
        assert attributes(html, tag) == []
    links = attributes(html, "link")
    assert links == [{"rel": "icon", "href": "data:,"}]  # no favicon request either
    assert len(html.encode()) < 20_000  # a small page


def test_forms_have_labels(config: Settings) -> None:
    events = (event(Status.DELIVERED, "2026-11-24T14:05:00+03:00"),)
    html = rendered(config, "en", status=Status.DELIVERED, events=events)
    assert "<fieldset>" in html and "<legend>" in html
    for control in attributes(html, "input"):
        if control.get("type") == "radio":
            assert control.get("name") == "score"
    assert '<label class="field" for="comment">' in html
    assert attributes(html, "textarea")[0]["id"] == "comment"
    form = attributes(html, "form")[0]
    assert form["method"] == "post" and form["action"] == f"../track/{TOKEN}/feedback"


def test_only_the_first_name(config: Settings) -> None:
    html = rendered(config)
    assert "Ayşe" in html
    for private in ("Yılmaz", "@example.com>", "+90532", "1001"):
        assert private not in html


def test_not_found_page_is_the_same_for_everyone(config: Settings) -> None:
    first = render_not_found("tr", config)
    assert first == render_not_found("tr", config)
    assert text_of(first, "h1") == "Bu takip bağlantısı bulunamadı"
    assert text_of(render_not_found("en", config), "h1") == "We couldn't find this link"
