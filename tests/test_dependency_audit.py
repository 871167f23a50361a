"""The CI dependency audit (.ci/dependency_audit.py) reads pip-audit's and npm audit's reports right: a known
vulnerability fails the run, and an advisory database out of reach is reported, never taken for a pass."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location(
    "dependency_audit", Path(__file__).resolve().parent.parent / ".ci" / "dependency_audit.py"
)
audit = importlib.util.module_from_spec(_spec)
sys.modules["dependency_audit"] = audit  # dataclasses look their module up while the file runs
_spec.loader.exec_module(audit)


def _pip(*deps) -> str:
    return json.dumps({"dependencies": list(deps), "fixes": []})


CLEAN_PIP = _pip(
    {"name": "django", "version": "5.2.19", "vulns": []}, {"name": "celery", "version": "5.7.0", "vulns": []}
)
VULNERABLE_PIP = _pip(
    {"name": "django", "version": "5.2.1", "vulns": [{"id": "PYSEC-2025-1", "fix_versions": ["5.2.2"]}]},
    {"name": "celery", "version": "5.7.0", "vulns": []},
)
UNREACHABLE_PIP = _pip(
    {"name": "amqp", "skip_reason": "Dependency not found on PyPI and could not be audited: amqp (5.4.2)"},
    {"name": "vine", "skip_reason": "Dependency not found on PyPI and could not be audited: vine (5.1.0)"},
)
CLEAN_NPM = json.dumps(
    {"vulnerabilities": {}, "metadata": {"vulnerabilities": {"total": 0}, "dependencies": {"prod": 5}}}
)
VULNERABLE_NPM = json.dumps(
    {
        "vulnerabilities": {"htmx.org": {"severity": "high", "range": "<2.0.4"}},
        "metadata": {"vulnerabilities": {"high": 1, "total": 1}, "dependencies": {"prod": 5}},
    }
)
UNREACHABLE_NPM = json.dumps({"message": "405 Method Not Allowed - POST https://registry.npmjs.org/-/npm/v1/…"})


def test_a_clean_report_passes(capsys):
    outcomes = [audit.read_pip_audit(CLEAN_PIP), audit.read_npm_audit(CLEAN_NPM)]
    assert audit.verdict(outcomes, required=True) == 0
    out = capsys.readouterr().out
    assert "pip-audit: no known vulnerabilities in 2 packages" in out
    assert "npm audit: no known vulnerabilities in 5 packages" in out


@pytest.mark.parametrize("pip, npm", [(VULNERABLE_PIP, CLEAN_NPM), (CLEAN_PIP, VULNERABLE_NPM)])
@pytest.mark.parametrize("required", [True, False])
def test_a_known_vulnerability_fails_the_run(pip, npm, required, capsys):
    assert audit.verdict([audit.read_pip_audit(pip), audit.read_npm_audit(npm)], required=required) == 1
    out = capsys.readouterr().out
    assert "PYSEC-2025-1 (fixed in 5.2.2)" in out or "htmx.org: high" in out


@pytest.mark.parametrize("pip, npm", [(UNREACHABLE_PIP, CLEAN_NPM), (CLEAN_PIP, UNREACHABLE_NPM), ("", "")])
def test_an_unreachable_advisory_database_is_never_a_pass(pip, npm, capsys):
    outcomes = [audit.read_pip_audit(pip), audit.read_npm_audit(npm)]
    assert audit.verdict(outcomes, required=True) == 1
    assert audit.verdict(outcomes, required=False) == 0
    out = capsys.readouterr().out
    assert "NOT FULLY CHECKED" in out
    assert "no known vulnerabilities" not in out.split("NOT FULLY CHECKED")[0] or pip == CLEAN_PIP


def test_a_partly_checked_report_names_what_was_skipped():
    outcome = audit.read_pip_audit(
        _pip({"name": "django", "version": "5.2.19", "vulns": []}, {"name": "amqp", "skip_reason": "not found"})
    )
    assert (outcome.checked, outcome.vulnerable) == (1, [])
    assert outcome.unavailable.startswith("1 of 2 packages could not be looked up")
