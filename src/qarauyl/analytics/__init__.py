"""Analytics: the fleet summary now; effectiveness and reports later."""

from qarauyl.analytics.fleet import Counts, FaultsNow, FleetSummary, faults_now, fleet_summary

__all__ = ["Counts", "FaultsNow", "FleetSummary", "faults_now", "fleet_summary"]
