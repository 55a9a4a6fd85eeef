"""Vendor carrier names -> Kargo carrier slugs (CONTRACT.md section 3).

A shipment is (carrier slug, tracking number), so the same parcel reported by
EasyPost (`FedEx`), AfterShip (`fedex`) and Shippo (`fedex`) must land on one
slug. Every name is first simplified the same way (accents dropped, lower
case, characters outside `[a-z0-9_-]` turned into `-`, at most 32 long); the
simplified name is then looked up below, and a name not listed keeps its
simplified form, which is already a valid slug.

Sources: EasyPost's carrier names as they appear in its Tracker objects and
client libraries; AfterShip's courier slugs (its couriers list); Shippo's
carrier tokens (`CarriersEnum` in its SDKs).
"""

from __future__ import annotations

import re
import unicodedata

SLUG_MAX_LENGTH = 32
_NOT_SLUG_CHARACTER = re.compile(r"[^a-z0-9_-]")

# simplified vendor name -> Kargo slug. Names already equal to their slug
# (`ups`, `usps`, `fedex`, `ontrac`, `purolator`, `aramex`, `lasership`, `aras`)
# need no row. EP = EasyPost, AS = AfterShip, SH = Shippo.
CARRIER_SLUG_ALIASES: dict[str, str] = {
    "upsdap": "ups",  # EP UPSDAP
    "ups-api": "ups",  # AS
    "fedexdefault": "fedex",  # EP FedExDefault
    "fedexsmartpost": "fedex",  # EP FedExSmartPost
    "fedex-uk": "fedex",  # AS
    "dhlexpress": "dhl",  # EP DHLExpress
    "dhl-express": "dhl",  # AS (AS `dhl` is DHL Express too)
    "dhl_express": "dhl",  # SH
    "dhlecs": "dhl-ecommerce",  # EP DhlEcs
    "dhlecommercesolutions": "dhl-ecommerce",  # EP DHLEcommerceSolutions
    "dhl-global-mail": "dhl-ecommerce",  # AS
    "dhl_ecommerce": "dhl-ecommerce",  # SH
    "dhlpaket": "dhl-germany",  # EP DHLPaket
    "dhl_germany": "dhl-germany",  # SH (AS says dhl-germany)
    "canadapost": "canada-post",  # EP CanadaPost
    "canada_post": "canada-post",  # SH (AS says canada-post)
    "royalmail": "royal-mail",  # EP RoyalMail
    "royal_mail": "royal-mail",  # SH (AS says royal-mail)
    "australiapost": "australia-post",  # EP AustraliaPost
    "australia_post": "australia-post",  # SH (AS says australia-post)
    "dpduk": "dpd-uk",  # EP DPDUK
    "dpd_uk": "dpd-uk",  # SH (AS says dpd-uk)
    "dpd_de": "dpd-de",  # SH (AS says dpd-de)
    "lasershipv2": "lasership",  # EP LaserShipV2
    "yurtici-kargo": "yurtici",  # AS
    "yurticikargo": "yurtici",
    "aras-kargo": "aras",
    "araskargo": "aras",
    "mng-kargo": "mng",
    "mngkargo": "mng",
    "ptt-posta": "ptt",  # AS
    "turkey-post": "ptt",
    "ptt-kargo": "ptt",
    "surat-kargo": "surat",
    "suratkargo": "surat",
}


def carrier_slug(vendor_name: str) -> str | None:
    """The Kargo slug for a vendor's carrier name; None when nothing is left of it."""
    simplified = simplify_carrier_name(vendor_name)
    if not simplified:
        return None
    return CARRIER_SLUG_ALIASES.get(simplified, simplified)


def simplify_carrier_name(name: str) -> str:
    """`Yurtiçi Kargo` -> `yurtici-kargo`: a valid slug (or empty)."""
    # NFKD splits accented letters so the accents can be dropped; Turkish
    # dotless ı has no decomposition, so it is mapped by hand.
    decomposed = unicodedata.normalize("NFKD", name.strip().replace("ı", "i"))
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return _NOT_SLUG_CHARACTER.sub("-", plain.lower())[:SLUG_MAX_LENGTH]
