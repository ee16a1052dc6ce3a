"""Qarauyl's three languages: catalogues (i18n/{kk,ru,en}.json) and locale-aware formatting, for the
console and for the notices the maintenance outbox sends.

A key missing from a catalogue falls back to English, then to the key itself; the test suite makes
sure neither happens in the shipped catalogues.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime, tzinfo
from functools import cache
from pathlib import Path
from typing import Any

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal, format_percent

LANGUAGES = ("kk", "ru", "en")
LANGUAGE_NAMES = {"kk": "Қазақша", "ru": "Русский", "en": "English"}
# Babel locales: British English writes day-month-year like the rest of the region.
LOCALES = {"kk": "kk_KZ", "ru": "ru_RU", "en": "en_GB"}
DEFAULT_LANGUAGE = "ru"
CATALOGUE_DIR = Path(__file__).parent
Moment = datetime  # for annotations inside Translator, whose method `datetime` hides the class there


@cache
def catalogue(language: str) -> dict[str, str]:
    data: dict[str, str] = json.loads((CATALOGUE_DIR / f"{language}.json").read_text(encoding="utf-8"))
    return data


def normalise(language: str | None) -> str:
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


def browser_language(accept_language: str) -> str:
    """The first of our languages the browser asks for (Accept-Language), else the default."""
    for part in accept_language.split(","):
        tag = part.split(";")[0].strip().lower()
        if tag[:2] in LANGUAGES:
            return tag[:2]
    return DEFAULT_LANGUAGE


# The camera page's labels for register columns whose key is not simply `camera.<column>`.
_FIELD_KEYS = {"heading_deg": "camera.heading", "hfov_deg": "camera.hfov"}
# The inventory parsers' common messages (qarauyl.inventory.records) and their catalogue keys.
_PROBLEMS = [
    (re.compile(r"must not be empty|value is required"), "problem.empty"),
    (re.compile(r"longer than (?P<limit>\d+) characters"), "problem.too_long"),
    (re.compile(r"(?P<value>\S+) is out of range (?P<range>[\[(].*[\])])"), "problem.out_of_range"),
    (re.compile(r"'?(?P<value>.*?)'? is not a number"), "problem.not_a_number"),
]


class Translator:
    """`tr("key", n=3)` in one language, plus the number and date formats of its locale."""

    def __init__(self, language: str | None, zone: tzinfo | None = None) -> None:
        """`zone`: the OCC's time zone (Settings.zone()); None, this machine's."""
        self.language = normalise(language)
        self.zone = zone
        self.locale = LOCALES[self.language]
        self._texts = catalogue(self.language)
        self._fallback = catalogue("en")

    def __call__(self, key: str, **values: Any) -> str:
        text = self._texts.get(key) or self._fallback.get(key) or key
        return text.format(**values) if values else text

    def has(self, key: str) -> bool:
        return key in self._texts or key in self._fallback

    def maybe(self, prefix: str, value: str | None) -> str:
        """A translated enumeration value (`health.failed`), or the raw value if the catalogue lacks it."""
        if value is None:
            return "—"
        key = f"{prefix}.{value}"
        return self(key) if self.has(key) else value

    def number(self, value: float | int | None, digits: int = 0) -> str:
        if value is None:
            return "—"
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        return str(format_decimal(value, format=pattern, locale=self.locale))

    def percent(self, ratio: float | None, digits: int = 1) -> str:
        if ratio is None:
            return "—"
        return str(format_percent(ratio, format="#,##0." + "0" * digits + "%", locale=self.locale))

    def datetime(self, moment: datetime | None, style: str = "short") -> str:
        """A moment in the OCC's time zone, written the locale's way."""
        if moment is None:
            return "—"
        local = self.local(moment)
        return str(format_datetime(local, format=style, tzinfo=local.tzinfo, locale=self.locale))

    def day(self, value: date | str | None) -> str:
        """A calendar date (an ISO string or a date), written as the dates in `datetime` are."""
        if not value:
            return "—"
        day = date.fromisoformat(value) if isinstance(value, str) else value
        return str(format_date(day, format="short", locale=self.locale))

    def local(self, moment: Moment) -> Moment:
        """`moment` in the OCC's time zone."""
        return moment.astimezone(self.zone)

    def chart_time(self, moment: Moment) -> str:
        """`moment` for an ECharts time axis: the OCC's wall-clock time without an offset, which the browser
        reads as its own local time, so the axis shows the same hours as the text beside it whatever the
        zone of the browser."""
        return self.local(moment).replace(tzinfo=None).isoformat()

    def error(self, exc: Exception) -> str:
        """A sentence for a person: a catalogue key carried by the error, else its own message; an input's
        problems name each field as the page does, and the common validation messages are translated."""
        key = getattr(exc, "catalogue_key", None)
        if key and (key in self._texts or key in self._fallback):
            return self(key, **(getattr(exc, "catalogue_values", None) or {}))
        message = str(exc)
        if message in self._texts:
            return self(message)
        problems = getattr(exc, "problems", None)
        if problems:
            details = "; ".join(f"{self.field(p.column)}: {self.problem(p.message)}" for p in problems)
            return self("error.invalid", details=details)
        return self("error.generic", details=message) if message else self("error.unexpected")

    def field(self, column: str) -> str:
        """A register column (`mount_height_m`) by the name the camera's page gives it."""
        key = _FIELD_KEYS.get(column, f"camera.{column}")
        return self(key) if key in self._texts else column

    def problem(self, message: str) -> str:
        """One of the inventory's validation messages in this language, where it is one of the common ones."""
        for pattern, key in _PROBLEMS:
            match = pattern.fullmatch(message)
            if match:
                return self(key, **match.groupdict())
        return message
