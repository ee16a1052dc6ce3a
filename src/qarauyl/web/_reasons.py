"""Why a health event happened, in the reader's language.

The health state machine (`health/state_machine.py`) and `monitor/unmonitored.py` store the reason as an
English sentence of a few fixed shapes (the API and the log show it as it is); the console reads the shape
back and says it with the catalogue. A reason of no known shape (an older release's, a hand-made event) is
shown as stored rather than hidden.
"""

from __future__ import annotations

import re
from typing import Any

from qarauyl.domain import Health
from qarauyl.health.causes import stored_cause
from qarauyl.health.state_machine import ACCESS_FAULTS
from qarauyl.i18n import Translator

_FLAPPING = re.compile(r"^(?P<head>.*); flapping: (?P<changes>\d+) changes within (?P<minutes>\d+) min$")
_NEW_FAULT = re.compile(r"^new fault (?P<codes>[a-z_, ]+) while (?P<state>[a-z]+): (?P<why>.+)$")
_SIMPLE = (
    (re.compile(r"^first probe$"), "reason.first_probe"),
    (re.compile(r"^seen in (?P<count>\d+) consecutive probes$"), "reason.consecutive"),
    (re.compile(r"^lasted (?P<minutes>\d+) min$"), "reason.lasted"),
    (re.compile(r"^stable for (?P<minutes>\d+) min after flapping$"), "reason.stable_after_flapping"),
)
_UNMONITORED = re.compile(r"^no longer monitored: the camera is now (?P<lifecycle>[a-z]+)$")


def say_reason(tr: Translator, reason: str) -> str:
    flapping = _FLAPPING.match(reason)
    if flapping:
        head = say_reason(tr, flapping["head"])
        return head + "; " + tr("reason.flapping", changes=flapping["changes"], minutes=flapping["minutes"])
    news = _NEW_FAULT.match(reason)
    if news:
        codes = ", ".join(tr.maybe("fault", code.strip()) for code in news["codes"].split(","))
        state = tr.maybe("health", news["state"])
        return tr("reason.new_fault", codes=codes, state=state, why=say_reason(tr, news["why"]))
    for pattern, key in _SIMPLE:
        found = pattern.match(reason)
        if found:
            return tr(key, **found.groupdict())
    away = _UNMONITORED.match(reason)
    if away:
        return tr("reason.unmonitored", lifecycle=tr.maybe("lifecycle", away["lifecycle"]))
    return reason


def cause_sentence(tr: Translator, cause: str | None) -> str | None:
    """A probe's cause (probe.result.ProbeCause) as a sentence in the reader's language with what to check;
    None without a cause, or with one this release has no words for (a newer worker's)."""
    key = f"probe_cause.{cause}"
    return tr(key) if cause and tr.has(key) else None


def probe_cause(tr: Translator, findings: list[dict[str, Any]]) -> str | None:
    """Why the camera could not be read, from the access finding among its findings as stored. None for a
    camera that was read, and for a finding stored before causes were named (the console then shows the
    probe's own words)."""
    return cause_sentence(tr, stored_cause(findings))


def fault_names(tr: Translator, codes: list[str], cause: str | None = None) -> str:
    """Fault codes in the language, a fault of access with why the camera could not be read in a few words
    ("offline (no answer on the network)")."""

    def name(code: str) -> str:
        said = tr.maybe("fault", code)
        return f"{said} ({tr.maybe('cause', cause)})" if cause and code in ACCESS_FAULTS else said

    return ", ".join(name(code) for code in codes)


def event_codes(tr: Translator, event: dict[str, Any]) -> str:
    """The faults an event names (`fault_names`); without any, what its new state means: working again, or
    working as first seen (a camera's first probes have nothing to recover from), or no longer monitored (a
    camera that left `connected` has not "recovered")."""
    named = fault_names(tr, event["codes"], event.get("cause"))
    if named:
        return named
    if event["after"] == Health.UNKNOWN:
        return tr("events.not_monitored")
    return tr("events.working" if event.get("before") == Health.UNKNOWN else "events.recovered")
