"""The bounded JSON parser: what Python's json accepts but Kargo could not survive."""

from __future__ import annotations

import json

import pytest

from chalicelib.api.safe_json import MAX_JSON_DEPTH, UnsafeJson, loads, nesting_depth


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_nesting_up_to_the_bound_is_fine() -> None:
    assert nesting_depth(nested(MAX_JSON_DEPTH)) == MAX_JSON_DEPTH
    assert loads(nested(MAX_JSON_DEPTH)) is not None
    with pytest.raises(UnsafeJson, match="deeper than 64"):
        loads(nested(MAX_JSON_DEPTH + 1))
    with pytest.raises(UnsafeJson, match="deeper than 64"):
        loads(b'{"a":' * 10_000 + b"1" + b"}" * 10_000)


def test_brackets_inside_strings_do_not_count() -> None:
    text = json.dumps({"comment": "[" * 500 + '\\"{' * 100, "list": [[1]]})
    assert nesting_depth(text) == 3
    assert loads(text)["list"] == [[1]]


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        (b'{"a": NaN}', "NaN is not a JSON number"),
        (b"[Infinity]", "Infinity is not a JSON number"),
        (b"-Infinity", "-Infinity is not a JSON number"),
        (b"1e309", "out of range"),
        (b'{"a": -1e999999}', "out of range"),
        (b'"\\ud800"', "lone surrogate"),
        (b'{"\\udfff": 1}', "lone surrogate"),
        (b'["\\ude00\\ud83d"]', "lone surrogate"),  # the wrong way round
        (b"\xff", "not UTF-8"),
        ('{"a": 1}'.encode("utf-16"), "not UTF-8"),
    ],
)
def test_what_later_code_could_not_survive(raw: bytes, words: str) -> None:
    with pytest.raises(UnsafeJson, match=words):
        loads(raw)


def test_ordinary_json_is_ordinary() -> None:
    assert loads(b'{"a": 1e308, "b": -0.0, "c": 10, "d": "\\ud83d\\ude00", "e": "\\\\ud800"}') == {
        "a": 1e308,
        "b": -0.0,
        "c": 10,
        "d": "\U0001f600",
        "e": "\\ud800",  # an escaped backslash, then text: no surrogate
    }


def test_plain_syntax_errors_stay_value_errors() -> None:
    for raw in (b"{", b"", b"\x00", b'{"a": 1' + b"0" * 5000 + b"}"):
        with pytest.raises(ValueError):  # noqa: PT011 - json's own errors
            loads(raw)
