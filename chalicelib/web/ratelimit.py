"""Rate limits as fixed-window counters in DynamoDB, each window an item with a TTL
(chalicelib/store/rate_limits.py).

One `UpdateItem ... ADD hits :1` per counted request, atomic however many Lambdas
count at once; the window's item expires by itself. The key of a client (an IP
address, a tracking token) is hashed before it is stored: a counter must not keep
anyone's address.

    LOGIN_FAILURES.check(client, now)   # before: refuse while over the limit
    LOGIN_FAILURES.hit(client, now)     # count one (a failed sign-in)

A shopper form that counts every request calls `hit` alone: it raises once the
request is over the limit.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from chalicelib.errors import KargoError
from chalicelib.store import rate_limits


class RateLimited(KargoError):
    status_code, code = 429, "rate_limited"
    message = "Too many attempts. Please wait a little and try again."

    def __init__(self, retry_after: int):
        super().__init__()
        self.retry_after = max(1, retry_after)

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


@dataclass(frozen=True)
class RateLimit:
    name: str  # what is limited: part of the key, so limits never share counters
    limit: int  # requests allowed per window
    window: timedelta

    def _window(self, now: datetime) -> tuple[int, int]:
        """(start, end) of the window `now` falls in, as epoch seconds."""
        size = int(self.window.total_seconds())
        start = int(now.timestamp()) // size * size
        return start, start + size

    def _client_digest(self, client: str) -> str:
        # Any text a client sends, lone surrogates included, hashes to a key.
        raw = f"{self.name}\0{client}".encode("utf-8", "surrogatepass")
        return hashlib.sha256(raw).hexdigest()[:32]

    def _retry_after(self, now: datetime, end: int) -> int:
        return math.ceil(end - now.timestamp())

    def check(self, client: str, now: datetime) -> None:
        """Raise `RateLimited` while this client is over the limit; counts nothing."""
        start, end = self._window(now)
        hits = rate_limits.counted(self.name, self._client_digest(client), start)
        if hits >= self.limit:
            raise RateLimited(self._retry_after(now, end))

    def hit(self, client: str, now: datetime) -> int:
        """Count one request; raise `RateLimited` when it is over the limit.
        Returns the requests counted in this window, this one included."""
        start, end = self._window(now)
        hits = rate_limits.count_one(self.name, self._client_digest(client), start, end + 60)
        if hits > self.limit:
            raise RateLimited(self._retry_after(now, end))
        return hits


def client_address(request: Any) -> str:
    """The caller's address as API Gateway saw it (never a header the caller sets)."""
    context = getattr(request, "context", None) or {}
    identity = context.get("identity") or {}
    address = identity.get("sourceIp")
    return address if isinstance(address, str) and address else "unknown"
