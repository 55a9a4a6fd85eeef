"""`make run`: Kargo on one machine.

Starts a moto server (unless KARGO_AWS_ENDPOINT names one), creates the
resources, runs the HTTP API with `chalice local`, and plays the Lambda event
sources in threads: an SQS poller for the consumer, a DynamoDB stream poller for
the notifier, a timer for the scheduled scan, and the poller (a fake server for
each polled carrier without a URL, see `local/polled.py`). Seeds a demo order, prints
its tracking links and every notification sent. Ctrl-C or SIGTERM stops every
child it started.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from chalicelib import clock

ROOT = Path(__file__).resolve().parent.parent
logger = logging.getLogger("kargo.local")


def configure_environment() -> dict[str, str]:
    """Defaults from CONTRACT.md section 1, exported so children see the same."""
    port = os.environ.get("KARGO_PORT") or "8000"
    defaults = {
        "KARGO_PORT": port,
        "KARGO_MOTO_PORT": "5000",
        "KARGO_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "AWS_DEFAULT_REGION": "eu-central-1",
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
    }
    for name, value in defaults.items():
        if not os.environ.get(name):
            os.environ[name] = value
    return dict(os.environ)


def free_port() -> int:
    """A port free on 127.0.0.1 now (the OS picks it)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_until(check: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        clock.sleep(0.1)
    raise RuntimeError(f"{what} did not start within {seconds:.0f} s")


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1):
            return True
    except urllib.error.HTTPError:
        return True  # any HTTP answer means it is up
    except OSError:
        return False


# A worker finishes its current poll (long polls wait at most 1 s) before moto stops.
WORKER_STOP_SECONDS = 10.0


def _libc() -> Any:
    import ctypes
    import ctypes.util

    return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)


_LIBC = _libc() if sys.platform.startswith("linux") else None
PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """In a child, before exec: SIGTERM when the stack dies, even by SIGKILL (Linux's
    PR_SET_PDEATHSIG), so a child in its own process group is never orphaned. Only a
    system call here (libc was loaded in the parent): safe between fork and exec."""
    if _LIBC is not None:
        _LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def end_process(child: subprocess.Popen[bytes], seconds: float = 5.0) -> None:
    """SIGTERM, then SIGKILL if it has not exited within `seconds`."""
    if child.poll() is None:
        child.terminate()
    try:
        child.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()


class LocalStack:
    def __init__(self) -> None:
        self.children: list[subprocess.Popen[bytes]] = []
        self.moto: subprocess.Popen[bytes] | None = None
        self.stopping = threading.Event()
        self.threads: list[threading.Thread] = []
        self.cleanups: list[Callable[[], None]] = []  # e.g. the fake carrier servers
        self.whatsapp_fake: Any = None

    # --- processes -----------------------------------------------------------------
    def start_moto(self) -> str:
        port = os.environ["KARGO_MOTO_PORT"]
        command = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", port]
        self.moto = subprocess.Popen(
            command,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            process_group=0,
            preexec_fn=die_with_parent,
        )
        self.children.append(self.moto)
        endpoint = f"http://127.0.0.1:{port}"
        wait_until(lambda: answers(f"{endpoint}/moto-api/"), 60, "moto server")
        return endpoint

    def start_api(self) -> str:
        port = os.environ["KARGO_PORT"]
        # `chalice local`, with unknown paths answered 404 as in AWS (local/gateway.py).
        command = [
            sys.executable,
            "-m",
            "local.chalice_local",
            "local",
            "--no-autoreload",
            "--host",
            "127.0.0.1",
            "--port",
            port,
            "--stage",
            "local",
        ]
        self.children.append(
            subprocess.Popen(command, cwd=ROOT, process_group=0, preexec_fn=die_with_parent)
        )
        base = f"http://127.0.0.1:{port}"
        wait_until(lambda: answers(f"{base}/track/ping"), 120, "chalice local")
        return base

    def start_whatsapp_fake(self) -> Any:
        """moto has no End User Messaging Social: a fake stands in, unless
        KARGO_WHATSAPP_ENDPOINT names a service to use instead. WhatsApp stays off,
        as everywhere, until KARGO_WHATSAPP_PHONE_NUMBER_ID names a sender: the
        default stack sends what a shop without WhatsApp sends."""
        if os.environ.get("KARGO_WHATSAPP_ENDPOINT"):
            return None
        from local.fakes.whatsapp import WhatsAppFake

        fake = WhatsAppFake()
        os.environ["KARGO_WHATSAPP_ENDPOINT"] = fake.start()
        self.whatsapp_fake = fake
        return fake

    def stop(self, *_: Any) -> None:
        """Stop in dependency order: the API and the workers first, AWS (moto)
        last, so no worker is cut off mid-request and a clean stop logs nothing.

        The children run in their own process groups (`process_group=0`), so a
        Ctrl-C in the terminal reaches only this process, which then stops them
        in this order instead of all of them dying at once."""
        if self.stopping.is_set():
            return
        self.stopping.set()
        for child in self.children:
            if child is not self.moto:
                end_process(child)
        if self.whatsapp_fake is not None:
            self.whatsapp_fake.stop()
        for thread in self.threads:
            thread.join(timeout=WORKER_STOP_SECONDS)
        for cleanup in self.cleanups:
            cleanup()
        if self.moto is not None:
            end_process(self.moto)

    # --- workers -------------------------------------------------------------------
    def every(self, name: str, seconds: float, work: Callable[[], object]) -> None:
        def loop() -> None:
            failures = 0
            while not self.stopping.is_set():
                try:
                    work()
                    failures = 0
                except Exception:
                    if self.stopping.is_set():
                        return  # a poll cut short by the stop is not a failure
                    failures += 1
                    logger.exception("%s failed (attempt %d); retrying", name, failures)
                    self.stopping.wait(min(30.0, 0.5 * 2**failures))
                    continue
                self.stopping.wait(seconds)

        thread = threading.Thread(target=loop, name=name, daemon=True)
        thread.start()
        self.threads.append(thread)

    def start_workers(self, resources: Any) -> None:
        import app as kargo
        from chalicelib.notify.dispatch import SENT_OBSERVERS
        from local.console import print_notification
        from local.pollers import SqsPoller, StreamPoller

        SENT_OBSERVERS.append(print_notification)
        region = os.environ["AWS_DEFAULT_REGION"]
        consumer = SqsPoller(
            resources.queue_url, lambda event: kargo.consume_webhooks(event, None), region
        )
        notifier = StreamPoller(
            resources.stream_arn, lambda event: kargo.notify_changes(event, None), region
        )
        merchant_hooks = SqsPoller(
            resources.merchant_webhook_queue_url,
            lambda event: kargo.deliver_merchant_webhooks(event, None),
            region,
        )
        interval = float(os.environ.get("KARGO_SCAN_INTERVAL") or 60)
        self.every("sqs-consumer", 0.0, lambda: consumer.poll_once(wait_seconds=1))
        self.every("merchant-webhooks", 0.0, lambda: merchant_hooks.poll_once(wait_seconds=1))
        self.every("stream-notifier", 0.2, notifier.poll_once)
        self.every("scheduled-scan", interval, lambda: kargo.scan_shipments({}, None))
        from local.polled import start_poll_workers

        start_poll_workers(self, resources)
        if self.whatsapp_fake is not None:
            from local.console import print_receipt

            def report(event: dict[str, Any]) -> None:  # what SNS does in AWS
                print_receipt(event)
                kargo.whatsapp_receipts(event, None)

            self.whatsapp_fake.report = report


