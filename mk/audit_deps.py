"""Summarise a pip-audit JSON report: exit 1 on a known vulnerability, say what was skipped."""

from __future__ import annotations

import json
import sys


def out(line: str) -> None:
    sys.stdout.write(line + "\n")


def main(path: str) -> int:
    with open(path) as fh:
        report = json.load(fh)
    deps = report.get("dependencies", [])
    vulnerable = [d for d in deps if d.get("vulns")]
    skipped = [d for d in deps if d.get("skip_reason")]
    for dep in vulnerable:
        for vuln in dep["vulns"]:
            fixes = ", ".join(vuln.get("fix_versions") or []) or "no fix yet"
            out(f"VULNERABLE {dep['name']} {dep.get('version')}: {vuln['id']} (fixed in {fixes})")
    checked = len(deps) - len(skipped)
    out(
        f"dependency audit: {checked} of {len(deps)} locked packages checked, "
        f"{len(vulnerable)} with known vulnerabilities, {len(skipped)} not reachable on the "
        "vulnerability service"
    )
    return 1 if vulnerable else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
