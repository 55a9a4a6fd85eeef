"""The one set of formatters: dates in KARGO_TIMEZONE, money, carrier names,
Kargo's own events in the reader's language; and Jinja2 kept off the cold path."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from chalicelib.config import reset_settings
from chalicelib.domain.events import TrackingEvent
from chalicelib.domain.status import Status
from chalicelib.rendering.carriers import carrier_name
from chalicelib.rendering.events import (
    KARGO_CANCELLED_BY_SHOP,
    KARGO_CANCELLED_BY_SHOPPER,
    KARGO_EXPIRED,
    event_description,
)
from chalicelib.rendering.formats import (
    format_date,
    format_date_range,
    format_datetime,
    format_money,
)
from chalicelib.tracking import event_view

ISTANBUL = ZoneInfo("Europe/Istanbul")


@pytest.fixture
def new_york(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("KARGO_TIMEZONE", "America/New_York")
    reset_settings()
    yield
    monkeypatch.delenv("KARGO_TIMEZONE")
    reset_settings()


# --- dates -------------------------------------------------------------------------


def test_a_day_is_written_in_each_language() -> None:
    assert format_date("2026-11-25", "tr") == "25 Kasım 2026"
    assert format_date("2026-11-25", "en") == "25 November 2026"
    assert format_date(date(2026, 2, 1), "tr") == "1 Şubat 2026"
    assert format_date(date(2026, 8, 30), "tr") == "30 Ağustos 2026"


def test_a_utc_moment_is_the_day_it_is_in_the_shops_time_zone() -> None:
    # 22:30 UTC on the 24th is 01:30 on the 25th in Istanbul.
    assert format_date("2026-11-24T22:30:00Z", "tr", ISTANBUL) == "25 Kasım 2026"
    moment = datetime(2026, 11, 24, 22, 30, tzinfo=UTC)
    assert format_date(moment, "en", ISTANBUL) == "25 November 2026"
    assert format_date("2026-11-24T20:59:00Z", "tr", ISTANBUL) == "24 Kasım 2026"


def test_the_default_zone_is_kargo_timezone(new_york: None) -> None:
    # 02:00 UTC on the 25th is still the 24th in New York.
    assert format_date("2026-11-25T02:00:00Z", "en") == "24 November 2026"
    assert format_datetime("2026-11-25T02:00:00Z", "en") == "24 November 2026, 21:00"


def test_the_default_zone_is_istanbul_when_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KARGO_TIMEZONE", raising=False)
    reset_settings()
    try:
        assert format_date("2026-11-24T22:30:00Z", "tr") == "25 Kasım 2026"
    finally:
        reset_settings()


def test_a_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="offset"):
        format_date(datetime(2026, 11, 24, 12, 0), "tr")


def test_datetimes_are_local_with_hours_and_minutes() -> None:
    moment = datetime(2026, 11, 23, 5, 15, tzinfo=UTC)
    assert format_datetime(moment, "tr", ISTANBUL) == "23 Kasım 2026, 08:15"
    assert format_datetime(moment, "en", ISTANBUL) == "23 November 2026, 08:15"


@pytest.mark.parametrize(
    ("earliest", "latest", "tr", "en"),
    [
        ("2026-12-03", "2026-12-04", "3–4 Aralık", "3–4 December"),
        ("2026-12-04", "2026-12-03", "3–4 Aralık", "3–4 December"),  # in either order
        ("2026-12-03", "2026-12-03", "3 Aralık", "3 December"),
        ("2026-11-30", "2026-12-02", "30 Kasım – 2 Aralık", "30 November – 2 December"),
        (
            "2026-12-30",
            "2027-01-02",
            "30 Aralık 2026 – 2 Ocak 2027",
            "30 December 2026 – 2 January 2027",
        ),
    ],
)
def test_date_ranges(earliest: str, latest: str, tr: str, en: str) -> None:
    assert format_date_range(earliest, latest, "tr", ISTANBUL) == tr
    assert format_date_range(earliest, latest, "en", ISTANBUL) == en


# --- money -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "currency", "tr", "en"),
    [
        ("249.90", "TRY", "249,90 TL", "TRY 249.90"),
        ("149.9", "TRY", "149,90 TL", "TRY 149.90"),
        ("1234.5", "EUR", "1.234,50 EUR", "EUR 1,234.50"),
        ("1234567", "USD", "1.234.567,00 USD", "USD 1,234,567.00"),
        ("0.5", "try", "0,50 TL", "TRY 0.50"),
        ("999.995", "TRY", "1.000,00 TL", "TRY 1,000.00"),  # half up, as shops round
        ("1500", "JPY", "1.500 JPY", "JPY 1,500"),  # no minor unit
        ("-20.00", "TRY", "-20,00 TL", "TRY -20.00"),
    ],
)
def test_money(amount: str, currency: str, tr: str, en: str) -> None:
    assert format_money(amount, currency, "tr") == tr
    assert format_money(amount, currency, "en") == en


# --- carriers ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("slug", "name"),
    [
        ("yurtici", "Yurtiçi Kargo"),
        ("aras", "Aras Kargo"),
        ("mng", "MNG Kargo"),
        ("ptt", "PTT Kargo"),
        ("hepsijet", "HepsiJET"),
        ("surat", "Sürat Kargo"),
        ("kolaygelsin", "Kolay Gelsin"),
        ("ups", "UPS"),
        ("dhl-ecommerce", "DHL eCommerce"),
        ("tnt", "TNT"),  # unlisted: short slugs are initials
        ("kargoist", "Kargoist"),  # unlisted: a name
        ("sendeo_express", "Sendeo Express"),
    ],
)
def test_carriers_are_named_as_people_know_them(slug: str, name: str) -> None:
    assert carrier_name(slug) == name


# --- Kargo's own events ------------------------------------------------------------


def kargo_event(
    status: Status, marker: str | None, description: str | None = None
) -> TrackingEvent:
    moment = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
    return TrackingEvent("yurtici", "YT1", moment, status, description, carrier_status=marker)


@pytest.mark.parametrize(
    ("status", "marker", "tr", "en"),
    [
        (
            Status.CANCELLED,
            KARGO_CANCELLED_BY_SHOP,
            "Sipariş mağaza tarafından iptal edildi",
            "The shop cancelled the order",
        ),
        (
            Status.CANCELLED,
            KARGO_CANCELLED_BY_SHOPPER,
            "Siparişini iptal ettin",
            "You cancelled the order",
        ),
        (
            Status.EXPIRED,
            KARGO_EXPIRED,
            "Kargo firmasından uzun süre bilgi gelmediği için takip sona erdi",
            "Tracking ended: the carrier sent no news for a long time",
        ),
    ],
)
def test_kargo_events_speak_the_readers_language(
    status: Status, marker: str, tr: str, en: str
) -> None:
    event = kargo_event(status, marker)
    assert event_description(event, "tr") == tr
    assert event_description(event, "en") == en
    assert event_view(event, "tr")["description"] == tr
    assert event_view(event, "en")["description"] == en


def test_events_stored_before_the_marker_are_localised_too() -> None:
    legacy = kargo_event(Status.CANCELLED, None, "Cancelled by the shop")
    assert event_description(legacy, "tr") == "Sipariş mağaza tarafından iptal edildi"


def test_carrier_words_are_shown_as_they_are() -> None:
    carrier = kargo_event(Status.IN_TRANSIT, "ISR", "Transfer merkezinden çıktı")
    assert event_description(carrier, "en") == "Transfer merkezinden çıktı"
    # A marker on a status it does not belong to is a carrier's code, not Kargo's word.
    spoofed = kargo_event(Status.IN_TRANSIT, KARGO_CANCELLED_BY_SHOP, "Yolda")
    assert event_description(spoofed, "tr") == "Yolda"
    assert event_description(kargo_event(Status.EXPIRED, None), "tr") is None


def test_the_shops_cancellation_and_expiry_carry_the_marker() -> None:
    """The use cases that make events emit the markers the renderer knows."""
    from datetime import timedelta

    from chalicelib.after_sale import _cancel
    from chalicelib.domain.shipment import ShipmentState
    from chalicelib.domain.timing import ClockFacts, Timings, expiry_event
    from chalicelib.store import ShipmentRecord

    state = ShipmentState(carrier="yurtici", tracking_number="YT1", status=Status.PENDING)
    now = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
    cancelled = _cancel(ShipmentRecord(state, 1, None, {}), now).state.events[0]
    assert (cancelled.carrier_status, cancelled.description) == (KARGO_CANCELLED_BY_SHOP, None)
    timings = Timings(timedelta(hours=72), timedelta(days=30), timedelta(days=2), ISTANBUL)
    expired = expiry_event(state, ClockFacts(registered_at=now), timings)
    assert (expired.carrier_status, expired.description) == (KARGO_EXPIRED, None)


# --- cold path ---------------------------------------------------------------------


def test_lookup_and_formatters_do_not_import_jinja2() -> None:
    code = (
        "import sys, chalicelib.tracking, chalicelib.rendering, chalicelib.notify.render; "
        "sys.exit(1 if 'jinja2' in sys.modules else 0)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