def seed_demo_order(base: str) -> list[str]:
    from local.simulator import DEMO_ORDER, register

    created = register(base, DEMO_ORDER)
    return [shipment["tracking_url"] for shipment in created["shipments"]]


def main() -> int:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("botocore").setLevel(logging.WARNING)
    configure_environment()
    stack = LocalStack()
    signal.signal(signal.SIGTERM, stack.stop)
    signal.signal(signal.SIGINT, stack.stop)
    from local.console import say

    try:
        endpoint = os.environ.get("KARGO_AWS_ENDPOINT") or ""
        aws_label = "AWS:        "
        if not endpoint:
            endpoint, aws_label = stack.start_moto(), "AWS (moto): "
            os.environ["KARGO_AWS_ENDPOINT"] = endpoint
        stack.start_whatsapp_fake()
        from local.bootstrap import ensure_resources

        resources = ensure_resources()
        os.environ["KARGO_QUEUE_URL"] = resources.queue_url
        os.environ["KARGO_DLQ_URL"] = resources.dead_letter_queue_url
        os.environ["KARGO_MERCHANT_WEBHOOK_QUEUE_URL"] = resources.merchant_webhook_queue_url
        os.environ["KARGO_MERCHANT_WEBHOOK_DLQ_URL"] = resources.merchant_webhook_dlq_url
        os.environ["KARGO_POLL_REQUEST_QUEUE_URL"] = resources.poll_request_queue_url
        from local.polled import start_polled_carriers

        polled = start_polled_carriers()  # before the API and the workers read the settings
        stack.cleanups.append(polled.stop)
        from chalicelib.config import reset_settings

        reset_settings()
        base = stack.start_api()
        stack.start_workers(resources)
        say(f"\nKargo is running.\n  API:          {base}\n  {aws_label}  {endpoint}")
        say("  Polled:       " + "\n                ".join(polled.lines or ["none"]))
        if os.environ.get("KARGO_WHATSAPP_PHONE_NUMBER_ID"):
            say(f"  WhatsApp:     on, through {os.environ['KARGO_WHATSAPP_ENDPOINT']}")
        else:
            say("  WhatsApp:     off (set KARGO_WHATSAPP_PHONE_NUMBER_ID to turn it on)")
        if os.environ.get("KARGO_DEMO", "1") != "0":
            for url in seed_demo_order(base):
                token = url.rsplit("/", 1)[1]
                say(f"  Demo order:   {url}\n  JSON lookup:  {base}/track/{token}")
            say("  Walk it to delivery: make demo   (in another terminal)")
        say(f"  Console:      {base}/console   (sign in with KARGO_MERCHANT_API_KEY)")
        say(f"  API document: {base}/openapi.json")
        say("  Stop: Ctrl-C\n")
        while not stack.stopping.is_set():
            if any(child.poll() is not None for child in stack.children):
                raise RuntimeError("a child process exited; stopping the stack")
            stack.stopping.wait(0.5)
    except Exception as error:
        if not stack.stopping.is_set():
            logger.error("local stack failed: %s", error)
            stack.stop()
            return 1
    finally:
        stack.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
