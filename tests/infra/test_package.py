"""The Lambda deployment package: runtime requirements only, under its budget,
and Chalice present only as the two files its packager adds."""

from __future__ import annotations

import ast
from pathlib import Path

from infra.package_size import CHALICE_RUNTIME, UNZIPPED_BUDGET_MB, report
from tests.infra.conftest import REPO_ROOT

DEV_ONLY = ("chalice", "moto", "pytest", "mypy", "ruff", "hypothesis", "boto3-stubs", "zeep")


def _requirements(name: str) -> set[str]:
    lines = (REPO_ROOT / name).read_text(encoding="utf-8").splitlines()
    return {
        line.split("==")[0].split("[")[0].strip().lower()
        for line in lines
        if line.strip() and not line.startswith(("#", "-r"))
    }


def test_runtime_requirements_hold_no_tool_and_not_chalice() -> None:
    runtime = _requirements("requirements.txt")
    assert not runtime & set(DEV_ONLY), runtime & set(DEV_ONLY)
    assert "chalice" in _requirements("requirements-local.txt")  # chalice local / package


def test_packaged_code_imports_only_chalice_app_from_chalice() -> None:
    """At run time only chalice/app.py (and its __init__) exist in the package."""
    sources = [REPO_ROOT / "app.py", *sorted((REPO_ROOT / "chalicelib").rglob("*.py"))]
    offending = []
    for path in sources:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            for name in names:
                if name.split(".")[0] == "chalice" and name not in ("chalice", "chalice.app"):
                    offending.append(f"{path.relative_to(REPO_ROOT)}: {name}")
    assert not offending


def test_the_deployment_package_stays_under_its_budget(cloud_assembly: Path) -> None:
    (package,) = sorted(cloud_assembly.glob("asset.*.zip"))
    result = report(package)
    assert result["unzipped_mb"] <= UNZIPPED_BUDGET_MB, result
    assert set(result["chalice_files"]) == CHALICE_RUNTIME, result["chalice_files"]
    # No build tools ride along (chalice's own dependencies used to: pip, setuptools, yaml).
    largest = {name for name, _ in result["largest"]}
    assert not largest & {"pip", "setuptools", "yaml", "wcwidth"}, largest
