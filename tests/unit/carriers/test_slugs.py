"""Vendor carrier names -> Kargo slugs: the same parcel lands on one slug from any vendor."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.carriers.slugs import CARRIER_SLUG_ALIASES, carrier_slug, simplify_carrier_name
from chalicelib.domain.events import CARRIER_SLUG

KNOWN_NAMES = [
    # EasyPost `carrier`
    ("USPS", "usps"),
    ("UPS", "ups"),
    ("UPSDAP", "ups"),
    ("FedEx", "fedex"),
    ("FedExDefault", "fedex"),
    ("FedExSmartPost", "fedex"),
    ("DHLExpress", "dhl"),
    ("DhlEcs", "dhl-ecommerce"),
    ("DHLEcommerceSolutions", "dhl-ecommerce"),
    ("DHLPaket", "dhl-germany"),
    ("CanadaPost", "canada-post"),
    ("RoyalMail", "royal-mail"),
    ("AustraliaPost", "australia-post"),
    ("DPDUK", "dpd-uk"),
    ("LaserShipV2", "lasership"),
    ("OnTrac", "ontrac"),
    ("Purolator", "purolator"),
    ("Aramex", "aramex"),
    # AfterShip `slug`
    ("usps", "usps"),
    ("ups", "ups"),
    ("ups-api", "ups"),
    ("fedex", "fedex"),
    ("fedex-uk", "fedex"),
    ("dhl", "dhl"),
    ("dhl-express", "dhl"),
    ("dhl-global-mail", "dhl-ecommerce"),
    ("dhl-germany", "dhl-germany"),
    ("canada-post", "canada-post"),
    ("royal-mail", "royal-mail"),
    ("australia-post", "australia-post"),
    ("dpd-uk", "dpd-uk"),
    ("dpd-de", "dpd-de"),
    ("yurtici-kargo", "yurtici"),
    ("yurticikargo", "yurtici"),
    ("aras", "aras"),
    ("aras-kargo", "aras"),
    ("araskargo", "aras"),
    ("mng-kargo", "mng"),
    ("mngkargo", "mng"),
    ("ptt-posta", "ptt"),
    ("turkey-post", "ptt"),
    ("ptt-kargo", "ptt"),
    ("surat-kargo", "surat"),
    ("suratkargo", "surat"),
    # Shippo `carrier`
    ("dhl_express", "dhl"),
    ("dhl_ecommerce", "dhl-ecommerce"),
    ("dhl_germany", "dhl-germany"),
    ("canada_post", "canada-post"),
    ("royal_mail", "royal-mail"),
    ("australia_post", "australia-post"),
    ("dpd_uk", "dpd-uk"),
    ("dpd_de", "dpd-de"),
    ("lasership", "lasership"),
]


@pytest.mark.parametrize(("vendor_name", "expected"), KNOWN_NAMES)
def test_known_vendor_names(vendor_name: str, expected: str) -> None:
    assert carrier_slug(vendor_name) == expected


def test_every_alias_is_a_valid_slug_and_has_a_test() -> None:
    assert all(CARRIER_SLUG.fullmatch(slug) for slug in CARRIER_SLUG_ALIASES.values())
    tested = {simplify_carrier_name(name) for name, _ in KNOWN_NAMES}
    assert set(CARRIER_SLUG_ALIASES) <= tested


@pytest.mark.parametrize(
    ("easypost_name", "aftership_slug", "shippo_token", "slug"),
    [
        ("USPS", "usps", "usps", "usps"),
        ("UPS", "ups", "ups", "ups"),
        ("FedEx", "fedex", "fedex", "fedex"),
        ("DHLExpress", "dhl", "dhl_express", "dhl"),
        ("CanadaPost", "canada-post", "canada_post", "canada-post"),
        ("RoyalMail", "royal-mail", "royal_mail", "royal-mail"),
    ],
)
def test_one_parcel_one_slug_whichever_vendor_reports_it(
    easypost_name: str, aftership_slug: str, shippo_token: str, slug: str
) -> None:
    assert {carrier_slug(name) for name in (easypost_name, aftership_slug, shippo_token)} == {slug}


@pytest.mark.parametrize(
    ("vendor_name", "expected"),
    [
        ("Yurtiçi Kargo", "yurtici"),  # accents dropped, then the alias applies
        ("HEPSİJET", "hepsijet"),
        ("Kolay Gelsin", "kolay-gelsin"),
        ("  Sendeo  ", "sendeo"),
        ("some_carrier", "some_carrier"),
        ("Über/Fast Couriers & Co.", "uber-fast-couriers---co-"),
        ("x" * 40, "x" * 32),
    ],
)
def test_unknown_names_are_simplified_into_a_slug(vendor_name: str, expected: str) -> None:
    assert carrier_slug(vendor_name) == expected


@pytest.mark.parametrize("vendor_name", ["", "   ", "\u0301"])
def test_a_name_with_nothing_left_has_no_slug(vendor_name: str) -> None:
    assert carrier_slug(vendor_name) is None


@given(st.text())
def test_any_name_gives_a_valid_slug_or_none(vendor_name: str) -> None:
    slug = carrier_slug(vendor_name)
    assert slug is None or CARRIER_SLUG.fullmatch(slug)
