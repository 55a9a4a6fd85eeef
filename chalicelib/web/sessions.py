"""Console sessions: a signed cookie that carries a session id, and the session
on the server, so that signing out ends it for good.

The cookie is `itsdangerous`-signed (its value cannot be forged or altered) and
holds only the session id and when it was issued. The session itself is an item
`SESSION#{sha256(id)}` (chalicelib/store/sessions.py) that lives until it expires
(TTL) or the staff member signs out (marked revoked): a cookie copied before
sign-out, replayed after it, finds no session and signs nobody in. Expiry is
checked against `now` on every read, since DynamoDB deletes expired items only
eventually.

CSRF: every form carries `csrf_token(binding)`, an HMAC of the session id (or,
on the sign-in form, of a random pre-session cookie) under the console secret.
A cross-site page can neither read the token nor compute it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from chalicelib.config import settings
from chalicelib.store import sessions as stored_sessions

SESSION_COOKIE = "kargo_console"
PRE_SESSION_COOKIE = "kargo_console_pre"
PRE_SESSION_LIFETIME = timedelta(hours=1)
SESSION_SALT = "kargo.console.session"


def _serializer() -> Any:
    # Imported here: only console requests pay for it.
    from itsdangerous import URLSafeSerializer

    return URLSafeSerializer(settings().console_secret, salt=SESSION_SALT)


@dataclass(frozen=True)
class Session:
    id: str
    issued_at: datetime
    expires_at: datetime


def lifetime() -> timedelta:
    return timedelta(hours=settings().console_session_hours)


def start_session(now: datetime) -> tuple[Session, str]:
    """A new session on the server, and the signed cookie value that names it."""
    session_id = secrets.token_urlsafe(32)
    expires = now + lifetime()
    stored_sessions.create_session(session_id, now, expires)
    cookie = _serializer().dumps({"sid": session_id, "iat": int(now.timestamp())})
    return Session(session_id, now, expires), str(cookie)


def _session_id(cookie: str | None) -> str | None:
    if not cookie:
        return None
    from itsdangerous import BadData

    try:
        data = _serializer().loads(cookie)
    except BadData:
        return None
    session_id = data.get("sid") if isinstance(data, dict) else None
    return session_id if isinstance(session_id, str) and session_id else None


def find_session(cookie: str | None, now: datetime) -> Session | None:
    """The live session a cookie names, or None (forged, expired, signed out)."""
    session_id = _session_id(cookie)
    if session_id is None:
        return None
    stored = stored_sessions.load_session(session_id)
    if stored is None or stored.revoked:
        return None
    expires = datetime.fromtimestamp(stored.expires_at, tz=now.tzinfo)
    if expires <= now:
        return None
    issued = datetime.fromisoformat(stored.issued_at.replace("Z", "+00:00"))
    return Session(session_id, issued, expires)


def end_session(cookie: str | None) -> None:
    """Sign out: the session is gone from the server, whoever holds the cookie."""
    session_id = _session_id(cookie)
    if session_id is None:
        return
    # Marked, not deleted: the item keeps its TTL and goes when it would have
    # expired, and the API's role needs no DeleteItem.
    stored_sessions.revoke_session(session_id)


def new_pre_session() -> str:
    """The sign-in form's CSRF binding: a random value in its own short cookie."""
    return secrets.token_urlsafe(24)


def csrf_token(binding: str) -> str:
    key = settings().console_secret.encode()
    return hmac.new(key, f"csrf\0{binding}".encode(), hashlib.sha256).hexdigest()


def csrf_valid(binding: str | None, token: str | None) -> bool:
    if not binding or not token:
        return False
    return hmac.compare_digest(csrf_token(binding).encode(), token.encode())


def key_matches(given: str) -> bool:
    """The merchant key, compared in constant time."""
    expected = settings().merchant_api_key
    return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


def cookie_is_secure() -> bool:
    """`Secure` everywhere but plain http on 127.0.0.1 (a browser would not send
    a Secure cookie back there)."""
    return not settings().public_url.startswith("http://127.0.0.1")


def set_cookie(name: str, value: str, max_age: timedelta) -> str:
    """A Set-Cookie value: never readable by scripts, never sent cross-site.
    No Path: the browser scopes it to the console's own path."""
    parts = [
        f"{name}={value}",
        f"Max-Age={int(max_age.total_seconds())}",
        "HttpOnly",
        "SameSite=Strict",
    ]
    if cookie_is_secure():
        parts.append("Secure")
    return "; ".join(parts)


def clear_cookie(name: str) -> str:
    return set_cookie(name, "", timedelta(0))


def read_cookie(headers: Any, name: str) -> str | None:
    """One cookie's value from the Cookie header (the first, if sent twice)."""
    from http.cookies import CookieError, SimpleCookie

    raw = headers.get("cookie") if headers else None
    if not raw:
        return None
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(raw)
    except CookieError:
        return None
    morsel = jar.get(name)
    return morsel.value if morsel else None
