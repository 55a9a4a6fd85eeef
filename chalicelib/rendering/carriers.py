"""Carriers as people know them: the name on pages and in messages, and the
carrier's own tracking page.

A slug not listed here is shown as a readable form of itself and without a
link: a guessed URL that leads nowhere is worse than none.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote


@dataclass(frozen=True)
class KnownCarrier:
    name: str
    url_template: str | None = None  # `{number}` is replaced by the URL-quoted tracking number


KNOWN_CARRIERS: dict[str, KnownCarrier] = {
    "yurtici": KnownCarrier(
        "Yurtiçi Kargo",
        "https://www.yurticikargo.com/tr/online-servisler/gonderi-sorgula?code={number}",
    ),
    "aras": KnownCarrier(
        "Aras Kargo", "https://kargotakip.araskargo.com.tr/mainpage.aspx?code={number}"
    ),
    "mng": KnownCarrier("MNG Kargo", "https://kargotakip.mngkargo.com.tr/?takipNo={number}"),
    "ptt": KnownCarrier("PTT Kargo", "https://gonderitakip.ptt.gov.tr/Track/Verify?q={number}"),
    # No public tracking URL we could confirm: named, not linked.
    "hepsijet": KnownCarrier("HepsiJET"),
    "surat": KnownCarrier("Sürat Kargo"),
    "kolaygelsin": KnownCarrier("Kolay Gelsin"),
    "ups": KnownCarrier("UPS", "https://www.ups.com/track?tracknum={number}"),
    "fedex": KnownCarrier("FedEx", "https://www.fedex.com/fedextrack/?trknbr={number}"),
    "usps": KnownCarrier("USPS", "https://tools.usps.com/go/TrackConfirmAction?tLabels={number}"),
    "dhl": KnownCarrier(
        "DHL",
        "https://www.dhl.com/global-en/home/tracking/tracking-express.html"
        "?submit=1&tracking-id={number}",
    ),
    "dhl-ecommerce": KnownCarrier("DHL eCommerce"),
    "dhl-germany": KnownCarrier("DHL Paket"),
    "royal-mail": KnownCarrier("Royal Mail"),
    "canada-post": KnownCarrier("Canada Post"),
    "australia-post": KnownCarrier("Australia Post"),
    "dpd-uk": KnownCarrier("DPD UK"),
    "dpd-de": KnownCarrier("DPD"),
}


def carrier_name(slug: str) -> str:
    """`yurtici` -> `Yurtiçi Kargo`. An unlisted slug reads as words: short ones
    are usually initials (`gls` -> `GLS`), longer ones names (`kargoist` -> `Kargoist`)."""
    known = KNOWN_CARRIERS.get(slug)
    if known:
        return known.name
    words = [word for word in slug.replace("_", "-").split("-") if word]
    return " ".join(word.upper() if len(word) <= 3 else word.capitalize() for word in words)


def carrier_tracking_url(slug: str, tracking_number: str) -> str | None:
    known = KNOWN_CARRIERS.get(slug)
    if known is None or known.url_template is None:
        return None
    return known.url_template.format(number=quote(tracking_number, safe=""))
