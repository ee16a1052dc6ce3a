"""The shipped catalogues: every key in all three languages, translated, with the same placeholders;
every key the pages use exists; numbers and dates follow the locale."""

from __future__ import annotations

import ast
import re
import string
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from qarauyl.accounts import ROLES
from qarauyl.domain import CameraKind, FaultCode, Health, Lifecycle, OrgKind, Severity, Vendor
from qarauyl.i18n import LANGUAGES, Translator, browser_language, catalogue
from qarauyl.web._page_cameras import HISTORY_METRICS, HISTORY_SHOWN

WEB = Path(__file__).resolve().parents[2] / "src" / "qarauyl" / "web"
CYRILLIC = re.compile(r"[А-Яа-яЁёӘәҒғҚқҢңӨөҰұҮүҺһІі]")


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_key_is_in_every_catalogue_translated() -> None:
    keys = set(catalogue("en"))
    assert len(keys) > 100
    for language in LANGUAGES:
        texts = catalogue(language)
        assert set(texts) == keys, f"{language}: missing {keys - set(texts)}, extra {set(texts) - keys}"
        for key, text in texts.items():
            assert text.strip(), f"{language}:{key} is empty"
            assert text != key, f"{language}:{key} is untranslated"
            assert _placeholders(text) == _placeholders(catalogue("en")[key]), (
                f"{language}:{key} placeholders"
            )
            if language != "en":
                # Russian and Kazakh are written in Cyrillic: a Latin-only text was left in English.
                assert CYRILLIC.search(text), f"{language}:{key} = {text!r} is not translated"


def test_kazakh_is_not_russian() -> None:
    kk, ru = catalogue("kk"), catalogue("ru")
    same = [k for k in kk if kk[k] == ru[k]]
    # Shared loanwords (Map, Camera, Code, …) are allowed; a copied catalogue is not.
    assert len(same) < len(kk) // 10, same


def test_every_key_the_pages_use_exists() -> None:
    used: set[str] = set()
    for source in WEB.glob("*.py"):
        text = source.read_text(encoding="utf-8")
        used |= set(re.findall(r"""\btr\(\s*["']([a-z_]+\.[a-z_0-9]+)["']""", text))
        used |= set(
            re.findall(r"""\(\s*"([a-z_]+\.[a-z_0-9]+)",\s*"[a-z_]+",\s*"[a-z-]+"\s*,\s*"[a-z.]+"\)""", text)
        )
    assert len(used) > 60
    missing = used - set(catalogue("en"))
    assert not missing, missing


def _finding_detail_names() -> list[str]:
    """Every measurement a finding carries: the keywords of the diagnosis' `finding(...)` calls, and the
    access findings' message."""
    names = {"message"}
    for source in (WEB.parent / "diagnosis").glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "finding":
                names |= {keyword.arg for keyword in node.keywords if keyword.arg}
    assert len(names) > 30
    return sorted(names)


def test_the_history_chart_draws_measurements_the_probe_keeps() -> None:
    from qarauyl.diagnosis import diagnose, without_signature
    from qarauyl.sim.scenes import generate_scene

    frames = list(generate_scene("street_day", width=320, height=180, fps=12.5, seconds=0.8, seed=1))
    kept = set(without_signature(diagnose(frames, reference=frames[0]).metrics))
    assert set(HISTORY_METRICS) <= kept, set(HISTORY_METRICS) - kept
    assert set(HISTORY_METRICS) >= HISTORY_SHOWN


@pytest.mark.parametrize(
    ("prefix", "values"),
    [
        ("metric", _finding_detail_names()),
        ("metric", list(HISTORY_METRICS)),
        ("health", [h.value for h in Health]),
        ("lifecycle", [lc.value for lc in Lifecycle]),
        ("fault", [f.value for f in FaultCode]),
        ("vendor", [v.value for v in Vendor]),
        ("kind", [k.value for k in CameraKind]),
        ("org_kind", [o.value for o in OrgKind]),
        ("severity", [s.value for s in Severity]),
        ("role", list(ROLES)),
        ("role_help", list(ROLES)),
    ],
)
def test_every_value_shown_to_people_has_a_translation(prefix: str, values: list[str]) -> None:
    for value in values:
        assert f"{prefix}.{value}" in catalogue("en"), f"{prefix}.{value}"


def test_numbers_and_dates_in_the_locale() -> None:
    assert Translator("en").number(1303) == "1,303"
    assert re.fullmatch(r"1\s303", Translator("ru").number(1303))
    assert re.fullmatch(r"1\s303", Translator("kk").number(1303))
    assert Translator("en").percent(0.9173) == "91.7%"
    assert re.fullmatch(r"91,7\s?%", Translator("ru").percent(0.9173))
    moment = datetime(2026, 3, 5, 12, 0, tzinfo=UTC)
    assert "05/03/2026" in Translator("en").datetime(moment)
    assert "05.03.2026" in Translator("ru").datetime(moment)
    assert Translator("ru").day("2018-03-29") == "29.03.2018"  # an installation date, as the register has it
    assert Translator("en").day(None) == "—"
    assert Translator("en").number(None) == "—"


def test_times_are_the_occs_whatever_the_zone_of_the_server_or_the_browser() -> None:
    almaty = Translator("ru", ZoneInfo("Asia/Almaty"))
    moment = datetime(2026, 3, 5, 22, 30, tzinfo=UTC)
    assert almaty.datetime(moment) == "06.03.2026, 03:30"  # the next morning in Almaty (UTC+5)
    assert Translator("en", UTC).datetime(moment) == "05/03/2026, 22:30"
    # A chart's time axis gets the same wall-clock time with no offset, which a browser reads as its own.
    assert almaty.chart_time(moment) == "2026-03-06T03:30:00"


def test_errors_read_as_sentences_in_the_language() -> None:
    from qarauyl.errors import InputError, Problem

    error = InputError(
        "The camera was not changed.", [Problem("TUR-1", "heading_deg", "must be between 0 and 360")]
    )
    assert Translator("ru").error(error).startswith("Ничего не изменено")
    assert catalogue("kk")["camera.heading"] in Translator("kk").error(
        error
    )  # the field as the page names it
    assert Translator("kk").error(Exception("login.failed")) == catalogue("kk")["login.failed"]
    # The inventory's own messages, as the console's edit dialog gets them, in Russian throughout.
    from qarauyl.inventory.records import PARSERS

    problems = []
    for column, value in (("name", "N" * 301), ("mount_height_m", "500"), ("focal_mm", "abc")):
        try:
            PARSERS[column](value)
        except ValueError as exc:
            problems.append(Problem("TUR-1", column, str(exc)))
    problems.append(Problem("TUR-1", "name", "must not be empty"))
    said = Translator("ru").error(InputError("The camera was not changed.", problems))
    assert "длиннее 300 символов" in said and "500 вне диапазона [0.5, 100]" in said
    assert "«abc» — не число" in said and "не может быть пустым" in said
    assert not re.search(r"[A-Za-z]{4,}", said.replace("[0.5, 100]", "")), said
    # A camera that is not there, in the person's language, with its code.
    from qarauyl.errors import NotFoundError

    assert Translator("kk").error(NotFoundError.camera("NOPE-404")) == catalogue("kk")[
        "camera.not_found"
    ].format(code="NOPE-404")


def test_browser_language_picks_ours() -> None:
    assert browser_language("kk-KZ,kk;q=0.9,ru;q=0.8") == "kk"
    assert browser_language("de-DE,en;q=0.5") == "en"
    assert browser_language("") == "ru"
