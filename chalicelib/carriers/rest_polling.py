"""What the REST carriers Kargo polls (MNG, HepsiJET) share: a token cache, HTTP
calls classified the poller's way, Turkish local times and Turkish status names.

The classification (the contract, section 10, the poller backs off on trouble):

- timeout, connection refused/reset, DNS failure: `CarrierUnavailable`;
- HTTP 429, 408, 5xx: `CarrierUnavailable`, with Retry-After in seconds when sent;
- sign-in refused, or a token refused again after one fresh sign-in: `CarrierRefused`.

Nothing here logs a request or a response: both carry tokens, passwords and
personal data. `requests` is imported on the call path only (the API's cold
start never pays for it).
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from chalicelib.carriers.polled import CarrierUnavailable

if TYPE_CHECKING:
    import requests

ISTANBUL = ZoneInfo("Europe/Istanbul")
TIMEOUT_SECONDS = 10.0
Clock = Callable[[], datetime]


# --- tokens ---------------------------------------------------------------------------
@dataclass(frozen=True)
class CachedToken:
    value: str
    expires_at: datetime  # UTC; already shortened by a safety margin


class TokenCache:
    """One token per account (URL and user), kept until shortly before it expires.

    Thread-safe: the poller may run several requests to one carrier at once; they
    share a token rather than each signing in."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._tokens: dict[tuple[str, str], CachedToken] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str]) -> str | None:
        with self._lock:
            cached = self._tokens.get(key)
            if cached is None or self._clock() >= cached.expires_at:
                return None
            return cached.value

    def put(self, key: tuple[str, str], token: str, expires_at: datetime) -> None:
        with self._lock:
            self._tokens[key] = CachedToken(token, expires_at)

    def forget(self, key: tuple[str, str], token: str | None = None) -> None:
        """Drop the account's token (only if it is still `token`, when given: another
        thread may already have replaced a rejected token with a fresh one)."""
        with self._lock:
            cached = self._tokens.get(key)
            if cached is not None and (token is None or cached.value == token):
                del self._tokens[key]


# --- HTTP -----------------------------------------------------------------------------
class HttpCaller:
    """One `requests.Session` per client (connection reuse), 10 s timeouts, and
    network trouble turned into `CarrierUnavailable`."""

    def __init__(self, carrier: str, clock: Clock, timeout: float = TIMEOUT_SECONDS) -> None:
        self.carrier = carrier
        self.clock = clock
        self.timeout = timeout
        self._session: requests.Session | None = None
        self._lock = threading.Lock()

    def session(self) -> requests.Session:
        with self._lock:
            if self._session is None:
                import requests

                self._session = requests.Session()
            return self._session

    def send(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        json_body: Any = None,
    ) -> requests.Response:
        import requests

        try:
            return self.session().request(
                method, url, headers=dict(headers), json=json_body, timeout=self.timeout
            )
        except requests.Timeout as error:
            raise CarrierUnavailable(
                f"{self.carrier}: no answer within {self.timeout:g} s"
            ) from error
        except requests.RequestException as error:
            # Connection refused/reset, DNS, TLS, a malformed URL: nothing we can
            # read. The message names the kind only (the URL may carry a token).
            raise CarrierUnavailable(f"{self.carrier}: {type(error).__name__}") from error

    def unavailable(self, response: requests.Response) -> CarrierUnavailable:
        return CarrierUnavailable(
            f"{self.carrier}: HTTP {response.status_code}",
            retry_after=retry_after_seconds(response.headers.get("Retry-After"), self.clock()),
        )


def is_transient(status_code: int) -> bool:
    return status_code in (408, 429) or status_code >= 500


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """`Retry-After` as seconds from now: a number of seconds or an HTTP date."""
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - now).total_seconds())


# --- Turkish local times ------------------------------------------------------------
_LOCAL_FORMATS = (
    "%d-%m-%Y %H:%M:%S",
    "%d.%m.%Y %H:%M:%S",
    "%d/%m/%Y %H:%M:%S",
    "%d-%m-%Y %H:%M",
    "%d.%m.%Y %H:%M",
)


def istanbul_time(value: str | None) -> datetime | None:
    """A carrier's time as aware UTC, or None when unreadable.

    ISO 8601 with an offset is taken as it is; ISO without one, and the Turkish
    day-first forms (`12-02-2019 20:30:45`, `12.02.2019 20:30:45`), are local
    times in Europe/Istanbul (UTC+3 all year since 2016)."""
    if not value:
        return None
    text = value.strip()
    moment: datetime | None = None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        for pattern in _LOCAL_FORMATS:
            try:
                moment = datetime.strptime(text, pattern)
                break
            except ValueError:
                continue
    if moment is None:
        return None
    try:
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=ISTANBUL)
        return moment.astimezone(UTC)
    except (OverflowError, ValueError):
        return None


def istanbul_date(value: str | None) -> str | None:
    """A carrier's delivery estimate as `YYYY-MM-DD` (the day in Istanbul), or None."""
    if not value:
        return None
    text = value.strip()
    for pattern in ("%d.%m.%Y", "%d-%m-%Y", "%d/%m/%Y"):
        try:
            return datetime.strptime(text[:10], pattern).date().isoformat()
        except ValueError:
            continue
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is not None:
        try:
            moment = moment.astimezone(ISTANBUL)
        except (OverflowError, ValueError):
            return None
    return moment.date().isoformat()


def token_expiry(expires: datetime | None, now: datetime, longest: timedelta) -> datetime:
    """When to stop using a token: 5 minutes before the carrier says it expires,
    never later than `longest` from now (a wrong clock or zone must not keep a dead
    token), and at least a minute from now."""
    margin = timedelta(minutes=5)
    ceiling = now + longest - margin
    if expires is None:
        return ceiling
    return max(now + timedelta(minutes=1), min(expires - margin, ceiling))


# --- Turkish names --------------------------------------------------------------------
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
_TURKISH = str.maketrans({"İ": "i", "I": "i", "ı": "i", "ş": "s", "Ş": "s", "ğ": "g", "Ğ": "g"})


def fold_turkish(text: str) -> str:
    """`Teslim_Edildi`, `TESLİM EDİLDİ` and `teslim edildi` -> `teslimedildi`:
    carriers spell their status names with spaces, underscores and either case."""
    ascii_text = unicodedata.normalize("NFKD", text.translate(_TURKISH))
    stripped = "".join(char for char in ascii_text if not unicodedata.combining(char))
    return _NOT_ALNUM.sub("", stripped.lower())
