"""The console's templates, rendered in the one Jinja2 environment of the pages.

`environment()` is the single place that picks that environment (the one of
`chalicelib/rendering`, shared by pages and messages). The console's stylesheet
is inlined and named by its hash in the Content-Security-Policy, like the page's.
"""

from __future__ import annotations

import base64
import hashlib
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chalicelib.console.texts import phrases
from chalicelib.domain.status import Locale

if TYPE_CHECKING:
    from jinja2 import Environment

STYLESHEET = Path(__file__).resolve().parent.parent / "templates" / "console" / "style.css"


@cache
def environment() -> Environment:
    from chalicelib.rendering.environment import environment as pages_environment

    env = pages_environment()
    env.filters["carrier_name"] = carrier_name
    return env


def carrier_name(slug: str) -> str:
    from chalicelib.rendering.carriers import carrier_name as name

    return name(slug)


@cache
def stylesheet() -> str:
    return STYLESHEET.read_text(encoding="utf-8").strip()


@cache
def content_security_policy() -> str:
    """Nothing loads or runs but our own stylesheet; nobody may frame the console."""
    digest = base64.b64encode(hashlib.sha256(stylesheet().encode()).digest()).decode()
    return (
        f"default-src 'none'; style-src 'sha256-{digest}'; img-src 'self' data:; "
        "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    )


def render(template: str, locale: Locale, **context: Any) -> str:
    from markupsafe import Markup

    page = environment().get_template(f"console/{template}")
    return page.render(
        locale=locale,
        other_locale="en" if locale == "tr" else "tr",
        t=phrases(locale),
        style=Markup(stylesheet()),  # noqa: S704 - our own file, hashed into the CSP
        **context,
    )
