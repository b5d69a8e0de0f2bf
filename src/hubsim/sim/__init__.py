"""Simulation layer: network and routing, the SimPy engine, timeline of disruptions, records."""
