"""Shared reading rules: tracking numbers, times, estimates, countries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from chalicelib.carriers import vendor_payloads as read
from chalicelib.carriers.countries import COUNTRIES, alpha2_for, zone_for
from chalicelib.errors import UnprocessableDelivery

ISTANBUL = zone_for("TUR")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("YT123456789TR", "YT123456789TR"),
        ("1z 999 aa1 0123 4567 84", "1Z999AA10123456784"),
        ("\t9400 1108 9882 5022 5794 93\n", "9400110898825022579493"),
        ("abc-1234", "ABC1234"),
    ],
)
def test_tracking_numbers_lose_whitespace_and_are_upper_cased(raw: str, expected: str) -> None:
    assert read.tracking_number_from(raw, "vendor") == expected


@pytest.mark.parametrize(
    "raw", [None, "", "ABC", "SHIPPO_TRANSIT", "YT/123/456", "Ä1234", "X" * 65, "12 3"]
)
def test_an_unusable_tracking_number_is_a_dead_letter(raw: str | None) -> None:
    with pytest.raises(UnprocessableDelivery):
        read.tracking_number_from(raw, "vendor")


@pytest.mark.parametrize(
    ("raw", "zone", "expected"),
    [
        ("2026-11-23T08:15:00+03:00", UTC, datetime(2026, 11, 23, 5, 15, tzinfo=UTC)),
        ("2026-11-23T05:15:00Z", ISTANBUL, datetime(2026, 11, 23, 5, 15, tzinfo=UTC)),
        ("2026-11-23T08:15:00", ISTANBUL, datetime(2026, 11, 23, 5, 15, tzinfo=UTC)),
        ("2026-11-23T08:15:00", UTC, datetime(2026, 11, 23, 8, 15, tzinfo=UTC)),
        ("2026-11-23", ISTANBUL, datetime(2026, 11, 22, 21, 0, tzinfo=UTC)),
        ("2018-07-29T16:44:42.586", UTC, datetime(2018, 7, 29, 16, 44, 42, 586000, tzinfo=UTC)),
        (
            "2026-11-23T08:15:00-05:30",
            timezone(timedelta(hours=9)),
            datetime(2026, 11, 23, 13, 45, tzinfo=UTC),
        ),
    ],
)
def test_vendor_times_become_utc(raw: str, zone: timezone, expected: datetime) -> None:
    moment = read.vendor_time(raw, zone)
    assert moment == expected
    assert moment is not None and moment.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    "raw", [None, "", "yesterday", "2026-13-01T00:00:00Z", "0001-01-01T00:00:00+03:00"]
)
def test_unreadable_times_are_none(raw: str | None) -> None:
    assert read.vendor_time(raw, UTC) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2026-11-25", "2026-11-25"),
        ("2026-11-25T00:00:00Z", "2026-11-25"),  # EasyPost and Shippo send dates like this
        ("2026-12-02T00:00:00+03:00", "2026-12-02"),  # local midnight: still a day
        ("2026-11-25T14:30:00", "2026-11-25"),  # no offset: cannot be placed, keep the day
        ("2026-11-23T20:00:00Z", "2026-11-23T20:00:00Z"),
        ("2026-11-23T20:00:00+03:00", "2026-11-23T17:00:00Z"),
        (None, None),
        ("", None),
        ("soon", None),
        ("2026-02-30", None),
    ],
)
def test_delivery_estimates(raw: str | None, expected: str | None) -> None:
    assert read.delivery_estimate(raw) == expected


@pytest.mark.parametrize(
    ("alpha3", "alpha2"), [("TUR", "TR"), ("DEU", "DE"), ("USA", "US"), ("chn", "CN")]
)
def test_alpha3_country_codes_become_alpha2(alpha3: str, alpha2: str) -> None:
    assert alpha2_for(alpha3) == alpha2


def test_an_unknown_country_code_has_no_alpha2() -> None:
    assert alpha2_for("XYZ") is None


@pytest.mark.parametrize(
    ("alpha3", "zone"),
    [
        ("TUR", "Europe/Istanbul"),
        ("DEU", "Europe/Berlin"),
        ("CHN", "Asia/Shanghai"),
        ("ESP", "Europe/Madrid"),
        ("USA", None),
        ("RUS", None),
        ("XYZ", None),
    ],
)
def test_countries_with_one_time_zone(alpha3: str, zone: str | None) -> None:
    found = zone_for(alpha3)
    assert (str(found) if found else None) == zone


def test_german_local_times_follow_summer_time() -> None:
    berlin = zone_for("DEU")
    assert berlin is not None
    assert read.vendor_time("2026-01-15T12:00:00", berlin) == datetime(2026, 1, 15, 11, tzinfo=UTC)
    assert read.vendor_time("2026-07-15T12:00:00", berlin) == datetime(2026, 7, 15, 10, tzinfo=UTC)


def test_the_country_table_covers_iso_3166() -> None:
    assert len(COUNTRIES) == 249
    assert all(len(alpha3) == 3 and len(alpha2) == 2 for alpha3, (alpha2, _) in COUNTRIES.items())
