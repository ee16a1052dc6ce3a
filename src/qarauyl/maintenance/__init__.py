"""Maintenance: repair tickets with SLA clocks, root-cause incidents, KPIs, notifications, metrics.

Public entry points (import them from their modules; this package imports nothing at start-up because
the store imports `maintenance.models` while it is itself being imported):
- `maintenance.config.MaintenanceConfig` / `load_config`     what opens tickets, SLA hours, routes
- `maintenance.tickets.process_transitions(db, recorded, now, config)`   called by the monitor
- `maintenance.tickets` open_ticket/set_status/add_comment/add_photo, list_tickets, in_repair_counts
- `maintenance.sla.sla_tick(db, now, config)`                 warnings and breaches
- `maintenance.kpi.compute_kpis(db, start, end)`, `export_xlsx`
- `maintenance.notifications.deliver_due(db, now, config)`   the outbox worker
- `maintenance.metrics.render_metrics(db)` and `metrics_router()` for Prometheus
"""
