"""Settings from the environment, read once per process and typed.

In AWS the deployed stack sets these (secrets come from Secrets Manager, see
`chalicelib/secrets.py`); locally the defaults below apply (CONTRACT.md section 1).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from chalicelib.domain.timing import Timings

if TYPE_CHECKING:
    from chalicelib.carriers.polled import CarrierAccount

# The contract's public local-development defaults, not secrets of any deployment.
DEFAULT_GENERIC_SECRET = "whsec_a2FyZ28tbG9jYWwtZ2VuZXJpYy13ZWJob29rLXNlY3JldCE="  # noqa: S105
DEFAULT_MERCHANT_WEBHOOK_SECRET = "whsec_a2FyZ28tbG9jYWwtbWVyY2hhbnQtd2ViaG9vay1zZWNyZXQ="  # noqa: S105


FALSE_WORDS = frozenset({"false", "0", "no", "off"})


def _csv(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())


@dataclass(frozen=True)
class Settings:
    table_name: str
    queue_url: str
    dead_letter_queue_url: str
    merchant_api_key: str
    webhook_secrets: dict[str, tuple[str, ...]]  # source -> accepted secrets (rotation)
    email_from: str
    public_url: str
    brand_name: str
    timezone: str
    review_url: str | None
    support_email: str
    support_whatsapp: str | None
    scan_interval_seconds: int
    stall_hours: int
    feedback_delay_days: int
    expire_days: int
    event_bus: str
    merchant_webhook_url: str | None
    merchant_webhook_secret: str
    merchant_webhook_queue_url: str
    merchant_webhook_dlq_url: str
    order_confirmation: bool = True
    thank_you_days: int = 7
    thank_you_coupon: str | None = None
    # The console (sign-in sessions, CSRF tokens): see `console_secret_from`.
    console_secret: str = ""
    console_session_hours: int = 8
    # WhatsApp (AWS End User Messaging Social): no phone number id, no WhatsApp channel.
    whatsapp_phone_number_id: str | None = None
    whatsapp_templates: str = ""  # JSON {"<kind>" or "<kind>:<locale>": "template_name"}
    whatsapp_meta_api_version: str = "v20.0"
    # The shopper's self-service (chalicelib/shopper/self_service.py).
    self_cancel: str = "auto"  # auto | request | off
    return_window_days: int = 14
    form_secret: str = ""  # the key of the page's CSRF tokens
    # Tracking-token keys, newest first (chalicelib/tokens.py); empty: the token secret
    # or, locally, the development key.
    token_keys: tuple[str, ...] = ()
    # Threads of the scan (KARGO_SCAN_WORKERS): one per due-index shard in AWS; one
    # locally, as moto's transactions are not thread-safe (they deep-copy the table).
    scan_workers: int = 1

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def timings(self) -> Timings:
        return Timings(
            stall=timedelta(hours=self.stall_hours),
            expire=timedelta(days=self.expire_days),
            feedback_delay=timedelta(days=self.feedback_delay_days),
            zone=self.zone,
            thank_you_delay=timedelta(days=self.thank_you_days),
        )

    def tracking_url(self, token: str) -> str:
        return f"{self.public_url}/t/{token}"


_overrides: dict[str, str] = {}


def _env(name: str, default: str) -> str:
    value = _overrides.get(name) or os.environ.get(name)
    return value if value not in (None, "") else default


def _load_secret_overrides() -> dict[str, str]:
    """In AWS, secrets (API key, webhook secrets) live in one Secrets Manager secret,
    a JSON object keyed by the variable names above; read once per cold start."""
    arn = os.environ.get("KARGO_SECRETS_ARN")
    if not arn:
        return {}
    import json

    from chalicelib.aws import secretsmanager

    raw = secretsmanager().get_secret_value(SecretId=arn)["SecretString"]
    values = json.loads(raw)
    return {str(key): str(value) for key, value in values.items() if value}


def load_settings() -> Settings:
    _overrides.clear()
    _overrides.update(_load_secret_overrides())
    deployed = bool(os.environ.get("KARGO_SECRETS_ARN"))

    def secret(name: str, local_default: str) -> str:
        # Deployed, a secret nobody set stays empty (its source refuses every
        # delivery): the public local defaults must never guard a real shop.
        return _env(name, "" if deployed else local_default)

    port = _env("KARGO_PORT", "8000")
    secrets = {
        "generic": _csv(secret("KARGO_WEBHOOK_SECRET_GENERIC", DEFAULT_GENERIC_SECRET)),
        "easypost": _csv(secret("KARGO_WEBHOOK_SECRET_EASYPOST", "dev-easypost-secret")),
        "aftership": _csv(secret("KARGO_WEBHOOK_SECRET_AFTERSHIP", "dev-aftership-secret")),
        "shippo": _csv(secret("KARGO_WEBHOOK_TOKEN_SHIPPO", "dev-shippo-token")),
        "kolaygelsin": _csv(secret("KARGO_WEBHOOK_SECRET_KOLAYGELSIN", "dev-kolaygelsin-secret")),
    }
    # Shop platforms as sources: each comma-separated secret is accepted (rotation).
    secrets |= {
        "shopify": _csv(secret("KARGO_SHOPIFY_WEBHOOK_SECRET", "dev-shopify-secret")),
        "woocommerce": _csv(secret("KARGO_WOOCOMMERCE_WEBHOOK_SECRET", "dev-woocommerce-secret")),
    }
    return Settings(
        table_name=_env("KARGO_TABLE_NAME", "kargo"),
        queue_url=_env("KARGO_QUEUE_URL", ""),
        dead_letter_queue_url=_env("KARGO_DLQ_URL", ""),
        merchant_api_key=secret("KARGO_MERCHANT_API_KEY", "dev-merchant-key"),
        webhook_secrets=secrets,
        email_from=_env("KARGO_EMAIL_FROM", "kargo@example.com"),
        public_url=_env("KARGO_PUBLIC_URL", f"http://127.0.0.1:{port}").rstrip("/"),
        brand_name=_env("KARGO_BRAND_NAME", "Kargo"),
        timezone=_env("KARGO_TIMEZONE", "Europe/Istanbul"),
        review_url=_env("KARGO_REVIEW_URL", "") or None,
        support_email=_env("KARGO_SUPPORT_EMAIL", "support@example.com"),
        support_whatsapp=_env("KARGO_SUPPORT_WHATSAPP", "") or None,
        scan_interval_seconds=int(_env("KARGO_SCAN_INTERVAL", "60")),
        stall_hours=int(_env("KARGO_STALL_HOURS", "72")),
        feedback_delay_days=int(_env("KARGO_FEEDBACK_DELAY_DAYS", "2")),
        expire_days=int(_env("KARGO_EXPIRE_DAYS", "30")),
        event_bus=_env("KARGO_EVENT_BUS", "kargo"),
        merchant_webhook_url=_env("KARGO_MERCHANT_WEBHOOK_URL", "") or None,
        merchant_webhook_secret=secret(
            "KARGO_MERCHANT_WEBHOOK_SECRET", DEFAULT_MERCHANT_WEBHOOK_SECRET
        ),
        merchant_webhook_queue_url=_env("KARGO_MERCHANT_WEBHOOK_QUEUE_URL", ""),
        merchant_webhook_dlq_url=_env("KARGO_MERCHANT_WEBHOOK_DLQ_URL", ""),
        order_confirmation=_env("KARGO_ORDER_CONFIRMATION", "true").lower() not in FALSE_WORDS,
        thank_you_days=int(_env("KARGO_THANK_YOU_DAYS", "7")),
        thank_you_coupon=_env("KARGO_THANK_YOU_COUPON", "") or None,
        console_secret=console_secret_from(
            secret("KARGO_CONSOLE_SECRET", ""), secret("KARGO_MERCHANT_API_KEY", "dev-merchant-key")
        ),
        console_session_hours=max(1, int(_env("KARGO_CONSOLE_SESSION_HOURS", "8"))),
        whatsapp_phone_number_id=_env("KARGO_WHATSAPP_PHONE_NUMBER_ID", "") or None,
        whatsapp_templates=_env("KARGO_WHATSAPP_TEMPLATES", ""),
        whatsapp_meta_api_version=_env("KARGO_WHATSAPP_META_API_VERSION", "v20.0"),
        **self_service_settings(secret),
        token_keys=_csv(_env("KARGO_TOKEN_KEY", "")),
        scan_workers=max(1, int(_env("KARGO_SCAN_WORKERS", "16" if deployed else "1"))),
    )


def console_secret_from(configured: str, merchant_key: str) -> str:
    """The key that signs console cookies and CSRF tokens: `KARGO_CONSOLE_SECRET`
    (in AWS from the stack's Secrets Manager secret, like the other secrets), else
    derived from the merchant key, itself a secret. Derived, never the key itself:
    a signature must not become an oracle for the key. Rotating the merchant key
    then signs everyone out, which is what a rotation is for."""
    if configured:
        return configured
    if not merchant_key:
        return ""
    import hashlib
    import hmac

    return hmac.new(merchant_key.encode(), b"kargo console sessions", hashlib.sha256).hexdigest()


def self_service_settings(secret: Callable[[str, str], str]) -> dict[str, Any]:
    """`KARGO_SELF_CANCEL` (auto | request | off; anything else: off, the safe side),
    `KARGO_RETURN_WINDOW_DAYS`, and `KARGO_FORM_SECRET`, the key of the page's CSRF
    tokens. Deployed without one, the key is derived from the merchant API key (a
    secret already), never the public local default."""
    import hashlib

    mode = _env("KARGO_SELF_CANCEL", "auto").strip().lower()
    form_secret = secret("KARGO_FORM_SECRET", "dev-form-secret")
    if not form_secret:
        api_key = _env("KARGO_MERCHANT_API_KEY", "")
        form_secret = hashlib.sha256(f"kargo-forms\0{api_key}".encode()).hexdigest()
    return {
        "self_cancel": mode if mode in ("auto", "request", "off") else "off",
        "return_window_days": max(0, int(_env("KARGO_RETURN_WINDOW_DAYS", "14"))),
        "form_secret": form_secret,
    }


@cache
def settings() -> Settings:
    return load_settings()


def reset_settings() -> None:
    """For tests that change the environment."""
    settings.cache_clear()
    carrier_accounts.cache_clear()


# --- polled carriers (the poller, chalicelib/poll/) ---------------------------------
# Kept apart from `Settings` on purpose: only the poller reads carrier credentials,
# so only its role may read their secret, and no other function pays for it.


@dataclass(frozen=True)
class PollSettings:
    interval_seconds: int  # KARGO_POLL_INTERVAL: an open shipment is asked about this often
    near_interval_seconds: int  # KARGO_POLL_INTERVAL_NEAR: ... while close to the door
    tick_seconds: int  # how often the poller runs (the schedule's rate; 60 in AWS)
    request_queue_url: str  # first polls and merchant refreshes wait here


def poll_settings() -> PollSettings:
    return PollSettings(
        interval_seconds=max(1, int(_env("KARGO_POLL_INTERVAL", "7200"))),
        near_interval_seconds=max(1, int(_env("KARGO_POLL_INTERVAL_NEAR", "1800"))),
        tick_seconds=max(1, int(_env("KARGO_POLL_TICK", "60"))),
        request_queue_url=_env("KARGO_POLL_REQUEST_QUEUE_URL", ""),
    )


# A carrier's credentials besides URL, user name and password: variable suffix -> key
# in `CarrierAccount.extra`.
CARRIER_EXTRA_CREDENTIALS: dict[str, dict[str, str]] = {
    "aras": {"CUSTOMER_CODE": "customer_code"},
    "mng": {"CLIENT_ID": "client_id", "CLIENT_SECRET": "client_secret"},
}


@cache
def carrier_accounts() -> dict[str, CarrierAccount]:
    """slug -> account, for every polled carrier whose URL and a credential are set.

    From `KARGO_<CARRIER>_URL`, `_USERNAME`, `_PASSWORD` and the extras above. In
    AWS they come from one Secrets Manager secret (`KARGO_CARRIER_SECRETS_ARN`, a
    JSON object keyed by those variable names), read once per cold start. A carrier
    left out is not polled (the poller says so once)."""
    from chalicelib.carriers import POLLED_MODULES
    from chalicelib.carriers.polled import CarrierAccount

    values = dict(os.environ)
    arn = os.environ.get("KARGO_CARRIER_SECRETS_ARN")
    if arn:
        import json

        from chalicelib.aws import secretsmanager

        stored = json.loads(secretsmanager().get_secret_value(SecretId=arn)["SecretString"])
        values |= {str(key): str(value) for key, value in stored.items() if value}
    accounts: dict[str, CarrierAccount] = {}
    for slug in POLLED_MODULES:
        prefix = f"KARGO_{slug.upper()}_"
        url = values.get(prefix + "URL", "").strip()
        extra = {
            key: values[prefix + suffix]
            for suffix, key in CARRIER_EXTRA_CREDENTIALS.get(slug, {}).items()
            if values.get(prefix + suffix)
        }
        username, password = (
            values.get(prefix + "USERNAME", ""),
            values.get(prefix + "PASSWORD", ""),
        )
        if url and (username or password or extra):
            accounts[slug] = CarrierAccount(url.rstrip("/"), username, password, extra)
    return accounts
