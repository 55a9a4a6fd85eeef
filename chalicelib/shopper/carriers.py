"""Carrier names and links for the shopper's pages: kept in
`chalicelib.rendering.carriers`, the one table pages and messages share."""

from __future__ import annotations

from chalicelib.rendering.carriers import (
    KNOWN_CARRIERS,
    KnownCarrier,
    carrier_name,
    carrier_tracking_url,
)

__all__ = ["KNOWN_CARRIERS", "KnownCarrier", "carrier_name", "carrier_tracking_url"]
