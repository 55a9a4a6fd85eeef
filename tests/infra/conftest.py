"""Synthesizes the prod stack once per test session, in a subprocess.

A subprocess because `chalice package` imports `app` and writes the stage's environment
variables (CDK tokens) into `os.environ` of whatever process runs it; the rest of the suite must
not see them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
STAGE = "prod"
WHATSAPP_PHONE_NUMBER_ID = "phone-number-id-0123456789abcdef0123456789abcdef"
NO_NODE = "node is not installed: aws-cdk-lib runs on jsii, which needs node to synthesize"


def require_cdk() -> None:
    """Skips the calling test module, with the reason, when synthesis cannot run here."""
    # Node 20 is past its end of life for jsii: a banner on every import of aws_cdk otherwise.
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    if shutil.which("node") is None:
        pytest.skip(NO_NODE, allow_module_level=True)
    pytest.importorskip(
        "aws_cdk", reason="aws-cdk-lib is not installed: pip install -r infra/requirements.txt"
    )


@pytest.fixture(scope="session")
def cloud_assembly(tmp_path_factory: pytest.TempPathFactory) -> Path:
    require_cdk()
    outdir = tmp_path_factory.mktemp("cdk.out")
    env = {
        **os.environ,
        "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION") or "eu-central-1",
        "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
        # A stage with WhatsApp: its send permission and receipts are checked too.
        "KARGO_WHATSAPP_PHONE_NUMBER_ID": WHATSAPP_PHONE_NUMBER_ID,
    }
    result = subprocess.run(
        [
            sys.executable,
            str(REPO_ROOT / "infra" / "app.py"),
            "--stage",
            STAGE,
            "--outdir",
            str(outdir),
        ],
        cwd=outdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if result.returncode != 0:
        pytest.fail(f"synthesis failed:\n{result.stdout}\n{result.stderr}", pytrace=False)
    return outdir


@pytest.fixture(scope="session")
def template_path(cloud_assembly: Path) -> Path:
    return cloud_assembly / f"{STAGE}.template.json"


@pytest.fixture(scope="session")
def template_json(template_path: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(template_path.read_text(encoding="utf-8"))
    return document


@pytest.fixture(scope="session")
def template(template_json: dict[str, Any]) -> Any:
    from aws_cdk.assertions import Template

    return Template.from_json(template_json)
