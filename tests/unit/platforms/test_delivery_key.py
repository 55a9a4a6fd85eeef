"""What the consumer remembers of a platform delivery."""

from __future__ import annotations

from chalicelib.platform_orders import delivery_key


def test_the_same_delivery_again_has_the_same_key() -> None:
    assert delivery_key("d-1", b'{"id": 1}') == delivery_key("d-1", b'{"id": 1}')


def test_two_deliveries_sharing_an_id_are_told_apart_by_their_bodies() -> None:
    # WooCommerce's delivery id is wp_hash(webhook id . current second).
    assert delivery_key("same", b'{"status": "processing"}') != delivery_key(
        "same", b'{"status": "completed"}'
    )
    assert delivery_key("a", b"{}") != delivery_key("b", b"{}")
