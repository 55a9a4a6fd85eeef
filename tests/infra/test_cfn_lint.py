"""cfn-lint on the synthesized template (it expands the SAM transform itself)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.infra.conftest import require_cdk

require_cdk()

pytestmark = pytest.mark.infra


def test_cfn_lint_finds_no_errors_or_warnings(template_path: Path) -> None:
    api = pytest.importorskip(
        "cfnlint.api", reason="cfn-lint is not installed: pip install -r infra/requirements.txt"
    )
    matches = api.lint_file(template_path)
    # Informational findings are advice; errors and warnings are not acceptable.
    serious = [str(m) for m in matches if m.rule.severity.lower() in ("error", "warning")]
    assert not serious, "\n".join(serious)
