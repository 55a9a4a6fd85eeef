"""The page's CSRF tokens: bound to the link, the form and a time bucket."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from chalicelib.web.form_tokens import BUCKET_SECONDS, form_token, valid_form_token

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
KEY, TOKEN = "server-key", "A" * 32


def test_a_token_is_good_for_its_form_link_and_key_only() -> None:
    given = form_token(KEY, TOKEN, "cancel", NOW)
    assert valid_form_token(KEY, TOKEN, "cancel", given, NOW)
    assert not valid_form_token(KEY, TOKEN, "return", given, NOW)
    assert not valid_form_token(KEY, "B" * 32, "cancel", given, NOW)
    assert not valid_form_token("other-key", TOKEN, "cancel", given, NOW)
    assert not valid_form_token(KEY, TOKEN, "cancel", None, NOW)
    assert not valid_form_token(KEY, TOKEN, "cancel", given[:-1] + "x", NOW)


def test_a_token_lives_one_to_two_buckets() -> None:
    given = form_token(KEY, TOKEN, "cancel", NOW)
    assert valid_form_token(KEY, TOKEN, "cancel", given, NOW + timedelta(seconds=BUCKET_SECONDS))
    late = NOW + timedelta(seconds=2 * BUCKET_SECONDS)
    assert not valid_form_token(KEY, TOKEN, "cancel", given, late)
