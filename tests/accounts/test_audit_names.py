"""One name per audited change, whichever face makes it, and words for each name in every language.

The console once wrote `camera.lifecycle` and a bare camera code where the API writes `cameras.lifecycle`
and `camera:<code>`, so an auditor who filtered by the API's name missed every change made in the
console."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

from qarauyl.i18n import LANGUAGES, catalogue

SOURCE = Path(__file__).resolve().parents[2] / "src" / "qarauyl"


def _audited_actions() -> dict[str, set[str]]:
    """Each audit action named in the code, with the top-level folders (faces) that write it."""
    found: dict[str, set[str]] = defaultdict(set)
    for path in SOURCE.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name not in ("record_audit", "Auditor"):
                continue
            for arg in node.args:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and "." in arg.value:
                    found[arg.value].add(path.relative_to(SOURCE).parts[0])
                    break
    return found


def test_the_console_writes_the_names_the_api_and_the_cli_write() -> None:
    actions = _audited_actions()
    assert len(actions) >= 15, sorted(actions)
    console_only = sorted(action for action, faces in actions.items() if faces == {"web"})
    assert console_only == [], f"audit names only the console writes: {console_only}"


def test_every_audit_name_has_words_in_every_language() -> None:
    for language in LANGUAGES:
        missing = sorted(a for a in _audited_actions() if f"audit.{a}" not in catalogue(language))
        assert not missing, f"{language}: {missing}"
