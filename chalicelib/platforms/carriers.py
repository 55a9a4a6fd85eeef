"""Carrier company names as shops type them on a platform -> Kargo carrier slugs.

Shopify's fulfillments carry `tracking_company` (a name from Shopify's list, or
whatever the shop typed under "Other"); WooCommerce's Shipment Tracking items
carry `tracking_provider` (the extension's own key, `ups`, `deutsche-post-dhl`)
or `custom_tracking_provider` (free text). All of them are compared the same
way: accents dropped (`Yurtiçi` = `Yurtici`, dotless `ı` included), case
ignored, and everything but letters and digits removed, so `Yurtiçi Kargo`,
`YURTICI KARGO` and `yurtici-kargo` are one key.

| key (compared form)                               | slug               |
|---------------------------------------------------|--------------------|
| yurtici, yurticikargo                             | `yurtici`          |
| aras, araskargo                                   | `aras`             |
| mng, mngkargo, dhlecommerceturkiye/-turkey/-tr    | `mng`              |
| ptt, pttkargo, pttposta, turkeypost, turkiyepost  | `ptt`              |
| hepsijet, hepsiexpress                            | `hepsijet`         |
| surat, suratkargo                                 | `surat`            |
| kolaygelsin, kolaygelsinkargo, sendeo             | `kolaygelsin`      |
| trendyolexpress, tex                              | `trendyol-express` |
| horoz, horozlojistik                              | `horoz`            |
| ceva, cevalojistik, cevatedarik                   | `ceva`             |
| ups, upskargo, upsturkiye                         | `ups`              |
| fedex, fedexexpress, federalexpress               | `fedex`            |
| dhl, dhlexpress, dhlus                            | `dhl`              |
| dhlecommerce                                      | `dhl-ecommerce`    |
| deutschepost, deutschepostdhl, dhlpaket, dhlde    | `dhl-germany`      |
| usps, unitedstatespostalservice                   | `usps`             |
| canadapost, royalmail, australiapost, dpduk       | `canada-post`, ... |
| dpd, gls, tnt, tntexpress, aramex, postnl, laposte| same name          |

A name not listed keeps the slug made from it (`chalicelib.carriers.slugs`,
which also knows the aggregators' spellings, `fedexsmartpost` and the like),
and is logged once per process so someone can add it here.
"""

from __future__ import annotations

import logging
import re

from chalicelib.carriers.slugs import carrier_slug, simplify_carrier_name

logger = logging.getLogger(__name__)

UNNAMED_CARRIER = "other"  # a tracking number without any company name

_NOT_ALNUM = re.compile(r"[^a-z0-9]")

PLATFORM_CARRIERS: dict[str, str] = {
    # Turkish carriers
    "yurtici": "yurtici",
    "yurticikargo": "yurtici",
    "aras": "aras",
    "araskargo": "aras",
    "mng": "mng",
    "mngkargo": "mng",
    "dhlecommerceturkiye": "mng",
    "dhlecommerceturkey": "mng",
    "dhlecommercetr": "mng",
    "ptt": "ptt",
    "pttkargo": "ptt",
    "pttposta": "ptt",
    "turkeypost": "ptt",
    "turkiyepost": "ptt",
    "hepsijet": "hepsijet",
    "hepsiexpress": "hepsijet",
    "surat": "surat",
    "suratkargo": "surat",
    "kolaygelsin": "kolaygelsin",
    "kolaygelsinkargo": "kolaygelsin",
    "sendeo": "kolaygelsin",
    "sendeokargo": "kolaygelsin",
    "trendyolexpress": "trendyol-express",
    "tex": "trendyol-express",
    "horoz": "horoz",
    "horozlojistik": "horoz",
    "ceva": "ceva",
    "cevalojistik": "ceva",
    "cevatedarik": "ceva",
    # International carriers (Shopify's list; the Shipment Tracking extension's keys)
    "ups": "ups",
    "upskargo": "ups",
    "upsturkiye": "ups",
    "fedex": "fedex",
    "fedexexpress": "fedex",
    "federalexpress": "fedex",
    "dhl": "dhl",
    "dhlexpress": "dhl",
    "dhlus": "dhl",
    "dhlecommerce": "dhl-ecommerce",
    "deutschepost": "dhl-germany",
    "deutschepostdhl": "dhl-germany",
    "dhlpaket": "dhl-germany",
    "dhlde": "dhl-germany",
    "dhlintrashipde": "dhl-germany",
    "usps": "usps",
    "unitedstatespostalservice": "usps",
    "canadapost": "canada-post",
    "royalmail": "royal-mail",
    "australiapost": "australia-post",
    "dpd": "dpd",
    "dpduk": "dpd-uk",
    "gls": "gls",
    "tnt": "tnt",
    "tntexpress": "tnt",
    "aramex": "aramex",
    "postnl": "postnl",
    "laposte": "la-poste",
}

_logged_unknown: set[str] = set()


def compared_form(name: str) -> str:
    """`Yurtiçi Kargo` -> `yurticikargo`."""
    return _NOT_ALNUM.sub("", simplify_carrier_name(name))


def platform_carrier_slug(company: str | None) -> str:
    """The slug for a carrier company name as a shop platform gives it."""
    if not company or not company.strip():
        return UNNAMED_CARRIER
    known = PLATFORM_CARRIERS.get(compared_form(company))
    if known:
        return known
    slug = carrier_slug(company) or UNNAMED_CARRIER
    if slug not in _logged_unknown:
        _logged_unknown.add(slug)
        logger.warning("unknown carrier company on a shop platform", extra={"carrier": slug})
    return slug
