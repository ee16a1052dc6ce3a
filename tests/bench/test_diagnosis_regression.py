"""bench/diagnosis_regression.py: the same code compares equal, and a changed verdict is named."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

TOOL = Path(__file__).resolve().parents[2] / "bench" / "diagnosis_regression.py"


def _run(action: str, file: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(TOOL), action, "--quick", "--file", str(file)],
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_unchanged_code_compares_equal_and_a_changed_verdict_is_named(tmp_path: Path) -> None:
    saved = tmp_path / "verdicts.json"
    done = _run("save", saved)
    assert done.returncode == 0, done.stderr[-2000:]
    recorded = json.loads(saved.read_text(encoding="utf-8"))
    assert any(case["codes"] for case in recorded.values())  # the faulty cases found something

    same = _run("compare", saved)
    assert same.returncode == 0, same.stdout + same.stderr[-2000:]
    assert f"{len(recorded)} cases, 0 with changed codes" in same.stdout

    # Pretend the recorded run had said something else for one case.
    key = next(k for k, case in recorded.items() if case["codes"])
    recorded[key]["codes"] = ["glare"]
    saved.write_text(json.dumps(recorded), encoding="utf-8")
    changed = _run("compare", saved)
    assert changed.returncode == 1
    assert f"codes changed: {key}: ['glare'] ->" in changed.stdout
