"""`make package`: build the Lambda deployment package as `chalice package` does
for the stack, and report its unzipped size and file count against the budget.

    python -m infra.package_size [--zip PATH] [--keep DIR]

The budget (`UNZIPPED_BUDGET_MB`) is what tests/infra/test_package.py holds the
package to; Lambda's own limit is 250 MB unzipped. Chalice is not a runtime
requirement: its packager adds the two files the Lambdas run
(`chalice/app.py`, `chalice/__init__.py`), which this report checks.
"""

from __future__ import annotations

import argparse
import collections
import os
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
UNZIPPED_BUDGET_MB = 80.0
CHALICE_RUNTIME = frozenset({"chalice/app.py", "chalice/__init__.py"})


def build(out_dir: Path) -> Path:
    """`chalice package` into `out_dir` (downloads Lambda wheels: needs PyPI)."""
    env = dict(os.environ) | {
        "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION", "eu-central-1")
    }
    chalice = Path(sys.executable).with_name("chalice")
    subprocess.run(  # noqa: S603 - a fixed command line
        [str(chalice), "package", "--stage", "local", str(out_dir)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    return out_dir / "deployment.zip"


def report(package: Path) -> dict[str, Any]:
    with zipfile.ZipFile(package) as archive:
        infos = [info for info in archive.infolist() if not info.is_dir()]
    by_top: collections.Counter[str] = collections.Counter()
    for info in infos:
        by_top[info.filename.split("/", 1)[0]] += info.file_size
    unzipped = sum(info.file_size for info in infos)
    chalice_files = sorted(i.filename for i in infos if i.filename.startswith("chalice/"))
    return {
        "zipped_mb": round(package.stat().st_size / 1e6, 2),
        "unzipped_mb": round(unzipped / 1e6, 2),
        "files": len(infos),
        "budget_unzipped_mb": UNZIPPED_BUDGET_MB,
        "chalice_files": chalice_files,
        "largest": [(name, round(size / 1e6, 2)) for name, size in by_top.most_common(8)],
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--zip", type=Path, help="report on this package instead of building")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="kargo-package-") as work:
        package = args.zip or build(Path(work) / "out")
        result = report(package)
    print(
        f"deployment package: {result['unzipped_mb']} MB unzipped in {result['files']} files "
        f"({result['zipped_mb']} MB zipped); budget {result['budget_unzipped_mb']} MB"
    )
    print("  largest: " + ", ".join(f"{name} {mb} MB" for name, mb in result["largest"]))
    print("  chalice at run time: " + ", ".join(result["chalice_files"]))
    within = result["unzipped_mb"] <= UNZIPPED_BUDGET_MB
    extra = set(result["chalice_files"]) - CHALICE_RUNTIME
    if extra:
        print(f"  chalice beyond its runtime files is packaged: {sorted(extra)}")
    return 0 if within and not extra else 1


if __name__ == "__main__":
    raise SystemExit(main())
