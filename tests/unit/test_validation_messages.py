"""Validation messages are for people: they name the field and what it should look
like, never a regular expression or pydantic's wording; the summary says which part
of the request (body, query string, address) is wrong."""

from __future__ import annotations

import re
from typing import Any

import pytest
from pydantic import BaseModel

from chalicelib.api.http import validate
from chalicelib.api.models import OrderIn, ShipmentIn
from chalicelib.errors import ValidationFailed

# What pydantic says and people should never read.
PYDANTIC_WORDS = re.compile(
    r"String should match|should match pattern|Value error,|Input should be|"
    r"Extra inputs|Field required|after validation|valid dictionary|instance of"
)
REGEX_LOOKS = re.compile(r"\^|\$'|\[[^\]]*-[^\]]*\]|\{\d+,\d*\}|\\[dsw+]")


def order(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "order_id": "1001",
        "customer": {"name": "Ayşe Yılmaz", "email": "ayse@example.com", "locale": "tr"},
        "shipments": [{"carrier": "yurtici", "tracking_number": "YT123456789TR"}],
    }
    for path, value in changes.items():
        *parents, last = path.split("__")
        target: Any = body
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        target[last] = value
    return body


def problems(model: type[BaseModel], data: Any) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as caught:
        validate(model, data)
    return caught.value


def detail_at(error: ValidationFailed, *loc: str | int) -> str:
    assert error.details is not None
    found = [d["msg"] for d in error.details if tuple(d["loc"]) == loc]
    assert found, f"no detail at {loc}: {error.details}"
    msg: str = found[0]
    return msg


def assert_for_people(text: str) -> None:
    assert not PYDANTIC_WORDS.search(text), text
    assert not REGEX_LOOKS.search(text), text


CASES: list[tuple[dict[str, Any], tuple[str | int, ...], str]] = [
    (order(order_id="no spaces"), ("order_id",), "such as 1001"),
    (order(order_id="x" * 65), ("order_id",), "1 to 64 letters"),
    (order(customer__phone="0532 12"), ("customer", "phone"), "+905321234567 or 0532 123 45 67"),
    (order(customer__email="not-an-email"), ("customer", "email"), "such as ayse@example.com"),
    (order(customer__locale="de"), ("customer", "locale"), "tr or en"),
    (order(customer__country="TUR"), ("customer", "country"), "two-letter country code"),
    (order(customer__city="x" * 101), ("customer", "city"), "at most 100 characters"),
    (order(customer__name=""), ("customer", "name"), "should not be empty"),
    (order(customer__name="A\x01"), ("customer", "name"), "without control characters"),
    (
        order(customer__commercial_consent="maybe"),
        ("customer", "commercial_consent"),
        "true or false",
    ),
    (order(customer__extra=1), ("customer", "extra"), "not a field"),
    (order(shipments__0__carrier="Yurt İçi"), ("shipments", 0, "carrier"), "such as yurtici"),
    (order(shipments__0__tracking_number="ab"), ("shipments", 0, "tracking_number"), "4 to 64"),
    (
        order(shipments__0__estimated_delivery="2026-13-01"),
        ("shipments", 0, "estimated_delivery"),
        "such as 2026-11-25",
    ),
    (
        order(shipments__0__estimated_delivery="2026-11-25T10:00:00"),
        ("shipments", 0, "estimated_delivery"),
        "UTC offset",
    ),
    (order(notifications={"sms": "perhaps"}), ("notifications", "sms"), "true or false"),
    (order(notifications={"email": 7}), ("notifications", "email"), "true or false"),
    (order(shipments={}), ("shipments",), "a list of up to 50 shipments"),
    (order(customer="Ayşe"), ("customer",), "an object"),
    (order(order_id=5), ("order_id",), "such as 1001"),
]


@pytest.mark.parametrize(("data", "loc", "words"), CASES)
def test_order_problems_in_words(
    data: dict[str, Any], loc: tuple[str | int, ...], words: str
) -> None:
    error = problems(OrderIn, data)
    msg = detail_at(error, *loc)
    assert words in msg
    field = next(part for part in reversed(loc) if isinstance(part, str))
    assert msg.startswith(field), msg
    assert_for_people(msg)
    assert_for_people(error.message)
    assert error.message.startswith("The request body is not right: ")


def test_a_missing_field_says_what_it_should_be() -> None:
    error = problems(OrderIn, {"customer": {"name": "A"}})
    assert detail_at(error, "order_id").startswith("order_id is required: 1 to 64 letters")


def test_a_union_reports_once_per_place() -> None:
    error = problems(
        ShipmentIn, {"carrier": "ups", "tracking_number": "1Z999", "estimated_delivery": "x"}
    )
    assert error.details is not None
    assert [d["loc"] for d in error.details] == [["estimated_delivery"]]


def test_a_body_that_is_not_an_object() -> None:
    error = problems(OrderIn, [1, 2])
    assert detail_at(error) == "The request body should be a JSON object"


def test_other_models_in_words() -> None:
    from chalicelib.after_sale import RefundIn
    from chalicelib.feedback import FeedbackIn
    from chalicelib.preferences import PreferencesIn

    score = detail_at(problems(FeedbackIn, {"score": 9}), "score")
    assert score == "score should be a whole number from 1 to 5"
    assert detail_at(problems(FeedbackIn, {"score": "5"}), "score") == score
    comment = detail_at(problems(FeedbackIn, {"score": 5, "comment": "x" * 2001}), "comment")
    assert comment == "comment is too long: at most 2000 characters"
    refund = problems(RefundIn, {"amount": "abc", "currency": "try"})
    assert 'such as "149.90"' in detail_at(refund, "amount")
    assert "such as TRY" in detail_at(refund, "currency")
    assert detail_at(problems(RefundIn, {"amount": "0", "currency": "TRY"}), "amount") == (
        "amount must be above zero"
    )
    nothing = problems(PreferencesIn, {})
    assert detail_at(nothing).startswith("Give `email`, `sms`")
    for error in (refund, nothing):
        assert error.details is not None
        for detail in error.details:
            assert_for_people(detail["msg"])


def test_many_problems_are_bounded() -> None:
    error = problems(OrderIn, order(**{f"customer__x{i}": i for i in range(500)}))
    assert error.details is not None and len(error.details) == 50
    assert "more problems: see details" in error.message


@pytest.mark.parametrize(
    ("loc", "part"),
    [
        (["query", "limit"], "The query string"),
        (["path", "order_id"], "The address"),
        (["customer", "phone"], "The request body"),
        ([], "The request body"),
    ],
)
def test_the_summary_says_where(loc: list[str], part: str) -> None:
    error = ValidationFailed(details=[{"loc": loc, "msg": "x should be y"}])
    assert error.message == f"{part} is not right: x should be y."
