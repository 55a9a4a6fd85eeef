"""Signature and token checks of the EasyPost, AfterShip and Shippo sources."""

from __future__ import annotations

import base64
import hashlib
import hmac
import unicodedata
from datetime import UTC, datetime

import pytest

from chalicelib.carriers import aftership, easypost, shippo
from chalicelib.carriers.base import WebhookRequest, WebhookSource
from chalicelib.errors import InvalidSignature

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
BODY = b'{"object":"Event","description":"tracker.updated","result":{}}'


def _request(
    headers: dict[str, str] | None = None, query: dict[str, str] | None = None
) -> WebhookRequest:
    return WebhookRequest(raw_body=BODY, headers=headers or {}, query=query or {})


def _easypost_header(key: bytes, body: bytes = BODY) -> str:
    """Written out independently of the adapter: what EasyPost's libraries compute."""
    return "hmac-sha256-hex=" + hmac.new(key, body, hashlib.sha256).hexdigest()


class TestEasyPost:
    def test_a_correct_signature_is_accepted(self) -> None:
        header = _easypost_header(b"dev-easypost-secret")
        easypost.SOURCE.verify(_request({"x-hmac-signature": header}), ["dev-easypost-secret"], NOW)

    def test_the_helper_signs_like_easypost(self) -> None:
        assert easypost.easypost_signature("dev-easypost-secret", BODY) == _easypost_header(
            b"dev-easypost-secret"
        )

    def test_upper_case_hex_is_the_same_signature(self) -> None:
        prefix, digest = _easypost_header(b"dev-easypost-secret").split("=", 1)
        header = f"{prefix}={digest.upper()}"
        easypost.SOURCE.verify(_request({"x-hmac-signature": header}), ["dev-easypost-secret"], NOW)

    @pytest.mark.parametrize(
        "header",
        [
            _easypost_header(b"another-secret"),
            _easypost_header(b"dev-easypost-secret", BODY + b" "),
            _easypost_header(b"dev-easypost-secret").removeprefix("hmac-sha256-hex="),
            "hmac-sha1-hex=" + "0" * 40,
            "hmac-sha256-hex=",
            "",
        ],
        ids=["wrong-secret", "other-body", "no-prefix", "other-algorithm", "empty-digest", "empty"],
    )
    def test_a_wrong_signature_is_rejected(self, header: str) -> None:
        with pytest.raises(InvalidSignature):
            easypost.SOURCE.verify(
                _request({"x-hmac-signature": header}), ["dev-easypost-secret"], NOW
            )

    def test_a_missing_signature_is_rejected(self) -> None:
        with pytest.raises(InvalidSignature):
            easypost.SOURCE.verify(_request(), ["dev-easypost-secret"], NOW)

    def test_any_configured_secret_may_match_during_rotation(self) -> None:
        header = _easypost_header(b"new-secret")
        easypost.SOURCE.verify(
            _request({"x-hmac-signature": header}), ["old-secret", "new-secret"], NOW
        )

    @pytest.mark.parametrize(
        "configured",
        ["caf\u00e9-secret", "cafe\u0301-secret"],
        ids=["composed-e-acute", "decomposed-e-acute"],
    )
    def test_the_secret_is_nfkd_normalised_before_keying(self, configured: str) -> None:
        nfkd_key = unicodedata.normalize("NFKD", "caf\u00e9-secret").encode()
        assert nfkd_key == b"cafe\xcc\x81-secret"
        header = _easypost_header(nfkd_key)
        easypost.SOURCE.verify(_request({"x-hmac-signature": header}), [configured], NOW)

    def test_compatibility_characters_are_folded_too(self) -> None:
        header = _easypost_header(b"fi-secret")  # NFKD of the ligature U+FB01 is "fi"
        easypost.SOURCE.verify(_request({"x-hmac-signature": header}), ["\ufb01-secret"], NOW)


def _aftership_header(secret: bytes, body: bytes = BODY) -> str:
    return base64.b64encode(hmac.new(secret, body, hashlib.sha256).digest()).decode()


class TestAfterShip:
    def test_a_correct_signature_is_accepted(self) -> None:
        header = _aftership_header(b"dev-aftership-secret")
        aftership.SOURCE.verify(
            _request({"aftership-hmac-sha256": header}), ["dev-aftership-secret"], NOW
        )

    def test_the_helper_signs_like_aftership(self) -> None:
        assert aftership.aftership_signature("dev-aftership-secret", BODY) == _aftership_header(
            b"dev-aftership-secret"
        )

    @pytest.mark.parametrize(
        "header",
        [
            _aftership_header(b"another-secret"),
            _aftership_header(b"dev-aftership-secret", BODY + b"\n"),
            hmac.new(b"dev-aftership-secret", BODY, hashlib.sha256).hexdigest(),
            "",
        ],
        ids=["wrong-secret", "other-body", "hex-not-base64", "empty"],
    )
    def test_a_wrong_signature_is_rejected(self, header: str) -> None:
        with pytest.raises(InvalidSignature):
            aftership.SOURCE.verify(
                _request({"aftership-hmac-sha256": header}), ["dev-aftership-secret"], NOW
            )

    def test_a_missing_signature_is_rejected(self) -> None:
        with pytest.raises(InvalidSignature):
            aftership.SOURCE.verify(_request(), ["dev-aftership-secret"], NOW)

    def test_any_configured_secret_may_match_during_rotation(self) -> None:
        header = _aftership_header(b"new-secret")
        aftership.SOURCE.verify(
            _request({"aftership-hmac-sha256": header}), ["old-secret", "new-secret"], NOW
        )


class TestShippo:
    def test_the_right_token_is_accepted(self) -> None:
        request = _request(query={"token": "dev-shippo-token"})
        shippo.SOURCE.verify(request, ["dev-shippo-token"], NOW)

    @pytest.mark.parametrize(
        "token", ["wrong-token", "dev-shippo-toke", "dev-shippo-token ", ""], ids=repr
    )
    def test_a_wrong_token_is_rejected(self, token: str) -> None:
        with pytest.raises(InvalidSignature):
            shippo.SOURCE.verify(_request(query={"token": token}), ["dev-shippo-token"], NOW)

    def test_a_missing_token_is_rejected(self) -> None:
        with pytest.raises(InvalidSignature):
            shippo.SOURCE.verify(_request(), ["dev-shippo-token"], NOW)

    def test_the_token_counts_only_in_the_query(self) -> None:
        with pytest.raises(InvalidSignature):
            shippo.SOURCE.verify(_request({"token": "dev-shippo-token"}), ["dev-shippo-token"], NOW)

    def test_any_configured_token_may_match_during_rotation(self) -> None:
        shippo.SOURCE.verify(
            _request(query={"token": "new-token"}), ["old-token", "new-token"], NOW
        )


@pytest.mark.parametrize(
    ("source", "request_"),
    [
        (
            easypost.SOURCE,
            _request({"x-hmac-signature": _easypost_header(b"dev-easypost-secret")}),
        ),
        (
            aftership.SOURCE,
            _request({"aftership-hmac-sha256": _aftership_header(b"dev-aftership-secret")}),
        ),
        (shippo.SOURCE, _request(query={"token": "dev-shippo-token"})),
    ],
    ids=["easypost", "aftership", "shippo"],
)
def test_no_configured_secret_accepts_nothing(
    source: WebhookSource, request_: WebhookRequest
) -> None:
    with pytest.raises(InvalidSignature):
        source.verify(request_, [], NOW)
