"""Signing in to the console through the chalice test client."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from tests.integration.conftest import Kargo

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
CSRF = re.compile(r'name="csrf" value="([0-9a-f]+)"')


def cookies_from(response: Any) -> dict[str, str]:
    """name -> value of every Set-Cookie in a chalice test response."""
    raw = response.headers.get("Set-Cookie") or response.headers.get("set-cookie") or ""
    values = raw if isinstance(raw, list) else re.split(r",\s*(?=\w+=)", raw)
    jar: dict[str, str] = {}
    for value in values:
        name, _, rest = value.partition("=")
        jar[name.strip()] = rest.split(";")[0]
    return jar


def cookie_header(jar: dict[str, str]) -> str:
    return "; ".join(f"{name}={value}" for name, value in jar.items() if value)


def csrf_of(body: bytes | str) -> str:
    text = body.decode() if isinstance(body, bytes) else body
    found = CSRF.search(text)
    assert found, "no CSRF token on the page"
    return found.group(1)


def login_form(kargo: Kargo) -> tuple[dict[str, str], str]:
    page = kargo.client.http.get("/console/login")
    assert page.status_code == 200
    return cookies_from(page), csrf_of(page.body)


def post_form(kargo: Kargo, path: str, fields: dict[str, str], jar: dict[str, str]) -> Any:
    return kargo.client.http.post(
        path, body=urlencode(fields).encode(), headers={**FORM, "Cookie": cookie_header(jar)}
    )


def sign_in(kargo: Kargo, key: str = "dev-merchant-key") -> dict[str, str]:
    jar, token = login_form(kargo)
    response = post_form(kargo, "/console/login", {"csrf": token, "key": key}, jar)
    assert response.status_code == 303, response.body
    return {"kargo_console": cookies_from(response)["kargo_console"]}


def get_page(kargo: Kargo, path: str, jar: dict[str, str]) -> Any:
    return kargo.client.http.get(path, headers={"Cookie": cookie_header(jar)})
