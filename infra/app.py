"""Synthesizes Kargo's CloudFormation templates into a cloud assembly (no AWS access needed).

    python infra/app.py [--stage dev|prod ...] [--outdir infra/cdk.out]

Run by the CDK CLI instead (`cdk synth` in infra/, see cdk.json), it honours `-c stage=prod`.
Needs node on PATH (aws-cdk-lib runs on jsii) and the app importable: `chalice package` loads
`app.py` to package it.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    # First on the path: `chalice package` imports the project's `app` module by that name,
    # and this file (infra/app.py) must not be the one it finds.
    sys.path.insert(0, str(REPO_ROOT))

# Node 20 is past its end of life for jsii; the warning is noise on every synth.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
os.environ.setdefault("JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION", "1")
# `chalice package` creates boto3 sessions and needs a region. The templates themselves are
# region-agnostic (they use AWS::Region), so any region does for synthesis.
os.environ.setdefault("AWS_DEFAULT_REGION", "eu-central-1")

import aws_cdk as cdk  # noqa: E402

from infra.settings import STAGES, load_stage  # noqa: E402
from infra.stacks.kargo import KargoStack  # noqa: E402


def build_app(
    stages: Sequence[str] = STAGES,
    outdir: str | None = None,
    source_dir: Path = REPO_ROOT,
) -> cdk.App:
    app = cdk.App(outdir=outdir) if outdir else cdk.App()
    requested = app.node.try_get_context("stage")
    for stage in [requested] if requested else stages:
        KargoStack(app, load_stage(stage), source_dir=source_dir)
    return app


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--stage", action="append", choices=STAGES, help="default: all stages")
    parser.add_argument("--outdir", help="cloud assembly directory (default: CDK's, cdk.out)")
    parser.add_argument(
        "--source-dir", type=Path, default=REPO_ROOT, help="the Chalice project to package"
    )
    args = parser.parse_args(argv)
    app = build_app(args.stage or STAGES, outdir=args.outdir, source_dir=args.source_dir)
    assembly = app.synth()
    for stack in assembly.stacks:
        print(f"synthesized {stack.stack_name}: {Path(assembly.directory) / stack.template_file}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
