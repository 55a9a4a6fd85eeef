from __future__ import annotations

import pytest

from chalicelib.domain.status import FINAL_STATUSES, Status, pick_locale


def test_table_order_and_final_flags_match_the_contract() -> None:
    assert [s.value for s in Status] == [
        "pending",
        "info_received",
        "in_transit",
        "out_for_delivery",
        "available_for_pickup",
        "failed_attempt",
        "exception",
        "returning",
        "delivered",
        "returned",
        "failed",
        "cancelled",
        "expired",
        "unknown",
    ]
    assert {s.value for s in FINAL_STATUSES} == {
        "delivered",
        "returned",
        "failed",
        "cancelled",
        "expired",
    }


@pytest.mark.parametrize(
    ("status", "tr", "en"),
    [
        (Status.PENDING, "Takip bilgisi bekleniyor", "Awaiting tracking information"),
        (Status.IN_TRANSIT, "Yolda", "In transit"),
        (Status.OUT_FOR_DELIVERY, "Dağıtıma çıktı", "Out for delivery"),
        (Status.RETURNED, "Göndericiye iade edildi", "Returned to sender"),
        (Status.UNKNOWN, "Bilinmiyor", "Unknown"),
    ],
)
def test_labels(status: Status, tr: str, en: str) -> None:
    assert status.label("tr") == tr
    assert status.label("en") == en


@pytest.mark.parametrize(
    ("query", "header", "customer", "expected"),
    [
        ("en", "tr-TR", "tr", "en"),
        (None, "en-GB,en;q=0.9", "tr", "en"),
        (None, "de-DE, en;q=0.5, tr;q=0.8", "en", "tr"),
        (None, "de-DE", "en", "en"),
        ("xx", None, None, "tr"),
        (None, "*", "en", "en"),
    ],
)
def test_locale_choice(
    query: str | None, header: str | None, customer: str | None, expected: str
) -> None:
    assert pick_locale(query, header, customer) == expected
