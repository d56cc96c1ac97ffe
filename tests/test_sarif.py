"""`hpdsl lint --format sarif`: a SARIF 2.1.0 log with rules and located results."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from corpora import EXAMPLES_DIR, FIXTURES_DIR

from hpdsl.diagnostics import CODES

LINT = FIXTURES_DIR / "lint"


def _sarif(*files: Path) -> tuple[int, dict[str, object]]:
    exe = Path(sys.executable).parent / "hpdsl"
    result = subprocess.run([str(exe), "lint", "--format", "sarif", *map(str, files)],
                            capture_output=True, text=True, timeout=60)
    return result.returncode, json.loads(result.stdout)


def test_structure() -> None:
    status, log = _sarif(LINT / "hps201_duplicate_declaration.hps",
                         LINT / "hps206_label_shadows.hps", EXAMPLES_DIR / "classifier.hps")
    assert status == 1
    assert log["version"] == "2.1.0" and "sarif" in str(log["$schema"])
    (run,) = log["runs"]  # type: ignore[misc]
    driver = run["tool"]["driver"]
    assert driver["name"] == "hpdsl" and driver["version"]
    rules = driver["rules"]
    assert [r["id"] for r in rules] == sorted(CODES)
    for rule in rules:
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert rule["defaultConfiguration"]["level"] in ("error", "warning")
        assert "helpUri" not in rule
    results = run["results"]
    assert {r["ruleId"] for r in results} >= {"HPS201", "HPS206"}
    for result in results:
        assert result["level"] in ("error", "warning", "note")
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["message"]["text"]
        (loc,) = result["locations"]
        phys = loc["physicalLocation"]
        assert phys["artifactLocation"]["uri"].endswith(".hps")
        region = phys["region"]
        assert region["startLine"] >= 1 and region["startColumn"] >= 1
        assert (region["endLine"], region["endColumn"]) >= (region["startLine"],
                                                             region["startColumn"])
        for related in result.get("relatedLocations", []):
            assert related["physicalLocation"]["region"]["startLine"] >= 1


def test_clean_file_has_no_results() -> None:
    status, log = _sarif(EXAMPLES_DIR / "pipeline.hps")
    assert status == 0
    assert log["runs"][0]["results"] == []  # type: ignore[index]
