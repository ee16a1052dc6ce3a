"""Analytics: the fleet summary now; effectiveness and reports later."""

from qarauyl.analytics.fleet import Counts, FleetSummary, fleet_summary

__all__ = ["Counts", "FleetSummary", "fleet_summary"]
