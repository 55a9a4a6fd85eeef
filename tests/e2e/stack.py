"""Starting `python -m local.stack` (what `make run` runs) for an end-to-end test.

The stack prints every notification it sends, so a thread keeps reading its
output after the banner: a pipe nobody reads fills up and freezes the stack.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from local.stack import free_port

ROOT = Path(__file__).resolve().parents[2]
BANNER_END = "Stop: Ctrl-C"


@dataclass
class RunningStack:
    process: subprocess.Popen[str]
    base: str
    moto: str
    banner: list[str]
    output: list[str] = field(default_factory=list)  # what it printed after the banner
    reader: threading.Thread | None = None

    def text(self) -> str:
        return "".join(self.banner + self.output)

    def stop(self, timeout: float = 60) -> float:
        """SIGTERM, as Ctrl-C or `kill` would; returns how long the stack took to exit.
        A stack that does not exit in time is killed with its whole session."""
        sent = time.monotonic()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)  # the session this test started
            self.process.wait(timeout=10)
        took = time.monotonic() - sent
        if self.reader is not None:
            self.reader.join(timeout=10)
        return took


def start_stack(**settings: str) -> RunningStack:
    """The stack on free ports, with no AWS_ or KARGO_ setting of this process
    leaking in; `settings` are the KARGO_ variables (and others) to give it."""
    port = free_port()
    defaults = {"KARGO_PORT": str(port), "KARGO_MOTO_PORT": str(free_port())}
    env = {
        key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "KARGO_"))
    }
    env |= defaults | settings
    process = subprocess.Popen(
        [sys.executable, "-m", "local.stack"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    assert process.stdout is not None
    banner: list[str] = []
    for line in process.stdout:
        banner.append(line)
        if BANNER_END in line:
            break
    stack = RunningStack(
        process, f"http://127.0.0.1:{env['KARGO_PORT']}",
        f"http://127.0.0.1:{env['KARGO_MOTO_PORT']}", banner,
    )  # fmt: skip
    if process.poll() is not None:
        raise AssertionError("the stack exited before its banner:\n" + "".join(banner)[-3000:])

    def drain() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            stack.output.append(line)

    stack.reader = threading.Thread(target=drain, daemon=True)
    stack.reader.start()
    return stack


@contextmanager
def running_stack(**settings: str) -> Iterator[RunningStack]:
    stack = start_stack(**settings)
    try:
        yield stack
    finally:
        stack.stop()
