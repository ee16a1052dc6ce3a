"""Fault rules in the console: the panel on a camera's page and the fleet-wide list at /rules."""

from __future__ import annotations

from datetime import timedelta

from nicegui import ui

from qarauyl.domain import FaultCode
from qarauyl.errors import QarauylError
from qarauyl.health.rules import MAX_DELAY, MIN_SCORE, rule_problem
from qarauyl.health.state_machine import ACCESS_FAULTS
from qarauyl.monitor.fault_rules import MAX_TERM, audit_target, clear_rule, list_rules, set_rule
from qarauyl.web import _auth, _data
from qarauyl.web._shell import Page, frame, notify_error, state


@ui.page("/rules")
def rules_page() -> None:
    with frame("nav.rules", "/rules") as page:
        if page is None:
            return
        rules_panel(page, None)


def rules_panel(page: Page, code: str | None) -> None:
    """The fault rules that apply to camera `code` (its own and the fleet's), or every rule the person may
    see when `code` is None; for the OCC, a form to set one and a button to remove each."""
    tr = page.tr
    db = state().db
    scope = page.scope.clause() if page.scope.restricted else None
    writer = page.can("fault_rules.write")

    @ui.refreshable
    def rules() -> None:
        shown = list_rules(db, code, scope)
        if not shown:
            ui.label(tr("rules.none")).classes("text-grey-7")
        for rule in shown:
            where = rule.camera or "fleet"
            with ui.row().classes("items-center gap-2 w-full").props(f"data-testid=rule-{where}-{rule.code}"):
                if rule.camera is None:
                    ui.badge(tr("rules.scope_fleet"), color="blue-grey-6")
                elif code is not None:
                    ui.badge(tr("rules.scope_camera"), color="blue-grey-4")
                else:
                    ui.link(rule.camera, f"/cameras/{rule.camera}").classes("text-weight-medium")
                ui.label(tr.maybe("fault", rule.code)).classes("text-weight-medium")
                if not rule.enabled:
                    ui.label(tr("rules.off")).classes("text-negative")
                else:
                    ui.label(tr("rules.min_score_is", score=tr.number(rule.min_score, 2))).classes(
                        "text-caption"
                    )
                    if rule.delay_minutes:
                        ui.label(tr("rules.delay_is", minutes=rule.delay_minutes)).classes("text-caption")
                if rule.until is not None:
                    key = "rules.until_is" if rule.in_force else "rules.lapsed"
                    ui.label(tr(key, when=tr.datetime(rule.until))).classes(
                        "text-caption" if rule.in_force else "text-caption text-grey-6"
                    )
                ui.label(rule.note).classes("text-caption text-grey-8")
                ui.space()
                by = rule.updated_by or tr("rules.by_system")
                ui.label(f"{by}, {tr.datetime(rule.updated_at)}").classes("text-caption text-grey-7")
                if writer:
                    ui.button(icon="delete", on_click=lambda r=rule: remove(r.code, r.camera)).props(
                        f"flat dense round data-testid=rule-delete-{where}-{rule.code}"
                    )

    def remove(fault: str, camera: str | None) -> None:
        audit = _auth.Auditor(page.person, "fault_rules.clear", audit_target(camera, fault))
        try:
            clear_rule(db, fault, camera=camera, scope=scope, audit=audit)
        except QarauylError as exc:
            notify_error(tr, exc)
            return
        ui.notify(tr("rules.removed"), type="positive")
        rules.refresh()

    with ui.card().classes("w-full").props("flat bordered data-testid=fault-rules"):
        ui.label(tr("rules.title")).classes("text-subtitle2")
        ui.label(tr("rules.explain" if code else "rules.explain_all")).classes("text-caption text-grey-7")
        rules()
        if not writer:
            return
        with ui.row().classes("items-end gap-2 w-full"):
            fault = (
                ui.select({c.value: tr.maybe("fault", c.value) for c in FaultCode}, label=tr("rules.fault"))
                .props("dense outlined data-testid=rule-fault")
                .classes("min-w-44")
            )
            alarms = ui.switch(tr("rules.alarms"), value=True).props("data-testid=rule-alarms")
            min_score = (
                ui.number(
                    tr("rules.min_score"), value=MIN_SCORE, min=MIN_SCORE, max=1.0, step=0.05, format="%.2f"
                )
                .props("dense data-testid=rule-min-score")
                .classes("w-64")
            )
            delay = (
                ui.number(
                    tr("rules.delay"),
                    value=0,
                    min=0,
                    max=MAX_DELAY.total_seconds() // 60,
                    step=5,
                    format="%d",
                )
                .props("dense data-testid=rule-delay")
                .classes("w-36")
            )
            note = (
                ui.input(tr("rules.note")).props("dense data-testid=rule-note maxlength=300").classes("grow")
            )
            days = (
                ui.number(tr("rules.days"), min=1, max=MAX_TERM.days, step=1, format="%d")
                .props("dense clearable data-testid=rule-days")
                .classes("w-72")
            )
            if code is None:
                on_camera = ui.input(tr("rules.camera")).props("dense data-testid=rule-camera maxlength=64")
            else:
                fleet = ui.checkbox(tr("rules.for_fleet")).props("data-testid=rule-fleet")

            def save() -> None:
                if not fault.value:
                    ui.notify(tr("rules.pick_fault"), type="warning")
                    return
                chosen = FaultCode(fault.value)
                score = float(min_score.value if min_score.value is not None else MIN_SCORE)
                minutes = int(delay.value or 0)
                term = None if days.value in (None, "") else float(days.value)
                out_of_term = term is not None and not 0 < term <= MAX_TERM.days
                if out_of_term or rule_problem(chosen, bool(alarms.value), score, timedelta(minutes=minutes)):
                    # The same checks the API makes, told in the person's language.
                    muted_access = not alarms.value and chosen in ACCESS_FAULTS
                    key = "rules.access_off" if muted_access and not out_of_term else "rules.out_of_range"
                    ui.notify(tr(key), type="warning", multi_line=True)
                    return
                if code is None:  # the fleet's page: a camera's code, or none for the whole fleet
                    camera = (on_camera.value or "").strip() or None
                else:
                    camera = None if fleet.value else code
                target = audit_target(camera, chosen.value)
                try:
                    set_rule(
                        db, chosen.value, camera=camera, enabled=bool(alarms.value), min_score=score,
                        delay_minutes=minutes, note=note.value or "", actor=page.person.name, scope=scope,
                        until=None if term is None else _data.now_utc() + timedelta(days=term),
                        audit=_auth.Auditor(page.person, "fault_rules.set", target),
                    )  # fmt: skip
                except QarauylError as exc:
                    notify_error(tr, exc)
                    return
                ui.notify(tr("rules.saved"), type="positive")
                rules.refresh()

            ui.button(tr("common.save"), icon="rule", on_click=save).props("data-testid=rule-save")
