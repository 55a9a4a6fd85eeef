"""Carriers the page can name and link to: the carrier's own tracking page.

A slug not listed here is shown as it is, without a link: a guessed URL that
leads nowhere is worse than none.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote


@dataclass(frozen=True)
class KnownCarrier:
    name: str
    # `{number}` is replaced by the URL-quoted tracking number; None: a carrier whose
    # public tracking page could not be confirmed is named without a link.
    url_template: str | None = None


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
    "hepsijet": KnownCarrier("HepsiJET"),
    "kolaygelsin": KnownCarrier("Kolay Gelsin"),
    "surat": KnownCarrier("Sürat Kargo"),
    "ups": KnownCarrier("UPS", "https://www.ups.com/track?tracknum={number}"),
    "fedex": KnownCarrier("FedEx", "https://www.fedex.com/fedextrack/?trknbr={number}"),
    "usps": KnownCarrier("USPS", "https://tools.usps.com/go/TrackConfirmAction?tLabels={number}"),
    "dhl": KnownCarrier(
        "DHL",
        "https://www.dhl.com/global-en/home/tracking/tracking-express.html"
        "?submit=1&tracking-id={number}",
    ),
}


def carrier_name(slug: str) -> str:
    known = KNOWN_CARRIERS.get(slug)
    return known.name if known else slug.upper()


def carrier_tracking_url(slug: str, tracking_number: str) -> str | None:
    known = KNOWN_CARRIERS.get(slug)
    if known is None or known.url_template is None:
        return None
    return known.url_template.format(number=quote(tracking_number, safe=""))
