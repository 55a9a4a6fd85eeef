"""The one set of formatters for everything people read: pages, e-mails, SMS.

One formatter and one time zone (`KARGO_TIMEZONE`) for the page and the
messages, so the two can never disagree on a day: an estimate given as a UTC
datetime just before midnight is the next day in Istanbul on both.

Money is formatted here by hand, not with Babel: Babel adds 31 MB of locale
data and about 70 ms of import plus 55 ms for its first format (measured on
this project's runtime), and its CLDR patterns still say `₺249,90` and
`TRY249.90` where the shop's customers expect `249,90 TL` and `TRY 249.90`.
Two locales and a handful of currencies need a dozen lines, not a library.
"""

from __future__ import annotations

from datetime import date, datetime, tzinfo
from decimal import ROUND_HALF_UP, Decimal

from chalicelib.domain.events import parse_utc
from chalicelib.domain.status import Locale

MONTHS: dict[Locale, tuple[str, ...]] = {
    "tr": ("Ocak", "Şubat", "Mart", "Nisan", "Mayıs", "Haziran", "Temmuz", "Ağustos",
           "Eylül", "Ekim", "Kasım", "Aralık"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
}  # fmt: skip

# (thousands separator, decimal separator)
SEPARATORS: dict[Locale, tuple[str, str]] = {"tr": (".", ","), "en": (",", ".")}
# What Turks write after an amount in lira; other currencies keep their ISO code.
TURKISH_CURRENCY_NAMES = {"TRY": "TL"}
# ISO 4217 minor units where they are not 2.
MINOR_UNITS = {"JPY": 0, "KRW": 0, "HUF": 0, "KWD": 3, "BHD": 3, "OMR": 3, "JOD": 3}
EN_DASH = "–"


def display_zone() -> tzinfo:
    """`KARGO_TIMEZONE`: how times are shown to people."""
    from chalicelib.config import settings

    return settings().zone


def local_date(value: date | datetime | str, zone: tzinfo | None = None) -> date:
    """The day a value falls on where the shop's customers live.

    `2026-11-25` is that day as it is; a datetime (or ISO string with an offset)
    is converted to `zone` (default `KARGO_TIMEZONE`) first."""
    if isinstance(value, str):
        value = date.fromisoformat(value) if len(value) <= 10 else parse_utc(value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("a datetime without a UTC offset has no day to show")
        return value.astimezone(zone or display_zone()).date()
    return value


def format_date(value: date | datetime | str, locale: Locale, zone: tzinfo | None = None) -> str:
    """`25 Kasım 2026` / `25 November 2026`."""
    day = local_date(value, zone)
    return f"{day.day} {MONTHS[locale][day.month - 1]} {day.year}"


def format_datetime(moment: datetime | str, locale: Locale, zone: tzinfo | None = None) -> str:
    """`23 Kasım 2026, 11:15` / `23 November 2026, 11:15`, in `KARGO_TIMEZONE`."""
    if isinstance(moment, str):
        moment = parse_utc(moment)
    local = moment.astimezone(zone or display_zone())
    return f"{format_date(local.date(), locale)}, {local:%H:%M}"


def format_date_range(
    earliest: date | datetime | str,
    latest: date | datetime | str,
    locale: Locale,
    zone: tzinfo | None = None,
) -> str:
    """`3–4 Aralık` / `3–4 December`; across months `30 Kasım – 2 Aralık`; across
    years with the years. A range of one day is that day (`3 Aralık`)."""
    first, last = sorted((local_date(earliest, zone), local_date(latest, zone)))
    months = MONTHS[locale]
    if first == last:
        return f"{first.day} {months[first.month - 1]}"
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.day}{EN_DASH}{last.day} {months[last.month - 1]}"
    if first.year == last.year:
        return (
            f"{first.day} {months[first.month - 1]} {EN_DASH} {last.day} {months[last.month - 1]}"
        )
    return f"{format_date(first, locale)} {EN_DASH} {format_date(last, locale)}"


def format_money(amount: str, currency: str, locale: Locale) -> str:
    """`249,90 TL` and `1.234,50 EUR` in Turkish; `TRY 249.90` and `EUR 1,234.50` in English.

    The amount is a decimal string (never a float: money is exact)."""
    code = currency.upper()
    places = MINOR_UNITS.get(code, 2)
    value = Decimal(amount).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    sign = "-" if value < 0 else ""
    whole, _, fraction = f"{abs(value):f}".partition(".")
    thousands, decimal = SEPARATORS[locale]
    grouped = f"{int(whole):,}".replace(",", thousands)
    number = f"{sign}{grouped}{decimal}{fraction}" if places else f"{sign}{grouped}"
    if locale == "tr":
        return f"{number} {TURKISH_CURRENCY_NAMES.get(code, code)}"
    return f"{code} {number}"
