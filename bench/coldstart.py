"""Cold start: how long a fresh interpreter takes to import the Lambda handler module.

Each run is a new `python` process (as a Lambda cold start is a new runtime)
that times its own import with `perf_counter` and also reports how long the
whole process took. `import app` is compared with `import boto3, pydantic`,
the two libraries any handler of this kind loads; runs alternate so that
machine noise falls on both alike.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PROBE = """
import json, sys, time
started = time.perf_counter()
{statement}
imported = time.perf_counter() - started
print(json.dumps({{"import_ms": 1000 * imported, "modules": len(sys.modules)}}))
"""
SUBJECTS = {"app": "import app", "baseline": "import boto3, pydantic"}


def _run_once(statement: str) -> dict[str, float]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KARGO_", "AWS_ENDPOINT"))}
    env |= {"AWS_DEFAULT_REGION": "eu-central-1", "PYTHONDONTWRITEBYTECODE": "1"}
    started = _clock()
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(statement=statement)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    process_ms = 1000 * (_clock() - started)
    measured: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return measured | {"process_ms": process_ms}


def _clock() -> float:
    import time

    return time.perf_counter()


def measure_cold_start(runs: int = 15) -> dict[str, Any]:
    samples: dict[str, list[dict[str, float]]] = {name: [] for name in SUBJECTS}
    for name, statement in SUBJECTS.items():  # one untimed run each: disk cache, .pyc files
        _run_once(statement)
        del name
    for _ in range(runs):
        for name, statement in SUBJECTS.items():
            samples[name].append(_run_once(statement))
    result: dict[str, Any] = {"runs": runs}
    for name, runs_of in samples.items():
        result[name] = {
            "statement": SUBJECTS[name],
            "import_ms_median": statistics.median(s["import_ms"] for s in runs_of),
            "process_ms_median": statistics.median(s["process_ms"] for s in runs_of),
            "modules": int(statistics.median(s["modules"] for s in runs_of)),
        }
    result["app_over_baseline_import"] = (
        result["app"]["import_ms_median"] / result["baseline"]["import_ms_median"]
    )
    return result
