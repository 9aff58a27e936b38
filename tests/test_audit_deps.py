"""The dependency-audit summary fails on a known vulnerability and never hides skipped ones."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "mk" / "audit_deps.py"


def run(tmp_path: Path, deps: list[dict[str, object]]) -> subprocess.CompletedProcess[str]:
    report = tmp_path / "report.json"
    report.write_text(json.dumps({"dependencies": deps, "fixes": []}))
    return subprocess.run(
        [sys.executable, str(SCRIPT), str(report)], capture_output=True, text=True, check=False
    )


def test_clean_report_passes(tmp_path: Path) -> None:
    done = run(tmp_path, [{"name": "django", "version": "6.1", "vulns": []}])
    assert done.returncode == 0
    assert "1 of 1 locked packages checked, 0 with known vulnerabilities" in done.stdout


def test_a_vulnerability_fails_and_is_named(tmp_path: Path) -> None:
    vuln = {"id": "PYSEC-2099-1", "fix_versions": ["2.0.1"], "aliases": []}
    done = run(
        tmp_path,
        [
            {"name": "foo", "version": "2.0", "vulns": [vuln]},
            {"name": "bar", "skip_reason": "Dependency not found on PyPI"},
        ],
    )
    assert done.returncode == 1
    assert "VULNERABLE foo 2.0: PYSEC-2099-1 (fixed in 2.0.1)" in done.stdout
    assert "1 not reachable" in done.stdout
