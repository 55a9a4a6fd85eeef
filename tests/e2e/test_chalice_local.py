"""`chalice local` as `make run` starts it (`python -m local.chalice_local`), over a
socket: unknown paths 404, wrong methods 405, unreadable requests 4xx, all in the
contract's error shape. No AWS is touched: none of these requests reach a store."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from chalicelib import clock
from local.stack import free_port

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def server() -> Iterator[int]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("KARGO_")}
    env |= {"AWS_DEFAULT_REGION": "eu-central-1", "AWS_ENDPOINT_URL": "http://127.0.0.1:9"}
    command = [sys.executable, "-m", "local.chalice_local", "local", "--no-autoreload"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--stage", "local"]
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    stderr = process.stderr.read() if process.stderr else b""
                    pytest.fail(f"chalice local did not start: {stderr[-2000:]!r}")
                clock.sleep(0.2)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def exchange(port: int, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """One raw HTTP/1.1 exchange: the request exactly as given, the answer as sent."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(request)
        data = b""
        while chunk := connection.recv(65536):
            data += chunk
            head, _, body = data.partition(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            headers = {k.lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:])}
            if b"\r\n\r\n" in data and len(body) >= int(headers.get("content-length", "0")):
                return int(lines[0].split()[1]), headers, body
    raise AssertionError(f"connection closed mid-answer: {data[:200]!r}")


def request(method: str, path: str, headers: str = "", body: bytes = b"") -> bytes:
    length = f"Content-Length: {len(body)}\r\n" if body else ""
    return (
        f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n{length}{headers}\r\n"
    ).encode("latin-1") + body


def error_code(body: bytes) -> str:
    document = json.loads(body)
    assert set(document) == {"error"} and document["error"]["message"]
    code: str = document["error"]["code"]
    return code


@pytest.mark.parametrize(
    ("method", "path", "headers"),
    [
        ("GET", "/nope", ""),
        ("GET", "/nope", "Authorization: Bearer dev-merchant-key\r\n"),
        ("GET", "/nope", "Authorization: Bearer \xff\xe9\r\n"),
        ("POST", "/orders/1001/nope", ""),
        ("GET", "/", ""),
        ("GET", "/%ff%00?%ff=%00", ""),
    ],
)
def test_unknown_paths_are_404(server: int, method: str, path: str, headers: str) -> None:
    status, answer_headers, body = exchange(server, request(method, path, headers))
    assert status == 404
    assert answer_headers["content-type"].startswith("application/json")
    assert error_code(body) == "not_found"


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("DELETE", "/orders/1001", "GET"),
        ("GET", "/orders", "POST"),
        ("PUT", "/track/abc", "GET"),
        ("PATCH", "/webhooks/generic", "POST"),
        ("OPTIONS", "/orders", "POST"),
    ],
)
def test_wrong_methods_are_405(server: int, method: str, path: str, allow: str) -> None:
    status, headers, body = exchange(server, request(method, path))
    assert status == 405
    assert headers["allow"] == allow
    assert error_code(body) == "method_not_allowed"


def test_an_unreadable_content_length_is_400(server: int) -> None:
    raw = request("POST", "/orders", "Content-Length: lots\r\n")
    status, _, body = exchange(server, raw)
    assert status == 400
    assert error_code(body) == "validation_error"


def test_deep_json_is_400_over_the_wire(server: int) -> None:
    deep = b"[" * 10_000 + b"]" * 10_000
    raw = request(
        "POST",
        "/track/ExampleTrackingToken_0123456789ab/feedback",
        "Content-Type: application/json\r\n",
        deep,
    )
    status, _, body = exchange(server, raw)
    assert status == 400
    assert error_code(body) == "invalid_json"


@pytest.mark.parametrize(
    ("method", "path", "status"), [("TRACE", "/orders", 405), ("FOO", "/nope", 404)]
)
def test_methods_no_route_takes(server: int, method: str, path: str, status: int) -> None:
    answer, _, body = exchange(server, request(method, path))
    assert answer == status
    assert error_code(body) == ("method_not_allowed" if status == 405 else "not_found")


def test_an_unknown_method_with_an_unreadable_length_is_400(server: int) -> None:
    status, _, body = exchange(server, request("TRACE", "/orders", "Content-Length: x\r\n"))
    assert status == 400
    assert error_code(body) == "validation_error"
