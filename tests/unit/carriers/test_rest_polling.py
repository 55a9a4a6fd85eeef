"""What the REST carrier clients share: Retry-After, local times, token expiry,
Turkish name folding and the token cache."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.carriers.rest_polling import (
    TokenCache,
    fold_turkish,
    is_transient,
    istanbul_date,
    istanbul_time,
    retry_after_seconds,
    token_expiry,
)
from chalicelib.domain.events import format_utc
from tests.unit.carriers.polled_helpers import SettableClock

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("7", 7.0),
        (" 120 ", 120.0),
        ("Mon, 23 Nov 2026 09:00:30 GMT", 30.0),
        ("Mon, 23 Nov 2026 08:00:00 GMT", 0.0),  # already past
        (None, None),
        ("", None),
        ("soon", None),
        ("-5", None),
    ],
)
def test_retry_after_in_seconds(header: str | None, seconds: float | None) -> None:
    assert retry_after_seconds(header, NOW) == seconds


@pytest.mark.parametrize(
    ("text", "utc"),
    [
        ("21-11-2026 14:12:45", "2026-11-21T11:12:45Z"),
        ("21.11.2026 14:12:45", "2026-11-21T11:12:45Z"),
        ("21/11/2026 14:12:45", "2026-11-21T11:12:45Z"),
        ("21-11-2026 14:12", "2026-11-21T11:12:00Z"),
        ("2026-11-21T14:12:45", "2026-11-21T11:12:45Z"),
        ("2026-11-21 02:00:00", "2026-11-20T23:00:00Z"),
        ("2026-11-21T14:12:45+00:00", "2026-11-21T14:12:45Z"),
        ("2026-11-21T14:12:45.5+03:00", "2026-11-21T11:12:45.500000Z"),
    ],
)
def test_local_times_are_istanbul_time_made_utc(text: str, utc: str) -> None:
    moment = istanbul_time(text)
    assert moment is not None and format_utc(moment) == utc


@pytest.mark.parametrize("text", [None, "", "yarın", "32-13-2026 25:00:00", "0001-01-01T00:00:00"])
def test_unreadable_times_are_none(text: str | None) -> None:
    assert istanbul_time(text) is None


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("24.11.2026", "2026-11-24"),
        ("24-11-2026", "2026-11-24"),
        ("2026-11-24T00:00:00", "2026-11-24"),
        ("2026-11-24", "2026-11-24"),
        ("2026-11-23T22:30:00Z", "2026-11-24"),  # already the 24th in Istanbul
        ("someday", None),
        (None, None),
    ],
)
def test_estimates_are_days_in_istanbul(text: str | None, day: str | None) -> None:
    assert istanbul_date(text) == day


def test_a_token_is_dropped_five_minutes_before_it_expires_and_never_kept_too_long() -> None:
    hour = timedelta(hours=1)
    assert token_expiry(NOW + timedelta(minutes=30), NOW, hour) == NOW + timedelta(minutes=25)
    assert token_expiry(NOW + timedelta(days=3), NOW, hour) == NOW + timedelta(minutes=55)
    assert token_expiry(None, NOW, hour) == NOW + timedelta(minutes=55)
    assert token_expiry(NOW - timedelta(hours=5), NOW, hour) == NOW + timedelta(minutes=1)


@pytest.mark.parametrize(
    ("spelling", "folded"),
    [
        ("Teslim Edildi", "teslimedildi"),
        ("TESLİM EDİLDİ", "teslimedildi"),
        ("Teslim_Edildi", "teslimedildi"),
        ("Alıcı Adresine Yönlendirildi", "aliciadresineyonlendirildi"),
        ("GÖNDERİ HAZIRLANDI", "gonderihazirlandi"),
        ("Şube Çıkışı", "subecikisi"),
    ],
)
def test_turkish_names_fold_to_one_spelling(spelling: str, folded: str) -> None:
    assert fold_turkish(spelling) == folded


TRANSIENCE = [(408, True), (429, True), (500, True), (503, True), (400, False), (404, False)]


@pytest.mark.parametrize(("code", "transient"), TRANSIENCE)
def test_which_answers_are_worth_asking_again(code: int, transient: bool) -> None:
    assert is_transient(code) is transient


def test_the_token_cache_keeps_a_token_until_it_expires_and_forgets_only_its_own() -> None:
    clock = SettableClock(NOW)
    cache = TokenCache(clock)
    key = ("https://carrier.example", "user")
    cache.put(key, "first", NOW + timedelta(minutes=10))
    assert cache.get(key) == "first"
    assert cache.get(("https://carrier.example", "other")) is None
    cache.forget(key, "stale")  # another thread's rejected token: ours stays
    assert cache.get(key) == "first"
    clock.advance(minutes=10)
    assert cache.get(key) is None
    cache.put(key, "second", NOW + timedelta(hours=1))
    cache.forget(key, "second")
    assert cache.get(key) is None
