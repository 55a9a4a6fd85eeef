"""Shop platforms by name: the `/webhooks/{source}` sources that bring orders.

Adding a platform: one module with a `PLATFORM` (see `base.Platform`), one line
in `PLATFORMS`. The ingress verifies and queues its deliveries; the consumer
hands them to `chalicelib.platform_orders`.
"""

from __future__ import annotations

from chalicelib.platforms import shopify, woocommerce
from chalicelib.platforms.base import Platform

PLATFORMS: dict[str, Platform] = {
    shopify.PLATFORM.name: shopify.PLATFORM,
    woocommerce.PLATFORM.name: woocommerce.PLATFORM,
}


def get_platform(name: str) -> Platform | None:
    return PLATFORMS.get(name)


def is_platform(name: str) -> bool:
    return name in PLATFORMS
