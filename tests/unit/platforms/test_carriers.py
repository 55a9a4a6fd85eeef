"""Carrier company names as shops type them -> Kargo slugs."""

from __future__ import annotations

import logging

import pytest

from chalicelib.platforms import carriers
from chalicelib.platforms.carriers import platform_carrier_slug


@pytest.mark.parametrize(
    ("company", "slug"),
    [
        ("Yurtiçi Kargo", "yurtici"),
        ("YURTİÇİ KARGO", "yurtici"),
        ("yurtici-kargo", "yurtici"),
        ("Aras Kargo", "aras"),
        ("MNG Kargo", "mng"),
        ("DHL eCommerce Türkiye", "mng"),
        ("PTT Kargo", "ptt"),
        ("PTT", "ptt"),
        ("HepsiJET", "hepsijet"),
        ("Sürat Kargo", "surat"),
        ("Kolay Gelsin", "kolaygelsin"),
        ("Sendeo", "kolaygelsin"),
        ("Trendyol Express", "trendyol-express"),
        ("UPS", "ups"),
        ("UPS Kargo", "ups"),
        ("FedEx", "fedex"),
        ("DHL Express", "dhl"),
        ("DHL eCommerce", "dhl-ecommerce"),
        ("deutsche-post-dhl", "dhl-germany"),
        ("USPS", "usps"),
        ("Canada Post", "canada-post"),
        ("Royal Mail", "royal-mail"),
        ("PostNL", "postnl"),
        ("", "other"),
        (None, "other"),
    ],
)
def test_known_companies(company: str | None, slug: str) -> None:
    assert platform_carrier_slug(company) == slug


def test_an_unknown_company_keeps_a_slug_of_its_name_and_is_logged_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    carriers._logged_unknown.discard("kargo-kedisi-lojistik")
    with caplog.at_level(logging.WARNING, logger="chalicelib.platforms.carriers"):
        assert platform_carrier_slug("Kargo Kedisi Lojistik") == "kargo-kedisi-lojistik"
        assert platform_carrier_slug("KARGO KEDİSİ LOJİSTİK") == "kargo-kedisi-lojistik"
    assert len([r for r in caplog.records if "unknown carrier" in r.getMessage()]) == 1
