"""Reporting up the unit tree: dashboards, periodic reports, readiness, the Ministry export."""
