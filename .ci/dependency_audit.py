"""Known vulnerabilities in the dependencies: pip-audit for the Python packages the app runs with and
`npm audit --omit=dev` for the front-end packages it serves.

    .venv/bin/python .ci/dependency_audit.py

Fails (exit 1) on any known vulnerability. When an advisory database cannot be reached (a machine with no
route to PyPI's JSON API or npm's advisory endpoint), it says so loudly and does not pretend the check
passed: the run fails too when RJCASE_AUDIT_REQUIRED=1, and otherwise goes on with a warning.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Outcome:
    tool: str
    checked: int = 0
    vulnerable: list[str] = field(default_factory=list)
    unavailable: str = ""  # why nothing (or not everything) could be checked


def read_pip_audit(text: str) -> Outcome:
    """pip-audit's JSON report: dependencies with `vulns`, or a `skip_reason` when one could not be looked up."""
    outcome = Outcome("pip-audit")
    try:
        report = json.loads(text or "{}")
    except json.JSONDecodeError:
        outcome.unavailable = "pip-audit gave no report"
        return outcome
    dependencies = report.get("dependencies", [])
    skipped = [dep for dep in dependencies if dep.get("skip_reason")]
    for dep in dependencies:
        for vuln in dep.get("vulns") or []:
            fixed = ", ".join(vuln.get("fix_versions") or []) or "no fixed version"
            outcome.vulnerable.append(f"{dep['name']} {dep.get('version', '')}: {vuln.get('id')} (fixed in {fixed})")
    outcome.checked = len(dependencies) - len(skipped)
    if not dependencies:
        outcome.unavailable = "pip-audit listed no dependencies"
    elif skipped:
        outcome.unavailable = (
            f"{len(skipped)} of {len(dependencies)} packages could not be looked up: " + (skipped[0]["skip_reason"])
        )
    return outcome


def read_npm_audit(text: str) -> Outcome:
    """npm audit's JSON report: metadata.vulnerabilities counts by severity, or an error from the registry."""
    outcome = Outcome("npm audit")
    try:
        report = json.loads(text or "{}")
    except json.JSONDecodeError:
        outcome.unavailable = "npm audit gave no report"
        return outcome
    if "error" in report or ("message" in report and "metadata" not in report):
        error = report.get("error") or {}
        outcome.unavailable = error.get("summary") or report.get("message") or "the advisory endpoint failed"
        return outcome
    metadata = report.get("metadata", {})
    counts = metadata.get("vulnerabilities", {})
    outcome.checked = metadata.get("dependencies", {}).get("prod", 0) or metadata.get("totalDependencies", 0)
    for name, details in (report.get("vulnerabilities") or {}).items():
        outcome.vulnerable.append(f"{name}: {details.get('severity', 'unknown')} ({details.get('range', '')})")
    if not outcome.vulnerable and counts.get("total"):
        outcome.vulnerable.append(f"{counts['total']} vulnerabilities")
    return outcome


def verdict(outcomes: list[Outcome], *, required: bool) -> int:
    status = 0
    for outcome in outcomes:
        if outcome.vulnerable:
            print(f"{outcome.tool}: known vulnerabilities:")
            for line in outcome.vulnerable:
                print(f"  {line}")
            status = 1
        if outcome.unavailable:
            print(f"WARNING {outcome.tool}: NOT FULLY CHECKED. {outcome.unavailable}")
            if required:
                status = 1
        if not outcome.vulnerable and not outcome.unavailable:
            print(f"{outcome.tool}: no known vulnerabilities in {outcome.checked} packages")
    return status


def _run(command: list[str]) -> str:
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    return done.stdout


def main() -> int:
    venv = ROOT / ".venv" / "bin"
    pip_report = _run(
        [str(venv / "pip-audit"), "--progress-spinner", "off", "-f", "json", "-r", "requirements/base.txt"]
    )
    npm_report = _run(["npm", "audit", "--omit=dev", "--json"])
    outcomes = [read_pip_audit(pip_report), read_npm_audit(npm_report)]
    return verdict(outcomes, required=os.environ.get("RJCASE_AUDIT_REQUIRED") == "1")


if __name__ == "__main__":
    sys.exit(main())
