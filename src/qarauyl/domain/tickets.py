"""A repair ticket's statuses, in the order of its life (the rules are in `maintenance.tickets`)."""

ACTIVE: tuple[str, ...] = ("open", "acknowledged", "in_progress", "removed_for_repair", "resolved")
STATUSES: tuple[str, ...] = (*ACTIVE, "closed", "cancelled")
# Statuses whose SLA clock still runs: a resolved ticket waits only for the monitor's confirmation.
WORKING: tuple[str, ...] = ("open", "acknowledged", "in_progress", "removed_for_repair")
