"""Abuse limits on the shopper's forms: every POST a tracking token can make
(rating, preferences, cancel, return request, problem report) counts against one
budget per token. The token is the credential, so it is also the client."""

from __future__ import annotations

from datetime import datetime, timedelta

from chalicelib.web.ratelimit import RateLimit

# A person fills these in a handful of times; a script hammering one link does not.
SHOPPER_FORMS = RateLimit("shopper_form", limit=20, window=timedelta(minutes=10))


def count_shopper_post(token: str, now: datetime) -> None:
    """Raises `RateLimited` (429 with Retry-After) once this token is over its budget.

    Only a token Kargo sealed is counted: any other is a 404 that costs no read and
    no write, so random tokens cannot fill the table with counters."""
    from chalicelib.tokens import open_token

    if open_token(token) is None:
        return
    SHOPPER_FORMS.hit(token, now)
