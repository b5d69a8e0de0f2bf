"""Scenario layer: schema with units, loading, overlays, consistency checks, limits, diff."""
